package jsonx

import (
	"reflect"
	"strings"
	"testing"
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

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `[[[[]]]]`, `"x"`, `{"a":1,"a":1}`, `1.5e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Decode(b, Options{MaxDepth: 16})
	})
}
