package odoorpc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/rampartest"
)

// rawJSONRPC posts a JSON-RPC call and returns the HTTP status and the
// decoded envelope.
func rawJSONRPC(t *testing.T, url string, params map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 7, "params": params})
	resp, err := http.Post(url+"/jsonrpc", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

var faultRE = regexp.MustCompile(`(?s)<name>faultCode</name>\s*<value><(?:int|i4)>(\d+)</(?:int|i4)></value>.*<name>faultString</name>\s*<value><string>(.*?)</string>`)

// rawXMLRPCFault calls execute_kw and returns the fault code and string.
func rawXMLRPCFault(t *testing.T, a *rampartest.App, login, model, method string, argsXML string) (string, string) {
	t.Helper()
	body := `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
		`<param><value><string>` + a.Config.DBName + `</string></value></param>` +
		`<param><value><int>` + itoa(a.UID(t, login)) + `</int></value></param>` +
		`<param><value><string>` + a.DemoKeys[login] + `</string></value></param>` +
		`<param><value><string>` + model + `</string></value></param>` +
		`<param><value><string>` + method + `</string></value></param>` +
		`<param><value><array><data>` + argsXML + `</data></array></value></param>` +
		`</params></methodCall>`
	resp, err := http.Post(a.URL+"/xmlrpc/2/object", "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := faultRE.FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("no fault: %s", raw)
	}
	return m[1], m[2]
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestLiveErrorShapes: Odoo 19's error shapes, protocol by protocol.
// An unknown method is JSON-2's 404 NotFound but JSON-RPC's and
// XML-RPC's AttributeError (code 0 "Odoo Server Error", fault 1); a
// JSON-2 argument-binding error is werkzeug's UnprocessableEntity with
// inspect.Signature.bind's message, an execute_kw one Python's TypeError
// (fault 1); a ValidationError's message names the fields everywhere.
func TestLiveErrorShapes(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	alice := a.JSON2(rampartest.Alice)

	// Unknown method.
	st, res, raw := alice.Call(t, "res.partner", "frobnicate", nil)
	if st != 404 || errorName(res) != "werkzeug.exceptions.NotFound" || !strings.Contains(string(raw), "The method 'res.partner.frobnicate' does not exist") {
		t.Errorf("json2 unknown method: %d %s", st, raw)
	}
	st, env := rawJSONRPC(t, a.URL, map[string]any{"service": "object", "method": "execute_kw",
		"args": []any{a.Config.DBName, a.UID(t, rampartest.Alice), a.DemoKeys[rampartest.Alice], "res.partner", "frobnicate", []any{}}})
	e, _ := env["error"].(map[string]any)
	data, _ := e["data"].(map[string]any)
	if st != 200 || e["code"] != float64(0) || e["message"] != "Odoo Server Error" || data["name"] != "builtins.AttributeError" ||
		data["message"] != "The method 'res.partner.frobnicate' does not exist" {
		t.Errorf("jsonrpc unknown method: %d %v", st, env)
	}
	jres, name, msg := a.Session(t, rampartest.Alice).CallKW(t, "res.partner", "frobnicate", nil, nil)
	if name != "builtins.AttributeError" || msg != "The method 'res.partner.frobnicate' does not exist" {
		t.Errorf("call_kw unknown method: %v %s %s", jres, name, msg)
	}
	if code, s := rawXMLRPCFault(t, a, rampartest.Alice, "res.partner", "frobnicate", ""); code != "1" || !strings.Contains(s, "The method 'res.partner.frobnicate' does not exist") {
		t.Errorf("xmlrpc unknown method: fault %s %q", code, s)
	}

	// Binding errors.
	st, res, raw = alice.Call(t, "res.partner", "search", map[string]any{"limit": 1})
	if st != 422 || errorName(res) != "werkzeug.exceptions.UnprocessableEntity" ||
		res.(map[string]any)["message"] != "missing a required argument: 'domain'" ||
		!strings.Contains(string(raw), `"arguments":["missing a required argument: 'domain'",422]`) {
		t.Errorf("json2 missing argument: %d %s", st, raw)
	}
	st, res, raw = alice.Call(t, "res.partner", "search", map[string]any{"domain": []any{}, "frob": 1})
	if st != 422 || errorName(res) != "werkzeug.exceptions.UnprocessableEntity" || res.(map[string]any)["message"] != "got an unexpected keyword argument 'frob'" {
		t.Errorf("json2 unexpected argument: %d %s", st, raw)
	}
	st, res, raw = alice.Call(t, "res.partner", "search", map[string]any{"ids": []any{1}, "domain": []any{}})
	if st != 422 || errorName(res) != "werkzeug.exceptions.UnprocessableEntity" || res.(map[string]any)["message"] != "cannot call res.partner.search with ids" {
		t.Errorf("json2 model method with ids: %d %s", st, raw)
	}
	jres, name, msg = a.Session(t, rampartest.Alice).CallKW(t, "res.partner", "search", nil, map[string]any{"frob": 1})
	if name != "builtins.TypeError" || !strings.Contains(msg, "unexpected keyword argument 'frob'") {
		t.Errorf("call_kw binding error: %v %s %s", jres, name, msg)
	}
	if code, s := rawXMLRPCFault(t, a, rampartest.Alice, "res.partner", "search", ""); code != "1" || !strings.Contains(s, "missing 1 required positional argument: 'domain'") {
		t.Errorf("xmlrpc binding error: fault %s %q", code, s)
	}

	// A ValidationError names the fields, in the message itself.
	st, res, raw = alice.Call(t, "res.partner", "create", map[string]any{"vals_list": []any{map[string]any{"email": 5}}})
	m, _ := res.(map[string]any)
	text, _ := m["message"].(string)
	if st != 422 || !strings.Contains(text, "name") || !strings.Contains(text, "email") {
		t.Errorf("json2 validation message: %d %s", st, raw)
	}
	code, s := rawXMLRPCFault(t, a, rampartest.Alice, "res.partner", "create",
		`<value><struct><member><name>email</name><value><int>5</int></value></member></struct></value>`)
	if code != "2" || !strings.Contains(s, "name") || !strings.Contains(s, "email") {
		t.Errorf("xmlrpc validation fault: %s %q", code, s)
	}
	_, res, _ = a.JSON2(rampartest.Admin).Call(t, "res.partner", "search_count", map[string]any{"domain": []any{[]any{"email", "=", "5"}}})
	if res != float64(0) {
		t.Errorf("a refused create left a contact: %v", res)
	}
}
