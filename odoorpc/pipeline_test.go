package odoorpc

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc/xmlrpc"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/ratepolicy"
)

// stages counts every pipeline stage a request goes through and what the
// request looked like there. It is the server's Authenticator (fakeAuth's
// rules), Limiter and EnvFactory.
type stages struct {
	mu     sync.Mutex
	counts map[string]int
	// post-auth: the policy asked for and whether the caller was known.
	postPolicy []ratepolicy.Name
	postUser   []int64
	// envs: the method each Env was opened for, and its read-only flag.
	envs []envSeen
}

type envSeen struct {
	method   string
	readOnly bool
}

func newStages() *stages { return &stages{counts: map[string]int{}} }

func (s *stages) add(k string) {
	s.mu.Lock()
	s.counts[k]++
	s.mu.Unlock()
}

func (s *stages) Authenticate(r *httpd.Request) error {
	s.add("auth")
	return fakeAuth{}.Authenticate(r)
}

func (s *stages) Limit(r *httpd.Request, st httpd.Stage) error {
	if st == httpd.PreAuth {
		s.add("pre")
		return nil
	}
	s.add("post")
	var uid int64
	if r.Principal != nil {
		uid = r.Principal.UserID
	}
	s.mu.Lock()
	s.postPolicy, s.postUser = append(s.postPolicy, r.RateLimit), append(s.postUser, uid)
	s.mu.Unlock()
	return nil
}

func (s *stages) NewEnv(r *httpd.Request) (*orm.Env, error) {
	s.add("env")
	s.mu.Lock()
	s.envs = append(s.envs, envSeen{calledMethod(r), r.ReadOnly})
	s.mu.Unlock()
	return orm.NewEnv(r.HTTP.Context(), nil, nil, r.Principal, orm.EnvOptions{ReadOnly: r.ReadOnly}), nil
}

// calledMethod is the model method a request calls, whatever the protocol.
func calledMethod(r *httpd.Request) string {
	if c, ok := r.Input.(*rpcCall); ok {
		return c.name
	}
	m, _ := r.Params["method"].(string)
	return m
}

// stageServer serves Routes(d) with st for every stage and returns the
// registered routes too.
func stageServer(t *testing.T, st *stages) (http.Handler, []*httpd.Route) {
	t.Helper()
	return routesHandlerAndRoutes(t, st, st, st, Deps{Identity: fakeIdentity{}, Sessions: fakeSessions{}, ListDB: true,
		Data: func(*orm.Env) Data { return fakeData{} }})
}

// serveOne posts body; auth is "cookie" (fakeAuth's admin session),
// "bearer" (demo's key) or "" (the call carries its credentials).
func serveOne(h http.Handler, path, ctype, body, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	switch auth {
	case "cookie":
		r.Header.Set("Cookie", "session_id=good")
	case "bearer":
		r.Header.Set("Authorization", "Bearer demokey")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func callKw(method string, args []any) string {
	return rpcBody(map[string]any{"model": "res.partner", "method": method, "args": args, "kwargs": map[string]any{}})
}

// TestEveryStageOncePerRPCCall: an RPC call carrying its credentials goes
// through authentication, both rate limits and the Env exactly once,
// whatever the protocol; the post-auth limit sees the authenticated
// caller and asks for the caller's own policy. A call without
// credentials (version) opens no Env and skips the post-auth policy.
func TestEveryStageOncePerRPCCall(t *testing.T) {
	search := xmlCall("execute_kw", xs("rampart"), xi("6"), xs("demo"), xs("res.partner"), xs("search_count"), xa(xa()))
	cases := []struct {
		name, path, ctype, body string
		auth                    string
		env                     int
		policy                  ratepolicy.Name
		user                    int64
	}{
		{"xmlrpc execute_kw", "/xmlrpc/2/object", "text/xml", search, "", 1, "", 6},
		{"xmlrpc v1 execute", "/xmlrpc/object", "text/xml",
			xmlCall("execute", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("write"), xa(xi("1")), "<struct></struct>"), "", 1, "", 2},
		{"jsonrpc execute_kw", "/jsonrpc", "application/json", execKw(6, "demo", "res.partner", "search_count", []any{[]any{}}, nil), "", 1, "", 6},
		{"jsonrpc version", "/jsonrpc", "application/json", rpcBody(map[string]any{"service": "common", "method": "version", "args": []any{}}), "", 0, ratepolicy.None, 0},
		{"call_kw", "/web/dataset/call_kw", "application/json", callKw("search_count", []any{[]any{}}), "cookie", 1, "", 2},
		{"json2", "/json/2/res.partner/search_count", "application/json", `{"domain":[]}`, "bearer", 1, "", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newStages()
			h, _ := stageServer(t, st)
			w := serveOne(h, c.path, c.ctype, c.body, c.auth)
			if w.Code != 200 || strings.Contains(w.Body.String(), "fault") || strings.Contains(w.Body.String(), `"error"`) {
				t.Fatalf("call failed: %d %s", w.Code, w.Body)
			}
			want := map[string]int{"auth": 1, "pre": 1, "post": 1, "env": c.env}
			for k, n := range want {
				if st.counts[k] != n {
					t.Errorf("stage %s ran %d times, want %d (all: %v)", k, st.counts[k], n, st.counts)
				}
			}
			if len(st.postPolicy) == 1 && (st.postPolicy[0] != c.policy || st.postUser[0] != c.user) {
				t.Errorf("post-auth limit saw policy %q user %d, want %q user %d", st.postPolicy[0], st.postUser[0], c.policy, c.user)
			}
		})
	}
}

// TestRPCWrongCredentialsStopBeforeTheLimitAndEnv: a wrong password is
// refused by the authentication stage (a fault / AccessDenied), and no
// later stage runs.
func TestRPCWrongCredentialsStopBeforeTheLimitAndEnv(t *testing.T) {
	st := newStages()
	h, _ := stageServer(t, st)
	w := serveOne(h, "/xmlrpc/2/object", "text/xml",
		xmlCall("execute_kw", xs("rampart"), xi("6"), xs("wrong"), xs("res.partner"), xs("search_count"), xa(xa())), "")
	_, fault := decodeResponse(t, w.Body.Bytes())
	if w.Code != 200 || fault == nil || fault["faultCode"] != int64(FaultAccessDenied) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if st.counts["auth"] != 1 || st.counts["post"] != 0 || st.counts["env"] != 0 {
		t.Errorf("stages %v: want auth once, no post-auth limit, no Env", st.counts)
	}
}

// TestPerRequestFactsDoNotLeak: concurrent reads and writes on the same
// routes each get their own read-only choice and rate policy, and the
// shared routes are never changed.
func TestPerRequestFactsDoNotLeak(t *testing.T) {
	st := newStages()
	h, routes := stageServer(t, st)
	type snap struct {
		ro    bool
		limit ratepolicy.Name
		scope string
	}
	before := map[*httpd.Route]snap{}
	for _, r := range routes {
		before[r] = snap{r.ReadOnly, r.RateLimit, r.Scope}
	}
	var wg sync.WaitGroup
	fail := make(chan string, 200)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, args := "search_count", []any{[]any{}}
			xargs := xa(xa())
			if i%2 == 1 {
				method, args, xargs = "write", []any{[]any{1}, map[string]any{"name": "x"}}, xa(xa(xi("1")), "<struct><member><name>name</name><value><string>x</string></value></member></struct>")
			}
			var w *httptest.ResponseRecorder
			switch i % 3 {
			case 0:
				w = serveOne(h, "/xmlrpc/2/object", "text/xml", xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs(method), xargs), "")
			case 1:
				w = serveOne(h, "/jsonrpc", "application/json", execKw(2, "admin", "res.partner", method, args, nil), "")
			default:
				w = serveOne(h, "/web/dataset/call_kw", "application/json", callKw(method, args), "cookie")
			}
			if w.Code != 200 || strings.Contains(w.Body.String(), "<fault>") || strings.Contains(w.Body.String(), `"error"`) {
				fail <- fmt.Sprintf("%d %s: %d %s", i, method, w.Code, w.Body)
			}
		}()
	}
	wg.Wait()
	close(fail)
	for f := range fail {
		t.Error(f)
	}
	if len(st.envs) != 60 {
		t.Fatalf("%d Envs opened for 60 calls", len(st.envs))
	}
	for _, e := range st.envs {
		if e.readOnly != (e.method == "search_count") {
			t.Errorf("%s ran with read-only %v", e.method, e.readOnly)
		}
	}
	for _, p := range st.postPolicy {
		if p != "" {
			t.Errorf("an authenticated call asked for policy %q, want the caller's default", p)
		}
	}
	for _, r := range routes {
		if (snap{r.ReadOnly, r.RateLimit, r.Scope}) != before[r] {
			t.Errorf("route %s changed: %+v, was %+v", r.Name, snap{r.ReadOnly, r.RateLimit, r.Scope}, before[r])
		}
	}
}

// TestXMLRPCCodec: the XML-RPC codec decodes a call into the /jsonrpc
// params shape (XML-only types normalised) and writes results and every
// error as 200 text/xml, with Odoo's v2 and v1 fault codes.
func TestXMLRPCCodec(t *testing.T) {
	req := func(path, body string) *httpd.Request {
		hr := httptest.NewRequest("POST", path, strings.NewReader(body))
		hr.SetPathValue("service", path[strings.LastIndexByte(path, '/')+1:])
		r := httpd.NewRequest(&httpd.Route{Name: "x"}, httptest.NewRecorder(), hr)
		r.ID, r.Log = "rid-9", slog.New(slog.DiscardHandler)
		return r
	}
	v2, v1 := xmlrpcCodec{}, xmlrpcCodec{v1: true}

	decodes := []struct {
		name, body string
		want       string // fmt of params, or "" for an error
		kind       errs.Kind
	}{
		{"call", xmlCall("execute_kw", xs("rampart"), xi("2"), "<dateTime.iso8601>20260131T12:00:00</dateTime.iso8601>", "<base64>YQ==</base64>"),
			"map[args:[rampart 2 2026-01-31 12:00:00 YQ==] method:execute_kw service:object]", 0},
		{"no params", xmlCall("version"), "map[args:[] method:version service:object]", 0},
		{"malformed", "<methodCall><methodName>x</methodName>", "", errs.BadRequest},
		{"not xml-rpc", "{}", "", errs.BadRequest},
	}
	for _, c := range decodes {
		r := req("/xmlrpc/2/object", c.body)
		err := v2.Decode(r, nil)
		if c.want == "" {
			if errs.KindOf(err) != c.kind {
				t.Errorf("%s: err %v, want %s", c.name, err, c.kind)
			}
			continue
		}
		if err != nil || fmt.Sprint(r.Params) != c.want {
			t.Errorf("%s: %v %v, want %s", c.name, err, r.Params, c.want)
		}
	}
	large := xmlrpcCodec{limits: xmlrpc.Limits{MaxBytes: 64}}
	if err := large.Decode(req("/xmlrpc/2/object", xmlCall("x", xs(strings.Repeat("a", 200)))), nil); errs.KindOf(err) != errs.PayloadTooLarge {
		t.Errorf("over the size limit: %v", err)
	}

	writes := []struct {
		name  string
		codec xmlrpcCodec
		err   *errs.Error
		code  any
		str   string
	}{
		{"access error v2", v2, errs.E(errs.AccessError, "no"), int64(FaultAccessError), "no"},
		{"access denied v2", v2, errs.E(errs.AccessDenied, "Access Denied"), int64(FaultAccessDenied), "Access Denied"},
		{"rate limit v2", v2, errs.E(errs.TooManyRequests, "slow"), int64(FaultAccessDenied), "slow"},
		{"user error v2", v2, errs.E(errs.UserError, "bad"), int64(FaultWarning), "bad"},
		{"method not allowed v2", v2, errs.E(errs.MethodNotAllowed, "no GET"), int64(FaultApplicationError), "no GET"},
		{"internal v2", v2, errs.Internalf("secret cause"), int64(FaultApplicationError), "internal error (request id rid-9)"},
		{"missing v1", v1, errs.E(errs.MissingError, "gone"), "warning -- MissingError\n\ngone", ""},
		{"access denied v1", v1, errs.E(errs.AccessDenied, "Access Denied"), "AccessDenied", "Access Denied"},
	}
	for _, c := range writes {
		r := req("/xmlrpc/2/object", "")
		c.codec.WriteError(r, c.err)
		w := r.W.(*httptest.ResponseRecorder)
		_, fault := decodeResponse(t, w.Body.Bytes())
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/xml; charset=utf-8" || fault == nil ||
			fault["faultCode"] != c.code || fault["faultString"] != c.str {
			t.Errorf("%s: %d %q %v", c.name, w.Code, w.Header().Get("Content-Type"), fault)
		}
	}
	r := req("/xmlrpc/2/object", "")
	v2.WriteResult(r, []any{int64(1), "a", false})
	if res, fault := decodeResponse(t, r.W.(*httptest.ResponseRecorder).Body.Bytes()); fault != nil || fmt.Sprint(res) != "[1 a false]" {
		t.Errorf("result: %v %v", res, fault)
	}
	r = req("/xmlrpc/2/object", "")
	v2.WriteResult(r, make(chan int)) // not encodable: an internal fault
	if _, fault := decodeResponse(t, r.W.(*httptest.ResponseRecorder).Body.Bytes()); fault == nil || fault["faultCode"] != int64(FaultApplicationError) {
		t.Errorf("unencodable result: %v", fault)
	}
}
