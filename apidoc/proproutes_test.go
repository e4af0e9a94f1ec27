package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"pgregory.net/rapid"

	"github.com/rampart/rampart/rampartest"
)

// pathValues fill the route table's path parameters with values that
// reach the handlers.
var pathValues = map[string][]string{
	"file":    {"sale.order.json", "index.json", "no.such.model.json", "sale.order"},
	"path":    {"sale.order", "x/y"},
	"service": {"common", "object", "db"},
}

// sessionEnding are the operations that end the tester's own session or
// user; they run last so that the others run signed in.
var sessionEnding = []string{"/web/session/destroy", "/rampart/auth/logout", "/rampart/auth/sessions/end", "/rampart/admin/users/disable", "/rampart/auth/password"}

// TestPropertyRouteTable is the property tester for the route table's
// own operations (everything but the per-model JSON-2 paths): bodies
// generated from each operation's request schema (JSON, JSON-RPC
// envelopes, forms; XML-RPC gets a methodCall), sent as the administrator
// (session cookie and API key), every answer validated against the
// document; 0 server errors.
func TestPropertyRouteTable(t *testing.T) {
	if testing.Short() {
		t.Skip("the property tester sends a few hundred requests")
	}
	defer boundChecks()()
	// Pages and XML-RPC answers are checked for status, headers and media
	// type; their bodies are text to kin-openapi.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/xml", openapi3filter.PlainBodyDecoder)
	a := rampartest.Demo(t, rampartest.Options{Config: exemptLoopback})
	raw := wholeAPI(t, a)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	g := &schemaGen{components: tree["components"].(map[string]any)}
	type opRef struct{ path, method string }
	var ops []opRef
	for p, item := range tree["paths"].(map[string]any) {
		if strings.HasPrefix(p, "/json/2/") && strings.Count(p, "/") == 4 && !strings.Contains(p, "{") {
			continue // TestPropertyLiveAgainstDocument
		}
		for m := range item.(map[string]any) {
			ops = append(ops, opRef{p, strings.ToUpper(m)})
		}
	}
	last := func(p string) bool {
		for _, s := range sessionEnding {
			if p == s {
				return true
			}
		}
		return false
	}
	sort.Slice(ops, func(i, j int) bool {
		if last(ops[i].path) != last(ops[j].path) {
			return !last(ops[i].path)
		}
		return ops[i].path+ops[i].method < ops[j].path+ops[j].method
	})
	session := a.Session(t, rampartest.Admin)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	tl := &tally{status: map[int]int{}}
	for _, o := range ops {
		item := doc.Paths.Find(o.path)
		op := item.GetOperation(o.method)
		opTree := tree["paths"].(map[string]any)[o.path].(map[string]any)[strings.ToLower(o.method)].(map[string]any)
		tl.ops++
		t.Run(o.method+" "+o.path, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				params := map[string]string{}
				target := o.path
				for name, vals := range pathValues {
					if strings.Contains(target, "{"+name+"}") {
						v := rapid.SampledFrom(vals).Draw(rt, name)
						params[name] = v
						target = strings.ReplaceAll(target, "{"+name+"}", v)
					}
				}
				var body io.Reader
				ctype := ""
				if rb, ok := opTree["requestBody"].(map[string]any); ok {
					content := rb["content"].(map[string]any)
					switch {
					case content["application/json"] != nil:
						s := content["application/json"].(map[string]any)["schema"].(map[string]any)
						v := g.gen(s, 0).Draw(rt, "body")
						b, _ := json.Marshal(v)
						body, ctype = bytes.NewReader(b), "application/json"
					case content["text/xml"] != nil:
						m := rapid.SampledFrom([]string{"version", "login", "no_such_method"}).Draw(rt, "xmlrpc")
						body = strings.NewReader(`<?xml version="1.0"?><methodCall><methodName>` + m + `</methodName><params></params></methodCall>`)
						ctype = "text/xml"
					case content["application/x-www-form-urlencoded"] != nil:
						s := content["application/x-www-form-urlencoded"].(map[string]any)["schema"].(map[string]any)
						v, _ := g.gen(s, 0).Draw(rt, "form").(map[string]any)
						form := url.Values{}
						for k, x := range v {
							form.Set(k, fmt.Sprint(x))
						}
						body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
					}
				}
				req, _ := http.NewRequest(o.method, a.URL+target, body)
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				req.Header.Set("Authorization", "Bearer "+a.DemoKeys[rampartest.Admin])
				client := &http.Client{Jar: session.HTTP.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := client.Do(req)
				if err != nil {
					rt.Fatal(err)
				}
				rb, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				tl.add(func(x *tally) { x.status[resp.StatusCode]++; x.valid++ })
				if resp.StatusCode >= 500 {
					tl.add(func(x *tally) { x.serverErrors++ })
					rt.Fatalf("%s %s: server error %d: %.400s", o.method, target, resp.StatusCode, rb)
				}
				route := &routers.Route{Spec: doc, Path: o.path, PathItem: item, Method: o.method, Operation: op}
				in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
				out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
					Body: io.NopCloser(bytes.NewReader(rb)), Options: opts}
				if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
					tl.add(func(x *tally) { x.violations++ })
					rt.Fatalf("%s %s: the answer violates the document: %v\nstatus %d %s: %.400s", o.method, target, err, resp.StatusCode, resp.Header.Get("Content-Type"), rb)
				}
			})
		})
	}
	t.Logf("route table: %d operations, %d examples run (statuses %s); %d server errors, %d responses violating the document",
		tl.ops, tl.valid, statusLine(tl), tl.serverErrors, tl.violations)
}
