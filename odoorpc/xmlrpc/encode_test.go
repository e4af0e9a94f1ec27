package xmlrpc

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEncodeResponseRoundTrip(t *testing.T) {
	in := []any{
		int64(7), -3, int64(1) << 40, 1.5, 100.0, 1e15, 1e20, true, false, "a&b<c>",
		nil,
		[]int64{1, 2},
		map[string]any{"b": 1, "a": []any{"x", nil}},
		map[int64]string{3: "three"},
		[][2]any{{int64(1), "Deco Addict"}},
		time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC),
		[]byte("hi"),
	}
	want := []any{
		int64(7), int64(-3), int64(1) << 40, 1.5, 100.0, 1e15, 1e20, true, false, "a&b<c>",
		false,
		[]any{int64(1), int64(2)},
		map[string]any{"a": []any{"x", false}, "b": int64(1)},
		map[string]any{"3": "three"},
		[]any{[]any{int64(1), "Deco Addict"}},
		"2026-01-31 12:00:00",
		"aGk=",
	}
	var buf bytes.Buffer
	if err := EncodeResponse(&buf, in); err != nil {
		t.Fatal(err)
	}
	// Reuse the decoder: rewrite the response as a call.
	body := strings.Replace(buf.String(), "<methodResponse>", "<methodCall><methodName>r</methodName>", 1)
	body = strings.Replace(body, "</methodResponse>", "</methodCall>", 1)
	c, err := DecodeCall(strings.NewReader(body), Limits{})
	if err != nil {
		t.Fatalf("decode own output: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(c.Params, []any{want}) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", c.Params, []any{want})
	}
}

func TestEncodeStripsForbiddenCharacters(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeResponse(&buf, "a\x00b\x1bc\td\ne\rf\uFFFEg\xffh"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<string>abc\td\ne&#13;fgh</string>") {
		t.Fatalf("got %s", buf.String())
	}
}

func TestEncodeFloats(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 1e15: "1000000000000000.0", 1e16: "1e+16",
		1e-5: "1e-05", math.NaN(): "nan", math.Inf(-1): "-inf",
	} {
		var e encoder
		e.float(f)
		if got := string(e.buf); got != "<value><double>"+want+"</double></value>\n" {
			t.Errorf("float(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestEncodeFault(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeFault(&buf, &Fault{Code: 4, String: "You are not allowed to access 'Sales Order' (sale.order) records."}); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0"?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>4</int></value>
</member>
<member>
<name>faultString</name>
<value><string>You are not allowed to access 'Sales Order' (sale.order) records.</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestEncodeRefuses(t *testing.T) {
	loop := []any{nil}
	loop[0] = loop
	for name, v := range map[string]any{
		"func":       func() {},
		"chan":       make(chan int),
		"struct key": map[[2]int]int{{1, 2}: 3},
		"cycle":      loop,
		"uint64":     uint64(math.MaxUint64),
	} {
		if err := EncodeResponse(&bytes.Buffer{}, v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
