package metrics

import (
	"bufio"
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

var _ ratelimit.Recorder = (*Metrics)(nil)

// scrape fetches the exposition text and returns each sample line's value
// keyed by the line's series (name and labels).
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func TestSeriesMove(t *testing.T) {
	m := New(Options{})
	route := "sale.order.search_read"
	before := scrape(t, m)
	m.ObserveRoute(route, 200, 30*time.Millisecond)
	m.ObserveRoute(route, 200, 30*time.Millisecond)
	m.ObserveRoute(route, 429, time.Millisecond)
	m.ObserveRoute("", 404, time.Millisecond)
	m.AuthFailure("bad_password", "192.0.2.1", "admin")
	m.RateLimited("user")
	m.RedisFallback("local")
	m.Sudo("res.users")
	m.Sudo("res.users")
	inflight := m.InFlight(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := scrape(t, m)["rampart_http_requests_in_flight"]; v != 1 {
			t.Errorf("in flight during a request = %v", v)
		}
	}))
	inflight.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))

	after := scrape(t, m)
	want := map[string]float64{
		`rampart_http_requests_total{route="sale.order.search_read",status="200"}`:                2,
		`rampart_http_requests_total{route="sale.order.search_read",status="429"}`:                1,
		`rampart_http_requests_total{route="unmatched",status="404"}`:                             1,
		`rampart_http_request_duration_seconds_count{route="sale.order.search_read"}`:             3,
		`rampart_http_request_duration_seconds_bucket{route="sale.order.search_read",le="0.025"}`: 1,
		`rampart_http_request_duration_seconds_bucket{route="sale.order.search_read",le="0.05"}`:  3,
		`rampart_auth_failures_total{reason="bad_password"}`:                                      1,
		`rampart_ratelimit_refused_total{policy="user"}`:                                          1,
		`rampart_ratelimit_redis_fallback_total{outcome="local"}`:                                 1,
		`rampart_orm_sudo_total{model="res.users"}`:                                               2,
		`rampart_http_requests_in_flight`:                                                         0,
	}
	for series, v := range want {
		if got, ok := after[series]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
		}
		if _, ok := before[series]; ok && strings.Contains(series, "_total") {
			t.Errorf("%s existed before anything happened", series)
		}
	}
	if _, ok := after["go_goroutines"]; !ok {
		t.Error("Go runtime collector missing")
	}
}

func TestNilMetricsIsNoop(t *testing.T) {
	var m *Metrics
	m.ObserveRoute("", 200, time.Second)
	m.AuthFailure("x", "1.2.3.4", "bob")
	m.RateLimited("p")
	m.RedisFallback("local")
	m.Sudo("m")
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if m.InFlight(h) == nil {
		t.Fatal("InFlight on nil returned nil")
	}
}

func TestLabelsBounded(t *testing.T) {
	m := New(Options{})
	for i := range 200 {
		m.AuthFailure("reason-"+strconv.Itoa(i), "", "")
	}
	m.AuthFailure("\xff\xfebad utf8", "", "")
	m.AuthFailure(strings.Repeat("x", 10_000), "", "")
	s := scrape(t, m)
	n := 0
	for k := range s {
		if strings.HasPrefix(k, "rampart_auth_failures_total{") {
			n++
		}
	}
	if n != 51 { // 50 distinct reasons + "other"
		t.Fatalf("%d reason series, want 51", n)
	}
	if s[`rampart_auth_failures_total{reason="other"}`] != 152 {
		t.Fatalf("other = %v", s[`rampart_auth_failures_total{reason="other"}`])
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPileUp(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	m := New(Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Now:    clk.Now,
		PileUp: PileUpOptions{Threshold: 5, Window: time.Minute},
	})
	// 12 failures from one IP against rotating logins: one IP warning.
	for i := range 12 {
		m.AuthFailure("bad_password", "198.51.100.7", "user"+strconv.Itoa(i))
		clk.Advance(time.Second)
	}
	// Failures against one login from many IPs, mixed case: one login warning.
	for i := range 7 {
		login := "Admin"
		if i%2 == 0 {
			login = "admin"
		}
		m.AuthFailure("bad_password", "203.0.113."+strconv.Itoa(i), login)
	}
	s := scrape(t, m)
	if s[`rampart_auth_failure_pileups_total{kind="ip"}`] != 1 || s[`rampart_auth_failure_pileups_total{kind="login"}`] != 1 {
		t.Fatalf("pile-ups: ip %v login %v", s[`rampart_auth_failure_pileups_total{kind="ip"}`], s[`rampart_auth_failure_pileups_total{kind="login"}`])
	}
	if n := strings.Count(logs.String(), "piling up"); n != 2 {
		t.Fatalf("%d warnings, want 2:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "ip=198.51.100.7") || !strings.Contains(logs.String(), "login=admin") {
		t.Fatalf("warning does not say who:\n%s", logs.String())
	}
	// A new window warns again; failures spread thinner than the
	// threshold per window never do.
	clk.Advance(2 * time.Minute)
	for range 5 {
		m.AuthFailure("bad_key", "198.51.100.7", "")
	}
	for range 4 {
		m.AuthFailure("bad_key", "198.51.100.8", "")
	}
	clk.Advance(2 * time.Minute)
	for range 4 {
		m.AuthFailure("bad_key", "198.51.100.8", "")
	}
	if got := scrape(t, m)[`rampart_auth_failure_pileups_total{kind="ip"}`]; got != 2 {
		t.Fatalf("ip pile-ups after a second window = %v, want 2", got)
	}
}

func TestPileUpBounded(t *testing.T) {
	m := New(Options{PileUp: PileUpOptions{MaxTracked: 100}})
	for i := range 5000 {
		m.AuthFailure("bad_password", "10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), strings.Repeat("L", 1000)+strconv.Itoa(i))
	}
	if n := m.pile.tracked(); n > 100 {
		t.Fatalf("tracking %d keys, bound is 100", n)
	}
	m.pile.mu.Lock()
	defer m.pile.mu.Unlock()
	for k := range m.pile.entries {
		if len(k) > len(kindLogin)+1+maxPileKey {
			t.Fatalf("tracked a %d-byte key", len(k))
		}
	}
}

func TestDBCollector(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := New(Options{})
		if err := m.RegisterDB(db); err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		s := scrape(t, m)
		// Both databases have a writer pool and a reader pool.
		if _, ok := s[`rampart_db_slow_queries_total`]; !ok {
			t.Errorf("no slow_queries_total series")
		}
		for _, pool := range []string{"write", "read"} {
			series := `rampart_db_connections_open{pool="` + pool + `"}`
			if s[series] < 1 && pool != "write" {
				t.Errorf("%s = %v, want ≥ 1 after a ping", series, s[series])
			}
			if _, ok := s[`rampart_db_connections_max{pool="`+pool+`"}`]; !ok {
				t.Errorf("no connections_max for pool %s", pool)
			}
		}
	})
}

func TestConfig(t *testing.T) {
	var c Config
	c.SetDefaults()
	if err := c.Validate(); err != nil || c.Addr != DefaultAddr {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	tests := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Addr = "0.0.0.0:9464" }, "not a loopback address"},
		{func(c *Config) { c.Addr = ":9464" }, "not a loopback address"},
		{func(c *Config) { c.Addr = "localhost" }, "not host:port"},
		{func(c *Config) { c.PileUpThreshold = -1 }, "pileup_threshold"},
		{func(c *Config) { c.PileUpWindow = time.Millisecond }, "pileup_window"},
	}
	for _, tt := range tests {
		c := Config{}
		c.SetDefaults()
		tt.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want %q", err, tt.want)
		}
	}
	c = Config{Addr: "0.0.0.0:9464", AllowRemote: true}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("allow_remote: %v", err)
	}
	for _, ok := range []string{"localhost:1", "[::1]:9464", "127.0.0.2:80"} {
		c := Config{Addr: ok}
		c.SetDefaults()
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
