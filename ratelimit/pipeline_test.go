package ratelimit_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/metrics"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/ratelimit/ratelimithttp"
)

// TestThroughDispatcher runs the limiter and the metrics inside httpd's
// real pipeline: the 429 is rendered in the route type's error format with
// Retry-After, both stages' headers are on every response, and the
// refusals show up in the scraped metrics.
func TestThroughDispatcher(t *testing.T) {
	m := metrics.New(metrics.Options{})
	lim, err := ratelimit.New(ratelimit.Config{Policies: map[string]ratelimit.PolicyConfig{
		"tiny": {Rate: 1, Period: time.Hour, Burst: 2},
	}}, ratelimit.Options{Recorder: m})
	if err != nil {
		t.Fatal(err)
	}
	defer lim.Close()
	var cfg httpd.Config
	cfg.Defaults()
	srv := httpd.New(cfg, slog.New(slog.DiscardHandler))
	srv.Limiter, srv.Observer = ratelimithttp.Limiter{L: lim}, routeObserver{m}
	srv.Middleware = append(srv.Middleware, m.InFlight)
	route := &httpd.Route{Name: "ping", Path: "/api/ping", Type: httpd.TypeJSON2, Auth: httpd.AuthNone, RateLimit: "tiny",
		Handler: func(*httpd.Request) (any, error) { return map[string]bool{"ok": true}, nil }}
	if err := (ratelimithttp.Limiter{L: lim}).CheckRoute(route); err != nil {
		t.Fatal(err)
	}
	if err := srv.Register(route); err != nil {
		t.Fatal(err)
	}
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	call := func() *http.Response {
		req := httptest.NewRequest("POST", "/api/ping", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "192.0.2.10:4000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	for i := range 2 {
		res := call()
		if res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
		if p := res.Header.Values("RateLimit-Policy"); len(p) != 2 || p[1] != `"tiny";q=1;w=3600` {
			t.Fatalf("request %d: RateLimit-Policy %q", i, p)
		}
	}
	res := call()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d, Retry-After %q, body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	var e struct{ Name, Message string }
	if err := json.Unmarshal(body, &e); err != nil || e.Name != "werkzeug.exceptions.TooManyRequests" {
		t.Fatalf("429 body %s (%v)", body, err)
	}
	if got := res.Header.Get("RateLimit"); got == "" {
		t.Fatal("429 without RateLimit header")
	}

	scrape := httptest.NewRecorder()
	m.Handler().ServeHTTP(scrape, httptest.NewRequest("GET", "/metrics", nil))
	for _, series := range []string{
		`rampart_ratelimit_refused_total{policy="tiny"} 1`,
		`rampart_http_requests_total{route="ping",status="200"} 2`,
		`rampart_http_requests_total{route="ping",status="429"} 1`,
	} {
		if !strings.Contains(scrape.Body.String(), series) {
			t.Errorf("scrape lacks %s", series)
		}
	}
}

// routeObserver adapts metrics to httpd, as the root package does.
type routeObserver struct{ m *metrics.Metrics }

func (o routeObserver) Observe(r *httpd.Request, status int, _ int64, d time.Duration) {
	o.m.ObserveRoute(r.Route.Name, status, d)
}
