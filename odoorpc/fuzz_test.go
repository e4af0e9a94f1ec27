package odoorpc

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/jsonx"
	"github.com/rampart/rampart/odoorpc/xmlrpc"
	"github.com/rampart/rampart/orm"
)

// fuzzHandler serves the routes in process through httpd's pipeline
// (codec, Prepare, authentication, handler), with the fakes.
func fuzzHandler(t testing.TB) http.Handler {
	return routesHandler(t, fakeAuth{}, nil, nil, Deps{Identity: fakeIdentity{}, ListDB: true, Data: func(*orm.Env) Data { return fakeData{} },
		XMLLimits: XMLLimits{MaxBytes: 1 << 16, MaxDepth: 16, MaxValues: 2000, MaxString: 4096}})
}

func fuzzServe(h http.Handler, path, ctype string, body []byte) *httptest.ResponseRecorder {
	hr := httptest.NewRequest("POST", path, bytes.NewReader(body))
	hr.RemoteAddr = "192.0.2.1:1234"
	hr.Header.Set("Content-Type", ctype)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, hr)
	return rec
}

// The fuzz targets of this package link the whole stack (orm, store and
// the pure-Go SQLite), whose coverage counters make -fuzz slow here (a few
// executions a second with coverage guidance); the codec's own target,
// xmlrpc.FuzzDecodeCall, runs at full speed. The seeds run in every go test.

// FuzzXMLRPCEndpoint: whatever the body, /xmlrpc/2/object answers 200 with a
// well-formed methodResponse (a result or a fault), never a panic.
func FuzzXMLRPCEndpoint(f *testing.F) {
	f.Add([]byte(xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("search_read"),
		xa(xa(xa(xs("name"), xs("ilike"), xs("a")))), "<struct><member><name>limit</name><value><int>5</int></value></member></struct>")))
	f.Add([]byte(xmlCall("execute", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("read"), xa(xi("1")), xa(xs("name")))))
	f.Add([]byte(xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("create"), "<struct></struct>")))
	f.Add([]byte(xmlCall("execute_kw", "<nil/>", "<double>2</double>", "<base64>YQ==</base64>", xs("x"), xs("y"), "<dateTime.iso8601>20260101T00:00:00</dateTime.iso8601>")))
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fuzzServe(h, "/xmlrpc/2/object", "text/xml", body)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		out := rec.Body.String()
		if !strings.Contains(out, "<methodResponse>") {
			t.Fatalf("not a methodResponse: %q", out)
		}
		if strings.Contains(out, "<fault>") {
			return
		}
		// A result must decode back.
		s := strings.Replace(out, "<methodResponse>", "<methodCall><methodName>r</methodName>", 1)
		s = strings.Replace(s, "</methodResponse>", "</methodCall>", 1)
		if _, err := xmlrpc.DecodeCall(strings.NewReader(s), xmlrpc.Limits{}); err != nil {
			t.Fatalf("result does not decode: %v", err)
		}
	})
}

// FuzzJSONRPCParams: any JSON-RPC params object is answered with a result
// or a client error, never a panic and never an internal error.
func FuzzJSONRPCParams(f *testing.F) {
	f.Add([]byte(`{"service":"object","method":"execute_kw","args":["rampart",2,"admin","res.partner","search",[[]],{"limit":1}]}`))
	f.Add([]byte(`{"service":"object","method":"execute","args":["rampart",2,"admin","res.partner","read",[1],["name"]]}`))
	f.Add([]byte(`{"service":"common","method":"authenticate","args":["rampart","admin","admin",{}]}`))
	f.Add([]byte(`{"service":"object","method":"execute_kw","args":["rampart",2,"admin","res.partner","name_search",["a"],{"limit":"x","context":{}}]}`))
	f.Add([]byte(`{"service":"db","method":"list","args":null}`))
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := jsonx.Decode(body, jsonx.Options{})
		if _, ok := v.(map[string]any); err != nil || !ok {
			return
		}
		env := append(append([]byte(`{"jsonrpc":"2.0","id":1,"params":`), body...), '}')
		rec := fuzzServe(h, "/jsonrpc", "application/json", env)
		if out := rec.Body.String(); rec.Code == 500 || strings.Contains(out, "internal error") || !strings.Contains(out, `"jsonrpc":"2.0"`) {
			t.Fatalf("internal error for client input: %d %s", rec.Code, out)
		}
	})
}
