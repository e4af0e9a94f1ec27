package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"pgregory.net/rapid"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/rampartest"
)

// The property tester: requests generated from the document's own
// schemas are sent to the live demo server with the demo users' keys, and
// every answer is validated against the document with kin-openapi's
// openapi3filter. Per operation it runs examplesPerOp valid bodies and
// examplesPerOp deliberately invalid ones (an unknown argument, a missing
// required one, a value of the wrong type, a body that is not an object,
// malformed JSON). A property fails on a 5xx, an answer the document does
// not describe (status, headers or body), a valid request the server
// refuses as malformed (400/415), or an invalid one it accepts with 5xx.
// rapid shrinks a failing body to a minimal one.

const examplesPerOp = 4

// schemaGen builds rapid generators from the document's JSON Schemas
// (its decoded JSON, $ref resolved against components).
type schemaGen struct {
	components map[string]any
}

func (g *schemaGen) resolve(s map[string]any) map[string]any {
	for i := 0; i < 8; i++ {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
		kind, _ := g.components[parts[0]].(map[string]any)
		s, _ = kind[parts[1]].(map[string]any)
	}
	return s
}

func (g *schemaGen) gen(s map[string]any, depth int) *rapid.Generator[any] {
	s = g.resolve(s)
	if ex, ok := s["examples"].([]any); ok && len(ex) > 0 {
		// The document's examples are the realistic values (domains that
		// parse, orders that sort): mostly them, sometimes generated.
		rest := maps(s, "examples")
		return rapid.OneOf(rapid.SampledFrom(ex), rapid.SampledFrom(ex), rapid.SampledFrom(ex), g.gen(rest, depth))
	}
	if c, ok := s["const"]; ok {
		return rapid.Just(c)
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return rapid.SampledFrom(e)
	}
	if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
		// Every part is an object schema here (the JSON-RPC envelope and
		// its params): generate each and merge.
		return rapid.Custom(func(rt *rapid.T) any {
			out := map[string]any{}
			for i, p := range all {
				if m, ok := g.gen(p.(map[string]any), depth).Draw(rt, fmt.Sprint("part", i)).(map[string]any); ok {
					for k, v := range m {
						out[k] = v
					}
				}
			}
			return out
		})
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			var gens []*rapid.Generator[any]
			for _, a := range alts {
				gens = append(gens, g.gen(a.(map[string]any), depth))
			}
			return rapid.OneOf(gens...)
		}
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	if len(types) == 0 {
		if depth > 2 {
			return rapid.Just[any](nil)
		}
		return rapid.SampledFrom([]any{nil, 1, "x", true, []any{}, map[string]any{}})
	}
	var gens []*rapid.Generator[any]
	for _, t := range types {
		gens = append(gens, g.genType(t, s, depth))
	}
	return rapid.OneOf(gens...)
}

func maps(s map[string]any, drop string) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		if k != drop {
			out[k] = v
		}
	}
	return out
}

func num(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}

func (g *schemaGen) genType(t string, s map[string]any, depth int) *rapid.Generator[any] {
	switch t {
	case "null":
		return rapid.Just[any](nil)
	case "boolean":
		return rapid.Map(rapid.Bool(), func(b bool) any { return b })
	case "integer":
		// Small numbers: ids that exist, limits and offsets that matter.
		lo := num(s["minimum"], -2)
		return rapid.Map(rapid.IntRange(lo, lo+40), func(i int) any { return i })
	case "number":
		return rapid.Map(rapid.Float64Range(0, 1000), func(f float64) any { return f })
	case "string":
		switch {
		case s["format"] == "date":
			return rapid.Map(rapid.IntRange(0, 3000), func(d int) any {
				return fmt.Sprintf("2026-%02d-%02d", 1+d%12, 1+d%28)
			})
		case s["pattern"] != nil:
			return rapid.Map(rapid.IntRange(0, 3000), func(d int) any {
				return fmt.Sprintf("2026-%02d-%02d %02d:%02d:00", 1+d%12, 1+d%28, d%24, d%60)
			})
		}
		return rapid.Map(rapid.StringMatching(`[a-zA-Z0-9 ]{0,10}`), func(x string) any { return x })
	case "array":
		if depth > 3 {
			return rapid.Just[any]([]any{})
		}
		if pre, ok := s["prefixItems"].([]any); ok {
			return rapid.Custom(func(rt *rapid.T) any {
				out := []any{}
				for i, p := range pre {
					out = append(out, g.gen(p.(map[string]any), depth+1).Draw(rt, fmt.Sprint("item", i)))
				}
				return out
			})
		}
		items, _ := s["items"].(map[string]any)
		if items == nil {
			items = map[string]any{}
		}
		lo, hi := num(s["minItems"], 0), num(s["maxItems"], 3)
		hi = min(hi, lo+3)
		return rapid.Map(rapid.SliceOfN(g.gen(items, depth+1), lo, hi), func(l []any) any { return l })
	case "object":
		props, _ := s["properties"].(map[string]any)
		var req []string
		for _, r := range anyList(s["required"]) {
			req = append(req, r.(string))
		}
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		return rapid.Custom(func(rt *rapid.T) any {
			// rapid wants every generator to draw: an object with no
			// optional property would draw nothing.
			rapid.IntRange(0, 1).Draw(rt, "object")
			out := map[string]any{}
			for _, n := range names {
				if n == "context" {
					continue // Odoo's context is free-form: left to the server's defaults
				}
				if !slices.Contains(req, n) && (depth > 1 || !rapid.Bool().Draw(rt, "has-"+n)) {
					continue
				}
				out[n] = g.gen(props[n].(map[string]any), depth+1).Draw(rt, n)
			}
			return out
		})
	}
	return rapid.Just[any](nil)
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// mutation is one deliberate way to make a body invalid.
var mutations = []string{"unknown-argument", "missing-required", "wrong-type", "not-an-object", "malformed-json"}

// tally counts what the tester did.
type tally struct {
	mu                       sync.Mutex
	ops, valid, invalid      int
	status                   map[int]int
	serverErrors, violations int
}

func (t *tally) add(f func(*tally)) { t.mu.Lock(); f(t); t.mu.Unlock() }

// TestPropertyLiveAgainstDocument is the property tester (see above).
func TestPropertyLiveAgainstDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("the property tester sends a few thousand requests")
	}
	defer boundChecks()()
	a := rampartest.Demo(t, rampartest.Options{Config: exemptLoopback})
	raw := wholeAPI(t, a)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("kin-openapi: the document is invalid: %v", err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	g := &schemaGen{components: tree["components"].(map[string]any)}
	paths := tree["paths"].(map[string]any)
	var opPaths []string
	for p := range paths {
		if strings.HasPrefix(p, "/json/2/") && strings.Count(p, "/") == 4 && !strings.Contains(p, "{") {
			opPaths = append(opPaths, p)
		}
	}
	sort.Strings(opPaths)
	if len(opPaths) < 100 {
		t.Fatalf("only %d JSON-2 operations in the document", len(opPaths))
	}
	keys := []string{rampartest.Admin, rampartest.Alice, rampartest.Bob, rampartest.Carol}
	tl := &tally{status: map[int]int{}}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	for _, path := range opPaths {
		item := doc.Paths.Find(path)
		op := item.Post
		route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: http.MethodPost, Operation: op}
		bodySchema := paths[path].(map[string]any)["post"].(map[string]any)["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		tl.add(func(t *tally) { t.ops++ })
		for _, valid := range []bool{true, false} {
			name := strings.TrimPrefix(path, "/json/2/")
			if !valid {
				name += "/invalid"
			} else {
				name += "/valid"
			}
			t.Run(name, func(t *testing.T) {
				rapid.Check(t, func(rt *rapid.T) {
					login := rapid.SampledFrom(keys).Draw(rt, "key")
					body := g.gen(bodySchema, 0).Draw(rt, "body")
					mutation := ""
					if !valid {
						mutation = rapid.SampledFrom(mutations).Draw(rt, "mutation")
					}
					payload := mutate(rt, body, bodySchema, g, mutation)
					req, _ := http.NewRequest(http.MethodPost, a.URL+path, bytes.NewReader(payload))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+a.DemoKeys[login])
					in := &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts}
					if valid {
						// The generator must produce what the document
						// calls valid; check before sending.
						vreq, _ := http.NewRequest(http.MethodPost, a.URL+path, bytes.NewReader(payload))
						vreq.Header = req.Header.Clone()
						if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: vreq, Route: route, Options: opts}); err != nil {
							rt.Fatalf("generated body is not valid per the document: %v\n%s", err, payload)
						}
						req.Body = io.NopCloser(bytes.NewReader(payload))
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						rt.Fatal(err)
					}
					rb, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					tl.add(func(x *tally) {
						x.status[resp.StatusCode]++
						if valid {
							x.valid++
						} else {
							x.invalid++
						}
					})
					if resp.StatusCode >= 500 {
						tl.add(func(x *tally) { x.serverErrors++ })
						rt.Fatalf("%s as %s (%s): server error %d: %s\nbody: %s", path, login, orValid(mutation), resp.StatusCode, rb, payload)
					}
					if valid && (resp.StatusCode == 400 || resp.StatusCode == 415) {
						rt.Fatalf("%s as %s: a valid request refused as malformed (%d): %s\nbody: %s", path, login, resp.StatusCode, rb, payload)
					}
					if !valid && mutation != "wrong-type" && mutation != "missing-required" && resp.StatusCode < 400 {
						rt.Fatalf("%s as %s (%s): an invalid request was accepted (%d): %s\nbody: %s", path, login, mutation, resp.StatusCode, rb, payload)
					}
					out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
						Body: io.NopCloser(bytes.NewReader(rb)), Options: opts}
					if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
						tl.add(func(x *tally) { x.violations++ })
						rt.Fatalf("%s as %s (%s): the answer violates the document: %v\nstatus %d: %.600s\nbody: %s", path, login, orValid(mutation), err, resp.StatusCode, rb, payload)
					}
				})
			})
		}
	}
	ok := 0
	for c, n := range tl.status {
		if c < 300 {
			ok += n
		}
	}
	// A tester whose valid requests all bounce off tests nothing.
	if tl.valid == 0 || ok*4 < tl.valid {
		t.Errorf("only %d of %d valid examples succeeded: the generator does not reach the methods", ok, tl.valid)
	}
	t.Logf("property tester: %d operations, %d valid and %d invalid examples run (statuses %s); %d server errors, %d responses violating the document",
		tl.ops, tl.valid, tl.invalid, statusLine(tl), tl.serverErrors, tl.violations)
}

// boundChecks bounds rapid to examplesPerOp examples per property, unless
// the run asks for another number with -rapid.checks; it returns the undo.
func boundChecks() func() {
	f := flag.Lookup("rapid.checks")
	if f == nil || f.Value.String() != f.DefValue {
		return func() {}
	}
	flag.Set("rapid.checks", strconv.Itoa(examplesPerOp))
	return func() { flag.Set("rapid.checks", f.DefValue) }
}

// exemptLoopback: the testers measure the document, not the rate
// limiter; a burst of thousands of calls from one address would be
// limited (the 429s are documented, but they would hide the operations).
func exemptLoopback(c *config.Config) {
	c.RateLimit.Exempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

func statusLine(tl *tally) string {
	codes := []int{}
	for c := range tl.status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", tl.status[c], c))
	}
	return strings.Join(parts, " ")
}

func orValid(m string) string {
	if m == "" {
		return "valid"
	}
	return m
}

// mutate encodes body, made invalid as mutation says ("" keeps it valid).
func mutate(rt *rapid.T, body any, schema map[string]any, g *schemaGen, mutation string) []byte {
	obj, _ := body.(map[string]any)
	switch mutation {
	case "unknown-argument":
		obj["zz_not_a_parameter"] = 1
	case "missing-required":
		req := anyList(schema["required"])
		if len(req) > 0 {
			delete(obj, rapid.SampledFrom(req).Draw(rt, "drop").(string))
		} else {
			obj["zz_not_a_parameter"] = true
		}
	case "wrong-type":
		props, _ := schema["properties"].(map[string]any)
		var names []string
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) > 0 {
			n := rapid.SampledFrom(names).Draw(rt, "wrong")
			obj[n] = wrongValue(g.resolve(props[n].(map[string]any)))
		}
	case "not-an-object":
		b, _ := json.Marshal(rapid.SampledFrom([]any{[]any{1, 2}, "text", 3, nil}).Draw(rt, "non-object"))
		return b
	case "malformed-json":
		return []byte(rapid.SampledFrom([]string{`{"ids": [1,`, `{'domain': []}`, `{"a":1}}`, "\x00"}).Draw(rt, "malformed"))
	}
	b, _ := json.Marshal(obj)
	return b
}

// wrongValue is a value of another JSON type than the schema wants.
func wrongValue(s map[string]any) any {
	switch s["type"] {
	case "string":
		return map[string]any{"not": "a string"}
	case "integer", "number":
		return "not a number"
	case "array":
		return "not a list"
	case "object":
		return []any{"not", "an", "object"}
	case "boolean":
		return []any{}
	}
	return map[string]any{"zz": []any{map[string]any{}}}
}
