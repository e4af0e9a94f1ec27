package rampart_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// serve starts an httptest server on app's handler.
func serve(t *testing.T, app *rampart.App) *httptest.Server {
	t.Helper()
	h, err := app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

// PostgreSQL unreachable for a while: requests that need it are answered
// 503 with Retry-After (JSON-2, JSON-RPC), not 500; the log has one ERROR
// line for the outage, not one per request; service resumes by itself.
func TestDatabaseOutageAnswers503(t *testing.T) {
	proxy, url := storetest.NewProxy(t, storetest.PostgresSchemaURL(t))
	var logs syncBuffer
	c := config.Default()
	c.DB, c.Data = url, t.TempDir()
	c.Metrics.Disabled = true
	c.Log.Format = "json"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(context.Background(), c, rampart.NewLogger(c.Log, &logs), rampart.Options{InsecureFastHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	err = app.Handle(&rampart.Route{Path: "/t/count", Type: rampart.TypeJSON2, Auth: rampart.AuthNone,
		Handler: func(r *rampart.Request) (any, error) {
			var n int
			err := app.DB.Read(r.HTTP.Context(), func(tx *store.Tx) error {
				return tx.QueryRow(r.HTTP.Context(), `SELECT COUNT(*) FROM res_users`).Scan(&n)
			})
			return n, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, app)
	post := func(path, body string) (int, http.Header, string) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if st, _, body := post("/t/count", "{}"); st != 200 {
		t.Fatalf("before: %d %s", st, body)
	}
	logs.Reset()
	proxy.Down()
	login := `{"jsonrpc":"2.0","method":"call","params":{"db":"rampart","login":"nobody","password":"wrong-password"}}`
	for range 5 {
		for _, c := range []struct{ path, body, name string }{
			{"/t/count", "{}", "werkzeug.exceptions.ServiceUnavailable"},
			{"/web/session/authenticate", login, "werkzeug.exceptions.ServiceUnavailable"},
		} {
			st, hdr, body := post(c.path, c.body)
			if st != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(body, c.name) || strings.Contains(body, "127.0.0.1") {
				t.Fatalf("%s during the outage: %d %v %s", c.path, st, hdr, body)
			}
		}
	}
	errorLines := 0
	for _, l := range logs.lines(t) {
		if l["level"] == "ERROR" {
			errorLines++
		}
	}
	if errorLines != 1 {
		t.Fatalf("%d ERROR lines for one outage of 10 requests, want 1", errorLines)
	}
	proxy.Up()
	if st, _, body := post("/t/count", "{}"); st != 200 {
		t.Fatalf("after: %d %s", st, body)
	}
}

// Readiness reports a Redis fallback as degraded (still ready: requests
// are served with per-instance limits); liveness does not look.
func TestReadinessReportsRedisFallback(t *testing.T) {
	c := config.Default()
	c.Data = t.TempDir()
	c.Metrics.Disabled = true
	c.RateLimit.Store = "redis"
	c.RateLimit.RedisURL = "redis://127.0.0.1:1/0" // nothing listens there
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	srv := serve(t, app)
	if st, _, body := get(t, srv.URL+"/web/health"); st != 200 || body != `{"status":"pass"}` {
		t.Fatalf("liveness: %d %s", st, body)
	}
	st, _, body := get(t, srv.URL+"/web/health?db_server_status=1")
	if st != 200 || !strings.Contains(body, `"db_server_status":true`) || !strings.Contains(body, `"degraded":["rate_limit_redis"`) {
		t.Fatalf("readiness: %d %s", st, body)
	}
}

// On shutdown readiness fails first, for http.drain_delay, while requests
// are still served; then in-flight requests finish.
func TestShutdownDrainsReadinessFirst(t *testing.T) {
	var logs syncBuffer
	c := config.Default()
	c.Data = t.TempDir()
	c.Metrics.Disabled = true
	c.HTTP.Addr = "127.0.0.1:0"
	c.HTTP.DrainDelay = 500 * time.Millisecond
	c.Log.Format = "json"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(context.Background(), c, rampart.NewLogger(c.Log, &logs))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	err = app.Handle(&rampart.Route{Path: "/t/slow", Type: rampart.TypeJSON2, Auth: rampart.AuthNone,
		Handler: func(r *rampart.Request) (any, error) { <-release; return "done", nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- app.Run(ctx) }()
	var base string
	waitAnswer(t, "listening", func() bool {
		for _, l := range logs.lines(t) {
			if u, ok := l["url"].(string); ok && l["msg"] == "rampart listening" {
				base = u
				return true
			}
		}
		return false
	})
	if st, _, _ := get(t, base+"/web/health?db_server_status=1"); st != 200 {
		t.Fatalf("ready before shutdown: %d", st)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	slow := make(chan int, 1)
	go func() {
		defer wg.Done()
		resp, err := http.Post(base+"/t/slow", "application/json", strings.NewReader("{}"))
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // the slow request is in flight
	cancel()
	waitAnswer(t, "readiness fails", func() bool {
		st, _, body := get(t, base+"/web/health?db_server_status=1")
		return st == 503 && strings.Contains(body, `"draining":true`)
	})
	if st, _, _ := get(t, base+"/web/health"); st != 200 { // still serving: liveness passes
		t.Fatalf("liveness while draining: %d", st)
	}
	close(release)
	wg.Wait()
	if st := <-slow; st != 200 {
		t.Fatalf("in-flight request: %d", st)
	}
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
}
