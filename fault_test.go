package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/store"
)

// syncBuffer is a log sink tests read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// lines returns the JSON log records written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// startDemoLogged is startDemo with the server's JSON log kept in buf.
func startDemoLogged(t *testing.T, buf io.Writer, routes ...*rampart.Route) demo {
	t.Helper()
	a := rampartest.Demo(t, rampartest.Options{Routes: routes, Log: buf})
	return demo{app: a, url: a.URL}
}

// faultRoutes are an embedder's routes that write a partner through the
// request's Env: an http (form) route and a custom json2 route. With
// ?fail=1 the handler fails after its write.
func faultRoutes() []*rampart.Route {
	write := func(r *rampart.Request) (any, error) {
		m, err := r.Env.Model("res.partner")
		if err != nil {
			return nil, err
		}
		name := r.HTTP.URL.Query().Get("name")
		if _, err := m.Create([]map[string]any{{"name": name}}); err != nil {
			return nil, err
		}
		if r.HTTP.URL.Query().Get("fail") == "1" {
			return nil, errs.E(errs.UserError, "the handler failed after writing")
		}
		return "ok", nil
	}
	return []*rampart.Route{
		// A bearer-only http route carries no cookie, so no CSRF token.
		{Path: "/t/fault/http", Type: rampart.TypeHTTP, Auth: rampart.AuthBearer, Methods: []string{"POST"}, CSRF: new(false), Handler: write},
		{Path: "/t/fault/json2", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer, Methods: []string{"POST"}, Handler: write},
	}
}

// faultCall creates a partner named name over one protocol and reports
// the HTTP status and the body.
type faultCall func(t *testing.T, d demo, name string, failAfter bool) (int, string)

func faultProtocols(t *testing.T, d demo) map[string]faultCall {
	post := func(t *testing.T, d demo, path, ct, auth, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	rpc := func(method string, params any) string {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "id": 7, "params": params})
		return string(b)
	}
	key := func(d demo) string { return d.app.DemoKeys["admin"] }
	suffix := func(name string, fail bool) string {
		if fail {
			return "?fail=1&name=" + name
		}
		return "?name=" + name
	}
	// The session is opened once, before any fault is armed.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	session := func(path, body string) (int, string) {
		resp, err := c.Post(d.url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := session("/web/session/authenticate", rpc("call", map[string]any{"db": d.app.Config.DBName, "login": "admin", "password": "admin"})); st != 200 || strings.Contains(b, `"error"`) {
		t.Fatalf("login: %d %s", st, b)
	}
	return map[string]faultCall{
		"json2": func(t *testing.T, d demo, name string, _ bool) (int, string) {
			return post(t, d, "/json/2/res.partner/create", "application/json", key(d), `{"vals_list":[{"name":"`+name+`"}]}`)
		},
		"jsonrpc": func(t *testing.T, d demo, name string, _ bool) (int, string) {
			return post(t, d, "/jsonrpc", "application/json", "", rpc("call", map[string]any{
				"service": "object", "method": "execute_kw",
				"args": []any{d.app.Config.DBName, d.uid(t, "admin"), key(d), "res.partner", "create", []any{map[string]any{"name": name}}},
			}))
		},
		"xmlrpc": func(t *testing.T, d demo, name string, _ bool) (int, string) {
			body := `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
				`<param><value><string>` + d.app.Config.DBName + `</string></value></param>` +
				`<param><value><int>` + strconv.FormatInt(d.uid(t, "admin"), 10) + `</int></value></param>` +
				`<param><value><string>` + key(d) + `</string></value></param>` +
				`<param><value><string>res.partner</string></value></param>` +
				`<param><value><string>create</string></value></param>` +
				`<param><value><array><data><value><struct><member><name>name</name><value><string>` + name +
				`</string></value></member></struct></value></data></array></value></param>` +
				`</params></methodCall>`
			return post(t, d, "/xmlrpc/2/object", "text/xml", "", body)
		},
		"call_kw": func(t *testing.T, d demo, name string, _ bool) (int, string) {
			return session("/web/dataset/call_kw", rpc("call", map[string]any{
				"model": "res.partner", "method": "create", "args": []any{map[string]any{"name": name}}, "kwargs": map[string]any{},
			}))
		},
		"http": func(t *testing.T, d demo, name string, fail bool) (int, string) {
			return post(t, d, "/t/fault/http"+suffix(name, fail), "", key(d), "")
		},
		"custom json2": func(t *testing.T, d demo, name string, fail bool) (int, string) {
			return post(t, d, "/t/fault/json2"+suffix(name, fail), "application/json", key(d), "{}")
		},
	}
}

// TestFailedCommitIsNeverSuccess: over every protocol, a commit that
// fails (as on a full disk) answers an error, stores nothing and logs one
// ERROR line carrying the request id; a handler that fails after writing
// is rolled back.
func TestFailedCommitIsNeverSuccess(t *testing.T) {
	var logs syncBuffer
	d := startDemoLogged(t, &logs, faultRoutes()...)
	diskFull := errors.New("sqlite: database or disk is full (SQLITE_FULL)")
	protocols := faultProtocols(t, d)
	for proto, call := range protocols {
		t.Run(proto+"/commit fails", func(t *testing.T) {
			name := "fault-commit-" + strings.ReplaceAll(proto, " ", "-")
			logs.Reset()
			// The trail's own background commits (queued entries, SQLite
			// links) are done first: the armed fault is the request's.
			if err := d.app.Audit.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.app.DB.Faults().FailNext(store.FaultCommit, diskFull, 1)
			defer d.app.DB.Faults().Reset()
			status, body := call(t, d, name, false)
			if !answeredError(status, body) {
				t.Fatalf("a failed commit answered success: %d %s", status, body)
			}
			if strings.Contains(body, "disk is full") {
				t.Errorf("the driver's error reached the client: %s", body)
			}
			if n := d.countNamed(t, name); n != 0 {
				t.Errorf("%d partners stored by a failed commit", n)
			}
			var errLines []map[string]any
			for _, l := range logs.lines(t) {
				if l["level"] == "ERROR" {
					errLines = append(errLines, l)
				}
			}
			if len(errLines) != 1 {
				t.Fatalf("want one ERROR log line, got %d: %v", len(errLines), errLines)
			}
			if id, _ := errLines[0]["request_id"].(string); id == "" {
				t.Errorf("the ERROR line has no request id: %v", errLines[0])
			}
		})
		t.Run(proto+"/allowed", func(t *testing.T) {
			name := "fault-ok-" + strings.ReplaceAll(proto, " ", "-")
			status, body := call(t, d, name, false)
			if answeredError(status, body) {
				t.Fatalf("allowed create failed: %d %s", status, body)
			}
			if n := d.countNamed(t, name); n != 1 {
				t.Errorf("want 1 partner stored, got %d", n)
			}
		})
	}
	for _, proto := range []string{"http", "custom json2"} {
		t.Run(proto+"/handler fails after writing", func(t *testing.T) {
			name := "fault-handler-" + strings.ReplaceAll(proto, " ", "-")
			status, body := protocols[proto](t, d, name, true)
			if status < 400 {
				t.Fatalf("a failing handler answered %d %s", status, body)
			}
			if n := d.countNamed(t, name); n != 0 {
				t.Errorf("the failing handler's write was committed (%d partners)", n)
			}
		})
	}
}

// countNamed counts the partners (archived included) named name, as the
// superuser sees them.
func (d demo) countNamed(t *testing.T, name string) int64 {
	t.Helper()
	return d.sudoCount(t, "res.partner", []any{[]any{"name", "=", name}})
}

func (d demo) sudoCount(t *testing.T, model string, dom []any) int64 {
	t.Helper()
	var n int64
	d.withSudo(t, func(env *orm.Env) {
		m, _ := env.WithContext(map[string]any{"active_test": false}).Model(model)
		parsed, err := domain.FromJSON(dom)
		if err != nil {
			t.Fatal(err)
		}
		if n, err = m.SearchCount(parsed, 0); err != nil {
			t.Fatal(err)
		}
	})
	return n
}

func (d demo) uid(t *testing.T, login string) int64 {
	t.Helper()
	u, err := d.app.Identity.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// answeredError reports whether a response tells the client its call
// failed, in any protocol's form.
func answeredError(status int, body string) bool {
	return status >= 400 || strings.Contains(body, `"error"`) || strings.Contains(body, "<fault>")
}
