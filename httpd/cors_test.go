package httpd

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
)

// countingAuth counts authentications and refuses them all, so a
// preflight that reached it would show.
type countingAuth struct{ n *int }

func (a countingAuth) Authenticate(r *Request) error {
	*a.n++
	if r.Route.Auth == AuthNone {
		return nil
	}
	return errs.E(errs.SessionExpired, "Session expired")
}

type countingLimiter struct{ n *int }

func (l countingLimiter) Limit(r *Request, _ Stage) error { *l.n++; return nil }

func TestCORS(t *testing.T) {
	var auths, limits int
	_, h, _ := testServer(t, func(s *Server) { s.Auth, s.Limiter = countingAuth{&auths}, countingLimiter{&limits} },
		&Route{Path: "/api/x", Type: TypeJSON2, Methods: []string{"POST", "PUT"}, Handler: echo,
			CORS: &CORS{Origins: []string{"https://app.example"}, Methods: []string{"post"}, Credentials: true, MaxAge: time.Hour}},
		&Route{Path: "/api/x", Type: TypeJSON2, Methods: []string{"DELETE"}, Handler: echo},
		&Route{Path: "/pub", Type: TypeJSON2, Auth: AuthNone, Handler: echo,
			CORS: &CORS{Origins: []string{"*"}, Headers: []string{"Content-Type"}}},
		&Route{Path: "/plain", Type: TypeJSON2, Auth: AuthNone, Handler: echo},
	)
	type want struct {
		status  int
		headers map[string]string // "" means absent
	}
	cases := []struct {
		name   string
		method string
		path   string
		hdr    []string
		want   want
	}{
		{"preflight listed origin", "OPTIONS", "/api/x", []string{"Origin", "https://app.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type, x-csrf-token"},
			want{204, map[string]string{
				"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "POST",
				"Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "3600",
				"Access-Control-Allow-Headers": "Content-Type, Authorization, X-API-Key, X-Requested-With, X-CSRF-Token",
				"Vary":                         "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}}},
		{"preflight unlisted origin", "OPTIONS", "/api/x", []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"},
			want{403, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": ""}}},
		{"preflight null origin", "OPTIONS", "/api/x", []string{"Origin", "null", "Access-Control-Request-Method", "POST"},
			want{403, map[string]string{"Access-Control-Allow-Origin": ""}}},
		{"preflight method not in CORS methods", "OPTIONS", "/api/x", []string{"Origin", "https://app.example", "Access-Control-Request-Method", "PUT"},
			want{403, map[string]string{"Access-Control-Allow-Origin": ""}}},
		{"preflight method of a non-CORS route", "OPTIONS", "/api/x", []string{"Origin", "https://app.example", "Access-Control-Request-Method", "DELETE"},
			want{403, nil}},
		{"preflight header not allowed", "OPTIONS", "/pub", []string{"Origin", "https://any.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "X-Evil"},
			want{403, nil}},
		{"preflight wildcard", "OPTIONS", "/pub", []string{"Origin", "https://any.example", "Access-Control-Request-Method", "POST"},
			want{204, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "", "Access-Control-Max-Age": "86400"}}},
		{"preflight on a route without CORS", "OPTIONS", "/plain", []string{"Origin", "https://app.example", "Access-Control-Request-Method", "POST"},
			want{405, map[string]string{"Access-Control-Allow-Origin": "", "Allow": "POST"}}},
		{"OPTIONS without preflight headers", "OPTIONS", "/api/x", nil, want{405, nil}},
		{"actual request listed origin", "POST", "/pub", []string{"Origin", "https://app.example", "Content-Type", "application/json"},
			want{200, map[string]string{"Access-Control-Allow-Origin": "*", "Vary": "Origin", "Access-Control-Expose-Headers": exposedHeaders}}},
		{"actual request unlisted origin gets no CORS headers", "POST", "/api/x", []string{"Origin", "https://evil.example", "Content-Type", "application/json"},
			want{401, map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"}}},
		{"actual request listed, credentials", "POST", "/api/x", []string{"Origin", "https://app.example", "Content-Type", "application/json"},
			want{401, map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			auths, limits = 0, 0
			r := httptest.NewRequest(c.method, c.path, strings.NewReader("{}"))
			for i := 0; i+1 < len(c.hdr); i += 2 {
				r.Header.Set(c.hdr[i], c.hdr[i+1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.want.status, w.Body)
			}
			for k, v := range c.want.headers {
				if got := strings.Join(w.Header().Values(k), ", "); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if c.method == http.MethodOptions && (auths != 0 || limits != 0) {
				t.Errorf("preflight reached auth (%d) or limiter (%d)", auths, limits)
			}
		})
	}
}

func TestCORSRegistration(t *testing.T) {
	h := func(*Request) (any, error) { return nil, nil }
	for _, c := range []*CORS{
		{Origins: nil},
		{Origins: []string{"app.example"}},
		{Origins: []string{"https://a.example"}, Methods: []string{"DELETE"}},
		{Origins: []string{"https://a.example"}, MaxAge: -time.Second},
	} {
		cfg := Config{}
		cfg.Defaults()
		if err := New(cfg, nil).Register(&Route{Path: "/c", Type: TypeJSON2, CORS: c, Handler: h}); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
