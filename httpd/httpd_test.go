package httpd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
)

func testServer(t *testing.T, mutate func(*Server), routes ...*Route) (*Server, http.Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := Config{MaxBody: 1024}
	cfg.Defaults()
	s := New(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if mutate != nil {
		mutate(s)
	}
	if err := s.Register(routes...); err != nil {
		t.Fatal(err)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return s, h, &logs
}

func echo(r *Request) (any, error) { return map[string]any{"params": r.Params}, nil }

func stdRoutes() []*Route {
	return []*Route{
		{Path: "/page", Auth: AuthNone, Handler: func(*Request) (any, error) { return "<p>hi</p>", nil }},
		{Path: "/rpc", Type: "json", Auth: AuthNone, Handler: echo},
		{Path: "/j2/{x}", Type: TypeJSON2, Auth: AuthNone, Handler: echo},
		{Path: "/small", Type: TypeJSON2, Auth: AuthNone, MaxBody: 16, Handler: echo},
		{Path: "/fail", Type: TypeJSON2, Auth: AuthNone, Handler: func(*Request) (any, error) {
			return nil, errs.Wrap(errs.AccessError, io.EOF, "You are not allowed to access 'Sales Order' (sale.order) records.")
		}},
		{Path: "/rpcfail", Type: TypeJSONRPC, Auth: AuthNone, Handler: func(*Request) (any, error) {
			return nil, errs.E(errs.AccessError, "nope")
		}},
		{Path: "/panic", Type: TypeJSON2, Auth: AuthNone, Handler: func(*Request) (any, error) { panic("secret detail") }},
		{Path: "/old", Type: TypeJSON2, Auth: AuthNone, Version: 1, Deprecated: time.Unix(1700000000, 0),
			Sunset: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Successor: "/api/v2/old", Handler: echo},
	}
}

func do(h http.Handler, method, path, ct, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestScenarios(t *testing.T) {
	_, h, logs := testServer(t, nil, stdRoutes()...)
	type check func(t *testing.T, w *httptest.ResponseRecorder)
	status := func(code int) check {
		return func(t *testing.T, w *httptest.ResponseRecorder) {
			if w.Code != code {
				t.Errorf("status = %d, want %d; body %s", w.Code, code, w.Body)
			}
		}
	}
	header := func(k, v string) check {
		return func(t *testing.T, w *httptest.ResponseRecorder) {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	}
	bodyHas := func(s string) check {
		return func(t *testing.T, w *httptest.ResponseRecorder) {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("body %q lacks %q", w.Body, s)
			}
		}
	}
	bodyLacks := func(s string) check {
		return func(t *testing.T, w *httptest.ResponseRecorder) {
			if strings.Contains(w.Body.String(), s) {
				t.Errorf("body %q has %q", w.Body, s)
			}
		}
	}
	jsonField := func(path string, want any) check {
		return func(t *testing.T, w *httptest.ResponseRecorder) {
			var v any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("body not JSON: %s", w.Body)
			}
			for _, p := range strings.Split(path, ".") {
				m, _ := v.(map[string]any)
				v = m[p]
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(v)
			if string(wb) != string(gb) {
				t.Errorf("%s = %s, want %s", path, gb, wb)
			}
		}
	}
	cases := []struct {
		name             string
		method, path, ct string
		body             string
		hdr              []string
		checks           []check
	}{
		{"http ok", "GET", "/page", "", "", nil, []check{status(200), header("Content-Type", "text/html; charset=utf-8"), header("X-Content-Type-Options", "nosniff")}},
		{"405 with Allow", "DELETE", "/page", "", "", nil, []check{status(405), header("Allow", "GET, HEAD")}},
		{"405 json type", "GET", "/j2/a", "", "", nil, []check{status(405), header("Allow", "POST"), jsonField("name", "werkzeug.exceptions.MethodNotAllowed")}},
		{"unknown method", "BREW", "/page", "", "", nil, []check{status(405)}},
		{"404 html", "GET", "/nope", "", "", nil, []check{status(404), header("Content-Type", "text/html; charset=utf-8")}},
		{"404 json", "POST", "/json/nope", "application/json", "{}", nil, []check{status(404), jsonField("name", "werkzeug.exceptions.NotFound")}},
		{"413", "POST", "/small", "application/json", `{"a":"0123456789abcdef"}`, nil, []check{status(413), jsonField("name", "werkzeug.exceptions.RequestEntityTooLarge")}},
		{"413 default limit", "POST", "/j2/a", "application/json", `{"a":"` + strings.Repeat("x", 2000) + `"}`, nil, []check{status(413)}},
		{"415 json2", "POST", "/j2/a", "text/plain", `{}`, nil, []check{status(415), header("Accept", "application/json")}},
		{"415 jsonrpc", "POST", "/rpc", "application/x-www-form-urlencoded", `a=1`, nil, []check{status(415)}},
		{"400 malformed json2", "POST", "/j2/a", "application/json", `{"a":`, nil, []check{status(400), jsonField("name", "werkzeug.exceptions.BadRequest")}},
		{"400 malformed jsonrpc", "POST", "/rpc", "application/json", `{nope`, nil, []check{status(400), jsonField("error.data.name", "werkzeug.exceptions.BadRequest")}},
		{"400 duplicate keys", "POST", "/j2/a", "application/json", `{"a":1,"a":2}`, nil, []check{status(400), bodyHas("duplicate key")}},
		{"400 invalid utf8", "POST", "/j2/a", "application/json", "{\"a\":\"\xff\"}", nil, []check{status(400), bodyHas("UTF-8")}},
		{"400 params not object", "POST", "/rpc", "application/json", `{"jsonrpc":"2.0","method":"call","params":[1],"id":1}`, nil, []check{status(400), jsonField("id", 1)}},
		{"json2 empty body", "POST", "/j2/a", "", "", nil, []check{status(200), jsonField("params", map[string]any{})}},
		{"json2 ok", "POST", "/j2/a", "application/json; charset=utf-8", `{"ids":[1,2]}`, nil, []check{status(200), jsonField("params.ids", []int{1, 2})}},
		{"jsonrpc ok", "POST", "/rpc", "application/json", `{"jsonrpc":"2.0","method":"call","params":{"a":1},"id":"x"}`, nil,
			[]check{status(200), jsonField("jsonrpc", "2.0"), jsonField("id", "x"), jsonField("result.params.a", 1)}},
		{"json2 error body", "POST", "/fail", "application/json", `{}`, nil, []check{status(403),
			jsonField("name", "odoo.exceptions.AccessError"),
			jsonField("message", "You are not allowed to access 'Sales Order' (sale.order) records."),
			jsonField("arguments", []string{"You are not allowed to access 'Sales Order' (sale.order) records."}),
			jsonField("context", map[string]any{}), jsonField("debug", ""), bodyLacks("EOF")}},
		{"jsonrpc error envelope", "POST", "/rpcfail", "application/json", `{"jsonrpc":"2.0","method":"call","params":{},"id":7}`, nil, []check{status(200),
			jsonField("id", 7), jsonField("error.code", 0), jsonField("error.message", "Odoo Server Error"),
			jsonField("error.data.name", "odoo.exceptions.AccessError"), jsonField("error.data.message", "nope"),
			jsonField("error.data.arguments", []string{"nope"}), jsonField("error.data.debug", "")}},
		{"panic is 500 without detail", "POST", "/panic", "application/json", `{}`, []string{"X-Request-Id", "req-42"}, []check{status(500),
			header("X-Request-Id", "req-42"), bodyHas("internal error (request id req-42)"), bodyLacks("secret"), bodyLacks("goroutine")}},
		{"request id generated", "GET", "/page", "", "", []string{"X-Request-Id", "bad id with spaces"}, []check{func(t *testing.T, w *httptest.ResponseRecorder) {
			if id := w.Header().Get("X-Request-Id"); len(id) != 24 {
				t.Errorf("generated id %q", id)
			}
		}}},
		{"deprecated route", "POST", "/api/v1/old", "application/json", `{}`, nil, []check{status(200),
			header("Deprecation", "@1700000000"), header("Sunset", "Fri, 01 Jan 2027 00:00:00 GMT"),
			header("Link", `</api/v2/old>; rel="successor-version"`)}},
		{"unversioned path of versioned route", "POST", "/old", "application/json", `{}`, nil, []check{status(404)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(h, c.method, c.path, c.ct, c.body, c.hdr...)
			for _, ch := range c.checks {
				ch(t, w)
			}
		})
	}
	if strings.Contains(logs.String(), "?") && strings.Contains(logs.String(), "token=") {
		t.Error("query string logged")
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Error("panic detail should be in the log")
	}
}

func TestRegisterValidates(t *testing.T) {
	cfg := Config{}
	cfg.Defaults()
	s := New(cfg, slog.New(slog.DiscardHandler))
	h := func(*Request) (any, error) { return nil, nil }
	yes := true
	bad := []*Route{
		{Path: "nope", Handler: h},
		{Path: "/a", Type: "soap", Handler: h},
		{Path: "/b", Auth: "maybe", Handler: h},
		{Path: "/c", Methods: []string{"FETCH"}, Handler: h},
		{Path: "/d", Type: TypeJSON2, CSRF: &yes, Handler: h},
		{Path: "/e", CORS: &CORS{Origins: []string{"*"}, Credentials: true}, Handler: h},
		{Path: "/f"},
	}
	for _, r := range bad {
		if err := s.Register(r); err == nil {
			t.Errorf("route %q accepted", r.Path)
		}
	}
	ok := &Route{Path: "/g", Handler: h}
	if err := s.Register(ok); err != nil {
		t.Fatal(err)
	}
	if ok.Auth != AuthUser || ok.Type != TypeHTTP || strings.Join(ok.Methods, ",") != "GET,HEAD" || !ok.CSRFEnabled() {
		t.Errorf("defaults: %+v", ok)
	}
	rpc := &Route{Path: "/h", Type: "json", Handler: h}
	s.Register(rpc)
	if rpc.Type != TypeJSONRPC || rpc.Methods[0] != "POST" || rpc.CSRFEnabled() {
		t.Errorf("jsonrpc defaults: %+v", rpc)
	}
	if err := s.Register(&Route{Path: "/g", Methods: []string{"GET"}, Handler: h}); err == nil {
		t.Error("duplicate GET /g accepted")
	}
	if err := s.Register(&Route{Path: "/x/{a}", Handler: h}, &Route{Path: "/x/{b}", Handler: h}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Handler(); err == nil {
		t.Error("conflicting patterns accepted")
	}
}

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s, h, _ := testServer(t, func(s *Server) { s.cfg.ShutdownTimeout = 5 * time.Second }, &Route{Path: "/slow", Auth: AuthNone, Handler: func(*Request) (any, error) {
		close(started)
		<-release
		return "done", nil
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, s.HTTPServer(h)) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel() // shutdown begins while the request is in flight
	time.Sleep(50 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		t.Error("listener still accepting after shutdown began")
	}
	close(release)
	if b := <-got; b != "done" {
		t.Errorf("in-flight request got %q", b)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestClientIPAndProxy(t *testing.T) {
	var seen string
	var tls bool
	route := &Route{Path: "/ip", Auth: AuthNone, Handler: func(r *Request) (any, error) {
		seen, tls = r.Client.String(), r.TLS
		return "", nil
	}}
	_, h, _ := testServer(t, func(s *Server) {
		s.cfg.TrustedProxies = mustPrefixes("10.0.0.0/8")
	}, route)
	req := func(remote string, hdr ...string) {
		r := httptest.NewRequest("GET", "/ip", nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	req("203.0.113.9:1234", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "https")
	if seen != "203.0.113.9" || tls {
		t.Errorf("untrusted peer: ip %s tls %v", seen, tls)
	}
	req("10.1.1.1:1234", "X-Forwarded-For", "1.2.3.4, 198.51.100.7, 10.2.2.2", "X-Forwarded-Proto", "https")
	if seen != "198.51.100.7" || !tls {
		t.Errorf("trusted proxy: ip %s tls %v", seen, tls)
	}
}

type roEnvs struct{ seen *[]bool }

func (f roEnvs) NewEnv(r *Request) (*orm.Env, error) {
	*f.seen = append(*f.seen, r.ReadOnly)
	return orm.NewEnv(r.HTTP.Context(), nil, nil, r.Principal, orm.EnvOptions{ReadOnly: r.ReadOnly}), nil
}

// faultCodec writes every error in a form of its own, as XML-RPC's does.
type faultCodec struct{}

func (faultCodec) Decode(*Request, []byte) error { return nil }
func (faultCodec) WriteResult(r *Request, _ any) { r.W.WriteHeader(200) }
func (faultCodec) WriteError(r *Request, e *errs.Error) {
	r.W.WriteHeader(299)
	io.WriteString(r.W, "fault:"+e.Kind.String())
}

// TestPrepareAndCodec: Prepare decides per request that a call only
// reads, without touching the shared route; a route's codec writes its
// errors, also the refusals made before the handler (405).
func TestPrepareAndCodec(t *testing.T) {
	var seen []bool
	route := &Route{Path: "/kw", Type: TypeJSONRPC, Auth: AuthPublic,
		Prepare: func(r *Request) error { r.ReadOnly = r.Params["method"] == "search"; return nil },
		Handler: func(r *Request) (any, error) { return r.ReadOnly, nil }}
	faults := &Route{Path: "/xml", Auth: AuthNone, Methods: []string{"POST"}, Codec: faultCodec{},
		Handler: func(*Request) (any, error) { return nil, errs.E(errs.AccessError, "no") }}
	_, h, _ := testServer(t, func(s *Server) { s.Envs = roEnvs{&seen} }, route, faults)
	for _, m := range []string{"search", "write", "search"} {
		w := do(h, "POST", "/kw", "application/json", `{"jsonrpc":"2.0","method":"call","params":{"method":"`+m+`"},"id":1}`)
		if want := m == "search"; !strings.Contains(w.Body.String(), `"result":`+map[bool]string{true: "true", false: "false"}[want]) {
			t.Errorf("%s: %s", m, w.Body)
		}
	}
	if len(seen) != 3 || !seen[0] || seen[1] || !seen[2] {
		t.Errorf("env read-only flags %v, want [true false true] (the shared route must not change)", seen)
	}
	if route.ReadOnly {
		t.Error("Prepare changed the registered route")
	}
	for _, c := range []struct {
		method string
		want   string
	}{{"POST", "fault:access_error"}, {"GET", "fault:method_not_allowed"}} {
		w := do(h, c.method, "/xml", "text/xml", "<x/>")
		if w.Code != 299 || w.Body.String() != c.want {
			t.Errorf("%s: %d %q, want the route's own error form %q", c.method, w.Code, w.Body, c.want)
		}
	}
}
