package httpd

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
)

type address struct {
	City string `json:"city" validate:"required,maxlen=20"`
}

type orderIn struct {
	Name     string    `json:"name" validate:"required,maxlen=10"`
	Qty      int       `json:"qty" validate:"min=1,max=100"`
	Price    float64   `json:"price" validate:"min=0"`
	State    string    `json:"state" validate:"oneof=draft|sale"`
	Email    string    `json:"email" validate:"email"`
	Tags     []string  `json:"tags" validate:"maxlen=2"`
	Note     *string   `json:"note" validate:"minlen=2"`
	Urgent   bool      `json:"urgent"`
	Ship     *address  `json:"ship"`
	Due      time.Time `json:"due"`
	Lines    []line    `json:"lines" validate:"maxlen=3"`
	Internal string    `json:"-"`
}

type line struct {
	Product string `json:"product" validate:"required"`
	Qty     int    `json:"qty" validate:"min=1"`
}

type pairIn struct {
	From int `json:"from"`
	To   int `json:"to"`
}

func (p *pairIn) Validate() []errs.FieldError {
	if p.From > p.To {
		return []errs.FieldError{{Field: "to", Message: "must not be before from"}}
	}
	return nil
}

// fieldErrors extracts the "fields" list of a json2 or jsonrpc error body.
func fieldErrors(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var v struct {
		Fields []errs.FieldError `json:"fields"`
		Error  struct {
			Data struct {
				Fields []errs.FieldError `json:"fields"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("error body not JSON: %s", body)
	}
	out := map[string]string{}
	for _, f := range append(v.Fields, v.Error.Data.Fields...) {
		out[f.Field] = f.Message
	}
	return out
}

func TestValidationFieldByField(t *testing.T) {
	var got *orderIn
	keep := func(r *Request) (any, error) { got = r.Input.(*orderIn); return "ok", nil }
	_, h, _ := testServer(t, nil,
		&Route{Path: "/v", Type: TypeJSON2, Auth: AuthNone, Params: &orderIn{}, Handler: keep},
		&Route{Path: "/rpcv", Type: TypeJSONRPC, Auth: AuthNone, Params: &orderIn{}, Handler: keep},
		&Route{Path: "/formv", Auth: AuthNone, Methods: []string{"POST"}, Params: &orderIn{}, Handler: keep},
		&Route{Path: "/pair", Type: TypeJSON2, Auth: AuthNone, Params: &pairIn{}, Handler: keep},
	)
	cases := []struct {
		name   string
		path   string
		ct     string
		body   string
		status int
		fields map[string]string
	}{
		{"valid json2", "/v", "application/json", `{"name":"SO1","qty":3,"price":1.5,"state":"sale","email":"a@b.example","tags":["x"],"note":"hi","urgent":true,"ship":{"city":"Liège"},"due":"2026-01-31T12:00:00Z"}`, 200, nil},
		{"every rule", "/v", "application/json", `{"name":"far too long a name","qty":0,"price":-1,"state":"done","email":"Bob <b@x.example>","tags":["a","b","c"],"note":"x","ship":{}}`, 422, map[string]string{
			"name":      "must have at most 10 characters",
			"qty":       "must be at least 1",
			"price":     "must be at least 0",
			"state":     "must be one of: draft, sale",
			"email":     "must be a valid email address",
			"tags":      "must have at most 2 items",
			"note":      "must have at least 2 characters",
			"ship.city": "is required",
		}},
		{"required missing and null", "/v", "application/json", `{"name":null}`, 422, map[string]string{"name": "is required"}},
		{"required empty string", "/v", "application/json", `{"name":""}`, 422, map[string]string{"name": "is required"}},
		{"wrong types", "/v", "application/json", `{"name":1,"qty":"3","price":"x","urgent":"yes","tags":"a","ship":[],"due":5}`, 422, map[string]string{
			"name": "must be a string", "qty": "must be an integer", "price": "must be a number",
			"urgent": "must be a boolean", "tags": "must be a list", "ship": "must be an object", "due": "must be a string",
		}},
		{"fraction for integer", "/v", "application/json", `{"name":"a","qty":1.5}`, 422, map[string]string{"qty": "must be an integer"}},
		{"out of range", "/v", "application/json", `{"name":"a","qty":99999999999999999999}`, 422, map[string]string{"qty": "must be an integer"}},
		{"unknown fields", "/v", "application/json", `{"name":"a","Internal":"x","admin":true}`, 422, map[string]string{"Internal": "unknown field", "admin": "unknown field"}},
		{"bad time", "/v", "application/json", `{"name":"a","due":"yesterday"}`, 422, map[string]string{"due": "is not valid"}},
		{"list of objects", "/v", "application/json", `{"name":"a","lines":[{"product":"p","qty":1},{"qty":0,"x":1},3]}`, 422, map[string]string{
			"lines[1].product": "is required", "lines[1].qty": "must be at least 1", "lines[1].x": "unknown field", "lines[2]": "must be an object",
		}},
		{"too many list items", "/v", "application/json", `{"name":"a","lines":[{"product":"p"},{"product":"p"},{"product":"p"},{"product":"p"}]}`, 422, map[string]string{
			"lines": "must have at most 3 items",
		}},
		{"list item type", "/v", "application/json", `{"name":"a","tags":[1]}`, 422, map[string]string{"tags": "item 0 must be a string"}},
		{"jsonrpc params", "/rpcv", "application/json", `{"jsonrpc":"2.0","method":"call","id":1,"params":{"qty":500}}`, 200, map[string]string{"name": "is required", "qty": "must be at most 100"}},
		{"form valid", "/formv", "application/x-www-form-urlencoded", "name=SO2&qty=7&price=2.5&urgent=on&tags=a&tags=b&csrf_token=ignored", 200, nil},
		{"form errors", "/formv", "application/x-www-form-urlencoded", "qty=seven&name=a&name=b&urgent=maybe&ship=x", 422, map[string]string{
			"qty": "must be an integer", "name": "must be a single value", "urgent": "must be a boolean", "ship": "must be an object",
		}},
		{"custom validator", "/pair", "application/json", `{"from":5,"to":1}`, 422, map[string]string{"to": "must not be before from"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got = nil
			w := do(h, "POST", c.path, c.ct, c.body)
			if c.path == "/rpcv" && c.fields != nil {
				if w.Code != 200 || !strings.Contains(w.Body.String(), "odoo.exceptions.ValidationError") {
					t.Fatalf("jsonrpc: %d %s", w.Code, w.Body)
				}
			} else if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.fields == nil {
				if got == nil {
					t.Fatal("handler not called")
				}
				return
			}
			if got != nil {
				t.Error("handler ran on invalid input")
			}
			if c.path == "/formv" {
				if !strings.Contains(w.Body.String(), "qty must be an integer") {
					t.Errorf("html error page lacks the field list: %s", w.Body)
				}
				return
			}
			fe := fieldErrors(t, w.Body.Bytes())
			for f, msg := range c.fields {
				if fe[f] != msg {
					t.Errorf("field %s: %q, want %q (all: %v)", f, fe[f], msg, fe)
				}
			}
			if len(fe) != len(c.fields) {
				t.Errorf("fields %v, want %v", fe, c.fields)
			}
		})
	}
	w := do(h, "POST", "/formv", "application/x-www-form-urlencoded", "name=SO2&qty=7&price=2.5&urgent=on&tags=a&tags=b")
	if w.Code != http.StatusOK || got.Qty != 7 || !got.Urgent || len(got.Tags) != 2 || got.Price != 2.5 {
		t.Errorf("form binding: %d %+v", w.Code, got)
	}
}

func TestParamsRejectedAtRegistration(t *testing.T) {
	h := func(*Request) (any, error) { return nil, nil }
	type minOnString struct {
		A string `validate:"min=3"`
	}
	type badTag struct {
		A int `validate:"required,between=1"`
	}
	type oneofNotInt struct {
		A int `validate:"oneof=a|b"`
	}
	type dupName struct {
		A int `json:"B"`
		B int
	}
	for _, p := range []any{3, &minOnString{}, &badTag{}, &oneofNotInt{}, &dupName{}} {
		cfg := Config{}
		cfg.Defaults()
		s := New(cfg, nil)
		if err := s.Register(&Route{Path: "/p", Type: TypeJSON2, Params: p, Handler: h}); err == nil {
			t.Errorf("params %T accepted", p)
		}
	}
}

func TestParseTag(t *testing.T) {
	good := []string{"", "required", "min=-1.5,max=2", "minlen=0,maxlen=3", "oneof=a|b", "email,required"}
	for _, tag := range good {
		if _, err := parseTag(tag); err != nil {
			t.Errorf("%q: %v", tag, err)
		}
	}
	bad := []string{",", "required=1", "min", "min=x", "min=NaN", "max=Inf", "minlen=-1", "maxlen=1.5",
		"oneof=", "oneof=a||b", "email=1", "required,required", "min=5,max=1", "minlen=3,maxlen=1", "regexp=.*",
		strings.Repeat("a", maxTagLen+1)}
	for _, tag := range bad {
		if _, err := parseTag(tag); err == nil {
			t.Errorf("%q accepted", tag)
		}
	}
}

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"required,min=1,max=100,maxlen=200,oneof=a|b,email", "min=1e308", "oneof=|", "minlen=9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		tr, err := parseTag(tag)
		if err != nil {
			return
		}
		if lo, hi, ok := tr.bounds(ruleMin, ruleMax); ok && lo.num > hi.num {
			t.Fatalf("%q: min > max accepted", tag)
		}
		for _, r := range tr.rules {
			if r.n < 0 {
				t.Fatalf("%q: negative length", tag)
			}
		}
	})
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"a@b.example": true, "first.last+tag@sub.example.org": true,
		"": false, "a@b": false, "Bob <b@x.example>": false, "a b@x.example": false, "@x.example": false, "a@": false,
	} {
		if validEmail(s) != want {
			t.Errorf("validEmail(%q) = %v", s, !want)
		}
	}
}

// FuzzBindParams feeds arbitrary JSON to the binder: whatever the shape,
// it must answer with a value or field errors, never panic.
func FuzzBindParams(f *testing.F) {
	for _, s := range []string{`{"name":"a","qty":3,"lines":[{"product":"p","qty":2}],"ship":{"city":"x"}}`,
		`{"tags":[1,{"a":[]}],"note":null,"due":"2026-01-01T00:00:00Z"}`, `{"qty":1e400}`, `{"lines":[[],null]}`} {
		f.Add(s)
	}
	spec, err := compileParams(&orderIn{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := jsonx.Decode([]byte(body), jsonx.Options{MaxDepth: 16})
		obj, ok := v.(map[string]any)
		if err != nil || !ok {
			return
		}
		out, err := spec.bind(obj, false)
		if (out == nil) == (err == nil) {
			t.Fatalf("bind(%s) = %v, %v", body, out, err)
		}
		if err != nil && len(errs.As(err).Fields) == 0 {
			t.Fatalf("bind(%s): error without fields: %v", body, err)
		}
	})
}
