package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		in      string
		want    any
		wantErr string
	}{
		{`{"a":1,"b":[1.5,"x",true,null]}`, map[string]any{"a": int64(1), "b": []any{1.5, "x", true, nil}}, ""},
		{`  [] `, []any{}, ""},
		{`9007199254740993`, int64(9007199254740993), ""},
		{`1e400`, nil, "out of range"},
		{`{"a":1,"a":2}`, nil, "duplicate key"},
		{`{"a":1} {"b":2}`, nil, "after the JSON value"},
		{`{"a":1`, nil, "end of JSON"},
		{`{"a":}`, nil, "invalid JSON"},
		{"\"\xff\"", nil, "UTF-8"},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), nil, "deeper"},
		{``, nil, "end of JSON"},
		// Escapes decode as encoding/json decodes them, lone surrogates as U+FFFD.
		{`"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83C\uDF89"`, "a\"b\\c/d\b\f\n\r\té🎉", ""},
		{`"\ud800x"`, "\uFFFDx", ""},
		{`"\ud800\u0041"`, "\uFFFDA", ""},
		{`"\udc00\ud800\udc00"`, "\uFFFD𐀀", ""},
		{`"\x"`, nil, "escape"},
		{`"\u12g4"`, nil, "hexadecimal"},
		{"\"a\tb\"", nil, "string literal"},
		// Numbers: the grammar, int64 when it fits, float64 otherwise.
		{`-0`, int64(0), ""},
		{`-123456789012345678`, int64(-123456789012345678), ""},
		{`9223372036854775807`, int64(9223372036854775807), ""},
		{`-9223372036854775808`, int64(-9223372036854775808), ""},
		{`9223372036854775808`, 9223372036854775808.0, ""},
		{`1.5E+2`, 150.0, ""},
		{`01`, nil, "after the JSON value"},
		{`1.`, nil, "end of JSON"},
		{`1.e5`, nil, "decimal point"},
		{`-`, nil, "end of JSON"},
		{`+1`, nil, "beginning of value"},
		{`[1,]`, nil, "beginning of value"},
		{`{"a" 1}`, nil, "after object key"},
		{`{1:2}`, nil, "object key string"},
		{`[1 2]`, nil, "after array element"},
		{`tru`, nil, "end of JSON"},
		{`nul1`, nil, "in literal null"},
		{` {"a" : [ ] , "b" : { } } `, map[string]any{"a": []any{}, "b": map[string]any{}}, ""},
	}
	for _, c := range cases {
		got, err := Decode([]byte(c.in), Options{})
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %#v, %v", c.in, got, err)
		}
	}
}

// FuzzDecode holds Decode to encoding/json, the reference: on input both
// accept they give the same value (numbers through Number); what Decode
// refuses and encoding/json accepts is one of Decode's deliberate
// strictness classes (duplicate keys, depth, invalid UTF-8, huge numbers);
// what encoding/json refuses Decode refuses too, with a position when the
// reference has one. Every accepted value survives Marshal → Decode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `[[[[]]]]`, `"x"`, `{"a":1,"a":1}`, `1.5e3`,
		`{"a":1`, `[1,]`, `"\ud800"`, "\"\xff\"", `-0`, `1e400`, `9223372036854775808`, ` {} `, `{"a":1} x`,
		strings.Repeat("[", 17) + strings.Repeat("]", 17)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(b, Options{MaxDepth: 16})
		var ref any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		refErr := d.Decode(&ref)
		if refErr == nil {
			if _, e := d.Token(); e != io.EOF {
				refErr = errors.New("trailing data")
			}
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %T is not a *SyntaxError", b, err)
			}
			strict := false
			for _, class := range []string{"duplicate key", "nested deeper", "UTF-8", "out of range"} {
				strict = strict || strings.Contains(err.Error(), class)
			}
			if refErr == nil && !strict {
				// Valid JSON to the reference: only the strictness classes.
				t.Fatalf("%q: encoding/json accepts it, Decode refuses: %v", b, err)
			}
			if strict {
				return // found before any syntax error the input may also have
			}
			var rse *json.SyntaxError
			if errors.As(refErr, &rse) && utf8.Valid(b) && !strings.Contains(err.Error(), "offset") &&
				!strings.Contains(err.Error(), "end of JSON") && !strings.Contains(err.Error(), "after the JSON value") {
				t.Fatalf("%q: syntax error %q names no position (reference: %v)", b, err, refErr)
			}
			return
		}
		if refErr != nil {
			t.Fatalf("%q: Decode accepts %#v, encoding/json refuses: %v", b, got, refErr)
		}
		if want := viaNumber(t, ref); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Decode %#v, encoding/json %#v", b, got, want)
		}
		printed, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%#v: %v", got, err)
		}
		// Marshal prints an integral float without a fraction, which
		// Decode reads back as int64: the same number.
		again, err := Decode(printed, Options{MaxDepth: 16})
		if err != nil || !reflect.DeepEqual(integral(again), integral(got)) {
			t.Fatalf("%q → %#v → %s → %#v, %v", b, got, printed, again, err)
		}
	})
}

// viaNumber converts the reference's json.Numbers as Decode does.
func viaNumber(t *testing.T, v any) any {
	switch v := v.(type) {
	case json.Number:
		n, err := Number(v)
		if err != nil {
			t.Fatalf("number %s: %v", v, err)
		}
		return n
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = viaNumber(t, x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = viaNumber(t, x)
		}
		return out
	}
	return v
}

// integral turns integral float64s into int64s, the form Decode gives a
// number printed without a fraction.
func integral(v any) any {
	switch v := v.(type) {
	case float64:
		if i := int64(v); float64(i) == v && v >= -1<<63 && v < 1<<63 {
			return i
		}
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = integral(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = integral(x)
		}
		return out
	}
	return v
}
