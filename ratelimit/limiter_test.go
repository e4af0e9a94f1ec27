package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
)

// countingRecorder is a Recorder for tests.
type countingRecorder struct {
	mu       sync.Mutex
	limited  map[string]int
	fallback map[string]int
}

func newRecorder() *countingRecorder {
	return &countingRecorder{limited: map[string]int{}, fallback: map[string]int{}}
}

func (c *countingRecorder) RateLimited(p string) {
	c.mu.Lock()
	c.limited[p]++
	c.mu.Unlock()
}

func (c *countingRecorder) RedisFallback(o string) {
	c.mu.Lock()
	c.fallback[o]++
	c.mu.Unlock()
}

func (c *countingRecorder) get(m map[string]int, k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[k]
}

// smallConfig has tiny budgets so tests reach refusals quickly.
func smallConfig() Config {
	return Config{Policies: map[string]PolicyConfig{
		PolicyIP:        {Rate: 1, Period: time.Hour, Burst: 6},
		PolicyAnonymous: {Rate: 1, Period: time.Hour, Burst: 2},
		PolicyUser:      {Rate: 1, Period: time.Hour, Burst: 3},
		PolicyAPIKey:    {Rate: 1, Period: time.Hour, Burst: 4},
		"export":        {Rate: 1, Period: time.Hour, Burst: 1},
	}}
}

func newTestLimiter(t *testing.T, cfg Config, opt Options) *Limiter {
	t.Helper()
	l, err := New(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func request(route *httpd.Route, p *principal.Principal, ip string) *httpd.Request {
	if route == nil {
		route = &httpd.Route{}
	}
	r := httpd.NewRequest(route, httptest.NewRecorder(), httptest.NewRequest("POST", "/x", nil))
	r.Principal, r.Client = p, netip.MustParseAddr(ip)
	return r
}

func TestLimitStagesAndKeys(t *testing.T) {
	user := &principal.Principal{UserID: 7, Via: "session"}
	key := &principal.Principal{UserID: 7, KeyID: 3, Via: "key"}
	public := &principal.Principal{UserID: 4, Public: true, Via: "public"}
	plain := &httpd.Route{Name: "plain"}
	tests := []struct {
		name   string
		route  *httpd.Route
		p      *principal.Principal
		stage  httpd.Stage
		policy string
		burst  int
	}{
		{"pre-auth is per IP whatever the caller", plain, key, httpd.PreAuth, PolicyIP, 6},
		{"no principal is anonymous", plain, nil, httpd.PostAuth, PolicyAnonymous, 2},
		{"public user is anonymous", plain, public, httpd.PostAuth, PolicyAnonymous, 2},
		{"session user", plain, user, httpd.PostAuth, PolicyUser, 3},
		{"api key", plain, key, httpd.PostAuth, PolicyAPIKey, 4},
		{"route override", &httpd.Route{Name: "exp", RateLimit: "export"}, user, httpd.PostAuth, "export", 1},
		{"unknown route policy falls back", &httpd.Route{Name: "typo", RateLimit: "exprot"}, user, httpd.PostAuth, PolicyUser, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			l := newTestLimiter(t, smallConfig(), Options{Recorder: rec})
			for i := range tt.burst {
				r := request(tt.route, tt.p, "192.0.2.1")
				if err := l.Limit(r, tt.stage); err != nil {
					t.Fatalf("request %d refused: %v", i, err)
				}
				if got := r.W.Header().Get(HeaderPolicy); !strings.HasPrefix(got, `"`+tt.policy+`";`) {
					t.Fatalf("RateLimit-Policy = %q, want policy %q", got, tt.policy)
				}
			}
			r := request(tt.route, tt.p, "192.0.2.1")
			err := l.Limit(r, tt.stage)
			if !errs.Is(err, errs.TooManyRequests) {
				t.Fatalf("request over burst: got %v, want TooManyRequests", err)
			}
			if ra := errs.As(err).Header.Get("Retry-After"); ra == "" {
				t.Fatal("refusal without Retry-After")
			}
			if rec.get(rec.limited, tt.policy) != 1 {
				t.Fatalf("refusals by policy = %v", rec.limited)
			}
			// Another caller still passes: keys are separate.
			other := request(tt.route, tt.p, "192.0.2.2")
			if tt.p != nil && !tt.p.Public {
				cp := *tt.p
				cp.UserID, cp.KeyID = cp.UserID+100, cp.KeyID+100
				other.Principal = &cp
			}
			if err := l.Limit(other, tt.stage); err != nil {
				t.Fatalf("a different caller was refused: %v", err)
			}
		})
	}
}

func TestLimitNoneAndDisabled(t *testing.T) {
	l := newTestLimiter(t, smallConfig(), Options{})
	health := &httpd.Route{Name: "health", RateLimit: ratepolicy.None}
	for range 10 {
		r := request(health, nil, "192.0.2.1")
		if err := l.Limit(r, httpd.PostAuth); err != nil {
			t.Fatalf("route with policy none limited: %v", err)
		}
		if len(r.W.Header()) != 0 {
			t.Fatalf("route with policy none got headers %v", r.W.Header())
		}
	}
	ex := smallConfig()
	ex.Exempt = []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}
	exl := newTestLimiter(t, ex, Options{})
	for range 10 {
		r := request(&httpd.Route{}, nil, "::ffff:10.9.8.7")
		if err := exl.Limit(r, httpd.PreAuth); err != nil || len(r.W.Header()) != 0 {
			t.Fatalf("exempt client limited: %v %v", err, r.W.Header())
		}
	}
	if err := exl.Limit(request(&httpd.Route{}, nil, "10.10.0.1"), httpd.PreAuth); err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig()
	cfg.Disabled = true
	off := newTestLimiter(t, cfg, Options{})
	for range 10 {
		if err := off.Limit(request(&httpd.Route{}, nil, "192.0.2.1"), httpd.PreAuth); err != nil {
			t.Fatalf("disabled limiter refused: %v", err)
		}
	}
}

func TestLimitHeaders(t *testing.T) {
	clk := newFakeClock()
	cfg := Config{Policies: map[string]PolicyConfig{
		PolicyUser: {Rate: 100, Period: time.Minute, Burst: 3},
		"fast":     {Rate: 10, Period: 500 * time.Millisecond, Burst: 2},
	}}
	l := newTestLimiter(t, cfg, Options{Now: clk.Now})
	user := &principal.Principal{UserID: 1}
	route := &httpd.Route{Name: "r"}
	want := []struct{ policy, state string }{
		{`"user";q=100;w=60`, `"user";r=2;t=1`},
		{`"user";q=100;w=60`, `"user";r=1;t=2`},
		{`"user";q=100;w=60`, `"user";r=0;t=2`},
		{`"user";q=100;w=60`, `"user";r=0;t=2`}, // refused
	}
	for i, w := range want {
		r := request(route, user, "192.0.2.1")
		err := l.Limit(r, httpd.PostAuth)
		if got := r.W.Header().Get(HeaderPolicy); got != w.policy {
			t.Errorf("request %d: RateLimit-Policy = %q, want %q", i, got, w.policy)
		}
		if got := r.W.Header().Get(HeaderState); got != w.state {
			t.Errorf("request %d: RateLimit = %q, want %q", i, got, w.state)
		}
		if i == 3 {
			if got := errs.As(err).Header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After = %q, want 1 (0.6 s rounded up)", got)
			}
		}
	}
	// Both stages on one response: two list members.
	r := request(&httpd.Route{RateLimit: "fast"}, user, "192.0.2.9")
	l.Limit(r, httpd.PreAuth)
	l.Limit(r, httpd.PostAuth)
	got := r.W.Header().Values(HeaderPolicy)
	if len(got) != 2 || !strings.HasPrefix(got[0], `"ip";`) || got[1] != `"fast";q=20;w=1` {
		t.Fatalf("RateLimit-Policy lines = %q", got)
	}
}

func TestClientKey(t *testing.T) {
	l := newTestLimiter(t, Config{}, Options{})
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
	}
	for _, tt := range tests {
		if got := string(l.appendClient(nil, netip.MustParseAddr(tt.ip))); got != tt.want {
			t.Errorf("appendClient(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
	if got := string(l.appendClient(nil, netip.Addr{})); got != "unknown" {
		t.Errorf("appendClient(invalid) = %q", got)
	}
}

func TestAllowLogin(t *testing.T) {
	rec := newRecorder()
	l := newTestLimiter(t, Config{}, Options{Recorder: rec})
	ctx := context.Background()
	login := strings.Repeat("a", 1<<20) // hostile: 1 MiB login
	for i := range 5 {
		if _, err := l.Allow(ctx, PolicyLoginUser, login); err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
	}
	d, err := l.Allow(ctx, PolicyLoginUser, login)
	if !errs.Is(err, errs.TooManyRequests) || d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("sixth attempt: %+v, %v", d, err)
	}
	if _, err := l.Allow(ctx, "nope", "x"); errs.KindOf(err) != errs.Internal {
		t.Fatalf("unknown policy: %v", err)
	}
	for i := range l.local.shards {
		for k := range l.local.shards[i].tats {
			if len(k) > 200 {
				t.Fatalf("stored a %d-byte key", len(k))
			}
		}
	}
}

func TestCheckRoute(t *testing.T) {
	l := newTestLimiter(t, smallConfig(), Options{})
	for _, ok := range []string{"", NoPolicy, "export", PolicyUser} {
		if err := l.CheckRoute(&httpd.Route{Path: "/p", RateLimit: ratepolicy.Name(ok)}); err != nil {
			t.Errorf("CheckRoute(%q): %v", ok, err)
		}
	}
	if err := l.CheckRoute(&httpd.Route{Path: "/p", RateLimit: "exprot"}); err == nil || !strings.Contains(err.Error(), `"exprot"`) {
		t.Errorf("CheckRoute(unknown) = %v", err)
	}
}

func TestUnknownRoutePolicyLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	l := newTestLimiter(t, Config{}, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for range 5 {
		l.Limit(request(&httpd.Route{Name: "r", RateLimit: "typo"}, nil, "192.0.2.1"), httpd.PostAuth)
	}
	if n := strings.Count(buf.String(), "unknown policy"); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, buf.String())
	}
}
