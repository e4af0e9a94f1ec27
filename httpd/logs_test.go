package httpd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
)

// refuseAll is a limiter that refuses every request at one stage.
type refuseAll struct{ stage Stage }

func (l refuseAll) Limit(r *Request, stage Stage) error {
	if stage != l.stage {
		return nil
	}
	return errs.E(errs.TooManyRequests, "Too many requests, please retry later.").RetryAfter(time.Second)
}

// logLines parses every line of a JSON log; a line that is not a JSON
// object fails the test.
func logLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestRateLimitRefusalsAggregated: 1,000 requests refused by the rate
// limiter, from four clients over 30 seconds, write one summary line per
// client per interval (not one access-log line each) whose counts add up
// to exactly 1,000, per client and in all; the allowed requests of the
// same clients are still logged one line each.
func TestRateLimitRefusalsAggregated(t *testing.T) {
	for _, stage := range []Stage{PreAuth, PostAuth} {
		t.Run(fmt.Sprint(stage), func(t *testing.T) {
			clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
			route := &Route{Path: "/j2/x", Type: TypeJSON2, Auth: AuthNone, RateLimit: "api_key", Handler: echo}
			ok := &Route{Path: "/free", Type: TypeJSON2, Auth: AuthNone, Handler: echo}
			s, h, logs := testServer(t, func(s *Server) {
				s.now = func() time.Time { return clock }
				s.Limiter = limitPaths{refuseAll{stage}, "/j2/x"}
			}, route, ok)
			clients := []string{"192.0.2.1", "192.0.2.2", "198.51.100.3", "2001:db8::7"}
			for i := range 1000 {
				if i%100 == 99 {
					clock = clock.Add(3 * time.Second) // 1,000 refusals over 30 s: three intervals and a bit
				}
				r := httptest.NewRequest("POST", "/j2/x", strings.NewReader(`{}`))
				r.Header.Set("Content-Type", "application/json")
				r.RemoteAddr = "[" + clients[i%len(clients)] + "]:4000"
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
					t.Fatalf("request %d: status %d, Retry-After %q", i, w.Code, w.Header().Get("Retry-After"))
				}
			}
			for _, c := range clients { // allowed requests keep their access-log line
				r := httptest.NewRequest("POST", "/free", strings.NewReader(`{}`))
				r.Header.Set("Content-Type", "application/json")
				r.RemoteAddr = "[" + c + "]:4000"
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
			s.FlushRefusals()
			lines := logLines(t, logs.Bytes())
			total := 0
			perClient := map[string]int{}
			summaries, accessLines, refusedLines := 0, 0, 0
			for _, l := range lines {
				switch l["msg"] {
				case "request":
					accessLines++
					if l["status"] == float64(429) {
						refusedLines++
					}
				case "rate limit refusals":
					summaries++
					n := int(l["count"].(float64))
					total += n
					perClient[l["client_ip"].(string)] += n
					if l["interval"] == nil || l["first"] == nil {
						t.Errorf("summary without its interval: %v", l)
					}
				}
			}
			if refusedLines > 0 {
				t.Errorf("%d refused requests have an access-log line of their own", refusedLines)
			}
			if total != 1000 {
				t.Errorf("summaries count %d refusals, want 1000", total)
			}
			for _, c := range clients {
				if perClient[c] != 250 {
					t.Errorf("client %s: %d refusals summarised, want 250 (%v)", c, perClient[c], perClient)
				}
			}
			// One line per client per interval: 4 clients, at most 4
			// intervals in 30 s of 10-second windows.
			if summaries < len(clients) || summaries > 4*len(clients) {
				t.Errorf("%d summary lines for 1,000 refusals from 4 clients over 30 s", summaries)
			}
			if accessLines != len(clients) {
				t.Errorf("%d access-log lines, want %d (the allowed requests)", accessLines, len(clients))
			}
			if len(lines) > 4*len(clients)+len(clients) {
				t.Errorf("%d log lines for 1,000 refusals", len(lines))
			}
		})
	}
}

// TestRateLimitRefusalClientsBounded: a flood from more distinct clients
// than one interval keeps lines for still writes a bounded number of
// lines, the rest counted under client "other", and no refusal is lost.
func TestRateLimitRefusalClientsBounded(t *testing.T) {
	route := &Route{Path: "/j2/x", Type: TypeJSON2, Auth: AuthNone, Handler: echo}
	s, h, logs := testServer(t, func(s *Server) { s.Limiter = refuseAll{PreAuth} }, route)
	n := maxRefusalClients + 500
	for i := range n {
		r := httptest.NewRequest("POST", "/j2/x", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4000", i>>16&255, i>>8&255, i&255)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	s.FlushRefusals()
	total, lines, other := 0, 0, 0
	for _, l := range logLines(t, logs.Bytes()) {
		if l["msg"] == "rate limit refusals" {
			lines++
			total += int(l["count"].(float64))
			if l["client_ip"] == "other" {
				other = int(l["count"].(float64))
			}
		}
	}
	if total != n || lines != maxRefusalClients+1 || other != 500 {
		t.Errorf("total %d (want %d), lines %d (want %d), other %d (want 500)", total, n, lines, maxRefusalClients+1, other)
	}
}

// limitPaths applies a limiter to one path only.
type limitPaths struct {
	Limiter
	path string
}

func (l limitPaths) Limit(r *Request, stage Stage) error {
	if r.HTTP.URL.Path != l.path {
		return nil
	}
	return l.Limiter.Limit(r, stage)
}

// TestClientCancellationNotAnError: a request whose client went away
// (its context canceled) is logged at INFO or below, never as an ERROR
// line, whether the handler's error says "context canceled" or is some
// other failure the cancellation caused (a driver's "interrupted").
func TestClientCancellationNotAnError(t *testing.T) {
	cases := map[string]func(*Request) (any, error){
		"wrapped canceled": func(r *Request) (any, error) {
			return nil, errs.Wrap(errs.Internal, fmt.Errorf("query: %w", context.Canceled), "")
		},
		"driver error after cancel": func(r *Request) (any, error) {
			<-r.HTTP.Context().Done()
			return nil, errs.Wrap(errs.Internal, errors.New("interrupted (9)"), "")
		},
	}
	for name, handler := range cases {
		t.Run(name, func(t *testing.T) {
			route := &Route{Path: "/j2/c", Type: TypeJSON2, Auth: AuthNone, Handler: handler}
			_, h, logs := testServer(t, nil, route)
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the client is gone before the handler answers
			r := httptest.NewRequest("POST", "/j2/c", strings.NewReader(`{}`)).WithContext(ctx)
			r.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(httptest.NewRecorder(), r)
			sawCancel := false
			for _, l := range logLines(t, logs.Bytes()) {
				if l["level"] == "ERROR" {
					t.Errorf("client cancellation logged as ERROR: %v", l)
				}
				if l["msg"] == "request canceled by the client" {
					sawCancel = true
				}
				if l["msg"] == "request" && (l["status"] != float64(499) || l["client_canceled"] != true) {
					t.Errorf("access-log line of a canceled request: %v", l)
				}
			}
			if !sawCancel {
				t.Errorf("no line says the client canceled: %s", logs)
			}
		})
	}
	// A real internal failure while the client is still there stays an
	// ERROR.
	route := &Route{Path: "/j2/f", Type: TypeJSON2, Auth: AuthNone, Handler: func(*Request) (any, error) {
		return nil, errs.Wrap(errs.Internal, errors.New("disk full"), "")
	}}
	_, h, logs := testServer(t, nil, route)
	do(h, "POST", "/j2/f", "application/json", `{}`)
	if !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("an internal failure is no longer an ERROR: %s", logs)
	}
}

// TestRateLimitRefusalsAggregatedEveryProtocol: JSON-RPC answers a
// refusal with HTTP 200 and an error envelope (XML-RPC with a fault):
// those refusals are summarised too, not logged one line each.
func TestRateLimitRefusalsAggregatedEveryProtocol(t *testing.T) {
	rpc := &Route{Path: "/rpc", Type: TypeJSONRPC, Auth: AuthNone, Handler: echo}
	fault := &Route{Path: "/xml", Type: TypeHTTP, Methods: []string{"POST"}, Auth: AuthNone, Codec: faultCodec{}, Handler: echo}
	s, h, logs := testServer(t, func(s *Server) { s.Limiter = refuseAll{PreAuth} }, rpc, fault)
	for range 100 {
		w := do(h, "POST", "/rpc", "application/json", `{"jsonrpc":"2.0","method":"call","params":{},"id":1}`)
		if !strings.Contains(w.Body.String(), `"error"`) {
			t.Fatalf("not refused: %d %s", w.Code, w.Body)
		}
		// A codec that answers refusals in a status of its own (XML-RPC:
		// 200 with a fault).
		w = do(h, "POST", "/xml", "text/xml", `<methodCall/>`)
		if w.Body.String() != "fault:too_many_requests" {
			t.Fatalf("not refused: %d %s", w.Code, w.Body)
		}
	}
	s.FlushRefusals()
	total, lines := 0, 0
	for _, l := range logLines(t, logs.Bytes()) {
		lines++
		if l["msg"] == "rate limit refusals" {
			total += int(l["count"].(float64))
		}
	}
	if total != 200 || lines != 1 {
		t.Errorf("%d lines, summaries counting %d; want 1 line counting 200", lines, total)
	}
}
