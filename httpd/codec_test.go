package httpd

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
)

// codecRequest is a request as dispatch builds it, for calling a codec
// directly.
func codecRequest(s *Server, route *Route, ct, body string) *Request {
	hr := httptest.NewRequest("POST", "/c?x=1", strings.NewReader(body))
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	r := NewRequest(route, httptest.NewRecorder(), hr)
	r.ID, r.codec = "rid-1", s.codecFor(route)
	return r
}

func codecServer(dev bool) *Server {
	cfg := Config{Dev: dev}
	cfg.Defaults()
	return New(cfg, slog.New(slog.DiscardHandler))
}

// TestCodecDecode: each built-in codec's input rules, case by case.
func TestCodecDecode(t *testing.T) {
	s := codecServer(false)
	cases := []struct {
		name     string
		typ      Type
		ct, body string
		kind     errs.Kind // 0: decodes
		msg      string    // part of the error message
		params   string    // JSON of r.Params when it decodes
		id       any
	}{
		{name: "json2 empty body, no type", typ: TypeJSON2, params: `{}`},
		{name: "json2 empty body, json", typ: TypeJSON2, ct: "application/json", params: `{}`},
		{name: "json2 object", typ: TypeJSON2, ct: "application/json; charset=utf-8", body: `{"a":[1,"x"]}`, params: `{"a":[1,"x"]}`},
		{name: "json2 wrong type", typ: TypeJSON2, ct: "text/plain", body: `{}`, kind: errs.UnsupportedMediaType, msg: "application/json"},
		{name: "json2 body without type", typ: TypeJSON2, body: `{}`, kind: errs.UnsupportedMediaType},
		{name: "json2 malformed", typ: TypeJSON2, ct: "application/json", body: `{"a":`, kind: errs.BadRequest, msg: "could not parse the body as json"},
		{name: "json2 not an object", typ: TypeJSON2, ct: "application/json", body: `[1]`, kind: errs.BadRequest, msg: "must be a JSON object"},
		{name: "jsonrpc envelope", typ: TypeJSONRPC, ct: "application/json", body: `{"jsonrpc":"2.0","id":7,"params":{"k":true}}`, params: `{"k":true}`, id: int64(7)},
		{name: "jsonrpc json-rpc type, string id, no params", typ: TypeJSONRPC, ct: "application/json-rpc", body: `{"id":"a"}`, params: `{}`, id: "a"},
		{name: "jsonrpc null params", typ: TypeJSONRPC, ct: "application/json", body: `{"params":null}`, params: `{}`},
		{name: "jsonrpc wrong type", typ: TypeJSONRPC, ct: "text/xml", body: `{}`, kind: errs.UnsupportedMediaType},
		{name: "jsonrpc malformed", typ: TypeJSONRPC, ct: "application/json", body: `{`, kind: errs.BadRequest, msg: "Invalid JSON data"},
		{name: "jsonrpc not an object", typ: TypeJSONRPC, ct: "application/json", body: `"x"`, kind: errs.BadRequest, msg: "must be a JSON object"},
		{name: "jsonrpc object id", typ: TypeJSONRPC, ct: "application/json", body: `{"id":{}}`, kind: errs.BadRequest, msg: "id must be"},
		{name: "jsonrpc version", typ: TypeJSONRPC, ct: "application/json", body: `{"jsonrpc":"1.0","id":3}`, kind: errs.BadRequest, msg: `"jsonrpc" must be "2.0"`, id: int64(3)},
		{name: "jsonrpc positional params", typ: TypeJSONRPC, ct: "application/json", body: `{"params":[1]}`, kind: errs.BadRequest, msg: "named parameters"},
		{name: "http leaves the body to the handler", typ: TypeHTTP, ct: "text/plain", body: `anything`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := codecRequest(s, &Route{Type: c.typ}, c.ct, c.body)
			err := r.codec.Decode(r, []byte(c.body))
			if c.kind != 0 {
				if e := errs.As(err); err == nil || e.Kind != c.kind || !strings.Contains(e.Message(), c.msg) {
					t.Fatalf("err = %v, want %s containing %q", err, c.kind, c.msg)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if c.params != "" {
				if b, _ := json.Marshal(r.Params); string(b) != c.params {
					t.Errorf("params %s, want %s", b, c.params)
				}
			}
			if r.rpcID != c.id {
				t.Errorf("rpc id %#v, want %#v", r.rpcID, c.id)
			}
		})
	}
}

// TestCodecWrite: each built-in codec's results and errors: status,
// content type and body shape.
func TestCodecWrite(t *testing.T) {
	cases := []struct {
		name   string
		typ    Type
		dev    bool
		result any
		err    *errs.Error
		status int
		ctype  string
		body   string // exact JSON, or a part of the body
		header [2]string
	}{
		{name: "json2 result", typ: TypeJSON2, result: []any{int64(1)}, status: 200, ctype: "application/json; charset=utf-8", body: `[1]`},
		{name: "json2 access error", typ: TypeJSON2, err: errs.E(errs.AccessError, "no"), status: 403,
			body: `{"arguments":["no"],"context":{},"debug":"","message":"no","name":"odoo.exceptions.AccessError"}`},
		{name: "json2 werkzeug kind carries its status", typ: TypeJSON2, err: errs.E(errs.Unauthorized, "Invalid apikey"), status: 401,
			body: `{"arguments":["Invalid apikey",401],"context":{},"debug":"","message":"Invalid apikey","name":"werkzeug.exceptions.Unauthorized"}`},
		{name: "json2 internal hides its cause", typ: TypeJSON2, err: errs.Internalf("db password hunter2"), status: 500,
			body: `"message":"internal error (request id rid-1)"`},
		{name: "json2 dev shows a client error's cause", typ: TypeJSON2, dev: true, err: errs.Wrap(errs.UserError, errTest("cause"), "bad"), status: 422,
			body: `"debug":"cause"`},
		{name: "jsonrpc result", typ: TypeJSONRPC, result: "ok", status: 200, body: `{"id":null,"jsonrpc":"2.0","result":"ok"}`},
		{name: "jsonrpc None omits result", typ: TypeJSONRPC, result: nil, status: 200, body: `{"id":null,"jsonrpc":"2.0"}`},
		{name: "jsonrpc application error is 200", typ: TypeJSONRPC, err: errs.E(errs.AccessError, "no"), status: 200,
			body: `"error":{"code":0,"data":{"arguments":["no"],"context":{},"debug":"","message":"no","name":"odoo.exceptions.AccessError"},"message":"Odoo Server Error"}`},
		{name: "jsonrpc session expired", typ: TypeJSONRPC, err: errs.E(errs.SessionExpired, "Session expired"), status: 401,
			body: `"code":100`},
		{name: "jsonrpc not found", typ: TypeJSONRPC, err: errs.E(errs.NotFound, "x"), status: 200, body: `"message":"404: Not Found"`},
		{name: "jsonrpc rate limit keeps 429", typ: TypeJSONRPC, err: errs.E(errs.TooManyRequests, "slow"), status: 429, body: `"name":"werkzeug.exceptions.TooManyRequests"`},
		{name: "http string", typ: TypeHTTP, result: "<p>x</p>", status: 200, ctype: "text/html; charset=utf-8", body: "<p>x</p>"},
		{name: "http bytes", typ: TypeHTTP, result: []byte{1}, status: 200, ctype: "application/octet-stream"},
		{name: "http nil", typ: TypeHTTP, result: nil, status: 204},
		{name: "http redirect stays local", typ: TypeHTTP, result: Redirect("//evil.example/x?a=1"), status: 303, header: [2]string{"Location", "/x?a=1"}},
		{name: "http value as JSON", typ: TypeHTTP, result: map[string]any{"a": true}, status: 200, body: `{"a":true}`},
		{name: "http error page escapes", typ: TypeHTTP, err: errs.E(errs.AccessError, "<b>no</b>"), status: 403, ctype: "text/html; charset=utf-8", body: "&lt;b&gt;no&lt;/b&gt;"},
		{name: "http session expired goes to login", typ: TypeHTTP, err: errs.E(errs.SessionExpired, "Session expired"), status: 303,
			header: [2]string{"Location", "/web/login?redirect=%2Fc%3Fx%3D1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := codecRequest(codecServer(c.dev), &Route{Type: c.typ}, "", "")
			if c.err != nil {
				r.codec.WriteError(r, c.err)
			} else {
				r.codec.WriteResult(r, c.result)
			}
			w := r.W.(*httptest.ResponseRecorder)
			got := w.Body.String()
			if w.Code != c.status || c.ctype != "" && w.Header().Get("Content-Type") != c.ctype ||
				!strings.Contains(got, c.body) || c.body != "" && strings.HasPrefix(c.body, "{") && strings.HasSuffix(c.body, "}") && got != c.body {
				t.Errorf("%d %q %s; want %d %q %s", w.Code, w.Header().Get("Content-Type"), got, c.status, c.ctype, c.body)
			}
			if c.header[0] != "" && w.Header().Get(c.header[0]) != c.header[1] {
				t.Errorf("%s = %q, want %q", c.header[0], w.Header().Get(c.header[0]), c.header[1])
			}
			if strings.Contains(got, "hunter2") {
				t.Errorf("internal cause leaked: %s", got)
			}
		})
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
