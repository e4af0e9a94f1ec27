package odoorpc

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/odoorpc/xmlrpc"
)

// decodeResponse reads a methodResponse with the codec's own decoder
// (rewritten as a call): the result, or the fault's code and string.
func decodeResponse(t *testing.T, body []byte) (result any, fault map[string]any) {
	t.Helper()
	s := string(body)
	isFault := strings.Contains(s, "<fault>")
	s = strings.Replace(s, "<methodResponse>", "<methodCall><methodName>r</methodName>", 1)
	s = strings.Replace(s, "</methodResponse>", "</methodCall>", 1)
	if isFault {
		s = strings.Replace(s, "<fault>", "<params><param>", 1)
		s = strings.Replace(s, "</fault>", "</param></params>", 1)
	}
	c, err := xmlrpc.DecodeCall(strings.NewReader(s), xmlrpc.Limits{})
	if err != nil || len(c.Params) != 1 {
		t.Fatalf("bad methodResponse (%v): %s", err, body)
	}
	if isFault {
		return nil, c.Params[0].(map[string]any)
	}
	return c.Params[0], nil
}

func xmlCall(method string, params ...string) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>" + method + "</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param><value>" + p + "</value></param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.String()
}

func xs(s string) string { return "<string>" + s + "</string>" }
func xi(s string) string { return "<int>" + s + "</int>" }
func xa(vals ...string) string {
	var b strings.Builder
	b.WriteString("<array><data>")
	for _, v := range vals {
		b.WriteString("<value>" + v + "</value>")
	}
	b.WriteString("</data></array>")
	return b.String()
}

// TestXMLRPC pins /xmlrpc/2: always 200 text/xml, faults with Odoo's codes
// and the bad-input list answered as faults.
func TestXMLRPC(t *testing.T) {
	srv := newTestServer(t, func(d *Deps) { d.XMLLimits = XMLLimits{MaxBytes: 32 << 10} })
	deep := strings.Repeat("<array><data><value>", 200) + strings.Repeat("</value></data></array>", 200)
	tests := []struct {
		name   string
		path   string
		body   string
		code   any
		fault  string // substring of faultString
		result any
	}{
		{name: "version", path: "common", body: xmlCall("version"), result: map[string]any{
			"server_version": "19.0", "server_version_info": []any{int64(19), int64(0), int64(0), "final", int64(0), ""},
			"server_serie": "19.0", "protocol_version": int64(1)}},
		{name: "authenticate", path: "common", body: xmlCall("authenticate", xs("rampart"), xs("admin"), xs("admin"), "<struct></struct>"), result: int64(2)},
		{name: "wrong password is False", path: "common", body: xmlCall("authenticate", xs("rampart"), xs("admin"), xs("x"), "<struct></struct>"), result: false},
		{name: "search", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("search"),
			xa(xa(xa(xs("is_company"), xs("="), "<boolean>1</boolean>")))), result: []any{int64(1), int64(2), int64(3)}},
		{name: "revoke returns None as False", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("6"), xs("demo"), xs("res.users.apikeys"), xs("revoke"),
			xa(xs("newkey"))), result: false},
		{name: "access error is 4", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("6"), xs("demo"), xs("sale.order"), xs("write"),
			xa(xa(xi("1")), "<struct></struct>")), code: int64(4), fault: "You are not allowed to write 'sale.order' (sale.order) records."},
		{name: "access denied is 3", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("bad"), xs("res.partner"), xs("search"), xa(xa())),
			code: int64(3), fault: "Access Denied"},
		{name: "missing record is 2", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("read"), xa(xa(xi("5000")))),
			code: int64(2), fault: "Record does not exist or has been deleted."},
		{name: "unknown model is 2", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("x.y"), xs("search"), xa(xa())),
			code: int64(2), fault: "Object x.y doesn't exist"},
		{name: "bad arguments are 1 (TypeError)", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("search"), xa()),
			code: int64(1), fault: "missing 1 required positional argument: 'domain'"},
		{name: "unknown method is 1", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("frob"), xa()),
			code: int64(1), fault: "The method 'res.partner.frob' does not exist"},
		{name: "unknown service is 1", path: "report", body: xmlCall("render"), code: int64(1), fault: "Service report not found"},
		{name: "unknown service method is 1", path: "object", body: xmlCall("exec_workflow"), code: int64(1), fault: "Method not available exec_workflow"},
		{name: "DTD", path: "common", body: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>`,
			code: int64(1), fault: "DTDs and entity declarations are not allowed"},
		{name: "external entity", path: "object", body: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>version</methodName><params><param><value>&e;</value></param></params></methodCall>`,
			code: int64(1), fault: "DTDs and entity declarations are not allowed"},
		{name: "deep nesting", path: "object", body: xmlCall("execute_kw", deep), code: int64(1), fault: "nesting too deep"},
		{name: "not xml", path: "common", body: "version please", code: int64(1), fault: "invalid XML-RPC request"},
		{name: "wrong argument types", path: "object", body: xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("search_read"),
			xa(xa()), "<struct><member><name>limit</name><value><string>ten</string></value></member></struct>"),
			code: int64(2), fault: "argument 'limit' must be a non-negative integer or None"},
	}
	client := srv.Client()
	client.Timeout = 5 * time.Second // never a hang
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, srv, "POST", "/xmlrpc/2/"+tt.path, "text/xml", tt.body, nil)
			if resp.status != 200 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/xml") {
				t.Fatalf("status %d, type %q: %s", resp.status, resp.header.Get("Content-Type"), resp.body)
			}
			if resp.header.Get("Deprecation") == "" || resp.header.Get("Sunset") == "" ||
				!strings.Contains(resp.header.Get("Link"), `rel="successor-version"`) {
				t.Errorf("deprecation headers missing: %v", resp.header)
			}
			res, fault := decodeResponse(t, resp.body)
			if tt.code == nil {
				if fault != nil {
					t.Fatalf("fault %v", fault)
				}
				if !reflect.DeepEqual(res, tt.result) {
					t.Fatalf("result = %#v, want %#v", res, tt.result)
				}
				return
			}
			if fault == nil {
				t.Fatalf("no fault: %#v", res)
			}
			if fault["faultCode"] != tt.code {
				t.Errorf("faultCode = %v, want %v", fault["faultCode"], tt.code)
			}
			fs, _ := fault["faultString"].(string)
			if !strings.Contains(fs, tt.fault) {
				t.Errorf("faultString = %q, want it to contain %q", fs, tt.fault)
			}
			if strings.Contains(fs, "Traceback") || strings.Contains(fs, ".go:") {
				t.Errorf("faultString leaks internals: %q", fs)
			}
		})
	}
}

// TestXMLRPCv1 pins the legacy /xmlrpc string fault codes.
func TestXMLRPCv1(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, tt := range []struct {
		body, code string
	}{
		{xmlCall("execute", xs("rampart"), xi("6"), xs("demo"), xs("sale.order"), xs("unlink"), xa(xi("1"))),
			"warning -- AccessError\n\nYou are not allowed to unlink 'sale.order' (sale.order) records."},
		{xmlCall("execute", xs("rampart"), xi("6"), xs("bad"), xs("sale.order"), xs("unlink"), xa(xi("1"))), "AccessDenied"},
		{xmlCall("execute", xs("rampart"), xi("2"), xs("admin"), xs("nope"), xs("search"), xa()), "warning -- UserError\n\nObject nope doesn't exist"},
		// An AttributeError: the code is its text (the string, Odoo's
		// traceback, ends with "AttributeError: <text>").
		{xmlCall("execute", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("frob")), "The method 'res.partner.frob' does not exist"},
	} {
		resp := do(t, srv, "POST", "/xmlrpc/object", "text/xml", tt.body, nil)
		_, fault := decodeResponse(t, resp.body)
		if fault == nil || fault["faultCode"] != tt.code {
			t.Errorf("fault = %#v, want code %q", fault, tt.code)
		}
	}
}

// TestXMLRPCOversized: a body over the limit is refused without being
// buffered, as a fault in every case: streamed without a length, or
// refused by httpd before any reading when its Content-Length says so
// (the route's ErrorWriter turns httpd's 413 into a fault).
func TestXMLRPCOversized(t *testing.T) {
	srv := newTestServer(t, func(d *Deps) { d.XMLLimits = XMLLimits{MaxBytes: 32 << 10} })
	body := xmlCall("execute_kw", xs(strings.Repeat("A", 100<<10)))

	req, _ := http.NewRequest("POST", srv.URL+"/xmlrpc/2/object", io.MultiReader(strings.NewReader(body))) // no length: chunked
	req.Header.Set("Content-Type", "text/xml")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, fault := decodeResponse(t, b); resp.StatusCode != 200 || fault == nil || !strings.Contains(fault["faultString"].(string), "size limit") {
		t.Fatalf("chunked: %d %s", resp.StatusCode, b)
	}

	for _, ct := range []string{"text/xml", ""} { // untyped: httpd reads a form, still bounded
		r := do(t, srv, "POST", "/xmlrpc/2/object", ct, body, nil)
		if _, fault := decodeResponse(t, []byte(r.body)); r.status != 200 || fault == nil ||
			!strings.Contains(fault["faultString"].(string), "larger than the limit") {
			t.Fatalf("declared length, content type %q: %d %s", ct, r.status, r.body)
		}
	}
}
