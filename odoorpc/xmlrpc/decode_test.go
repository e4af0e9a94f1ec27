package xmlrpc

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func call(params string) string {
	return `<?xml version='1.0'?>
<methodCall>
<methodName>execute_kw</methodName>
<params>` + params + `</params>
</methodCall>
`
}

func param(v string) string { return "<param><value>" + v + "</value></param>" }

func TestDecodeCallValues(t *testing.T) {
	ts := time.Date(2026, 1, 31, 12, 30, 5, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want []any
	}{
		{"int", call(param("<int>42</int>")), []any{int64(42)}},
		{"i4 negative", call(param("<i4> -7 </i4>")), []any{int64(-7)}},
		{"i8", call(param("<i8>9007199254740993</i8>")), []any{int64(9007199254740993)}},
		{"apache ex:i8", call(param("<ex:i8>5</ex:i8>")), []any{int64(5)}},
		{"double", call(param("<double>1.5</double>")), []any{1.5}},
		{"boolean", call(param("<boolean>1</boolean>") + param("<boolean>0</boolean>")), []any{true, false}},
		{"string", call(param("<string>a &amp; b &lt;c&gt; &#233;</string>")), []any{"a & b <c> é"}},
		{"untyped string", call(param("  spaced  ")), []any{"  spaced  "}},
		{"empty value", call(param("")), []any{""}},
		{"nil", call(param("<nil/>")), []any{nil}},
		{"ex:nil", call(param("<ex:nil/>")), []any{nil}},
		{"datetime", call(param("<dateTime.iso8601>20260131T12:30:05</dateTime.iso8601>")), []any{ts}},
		{"datetime extended", call(param("<dateTime.iso8601>2026-01-31T12:30:05</dateTime.iso8601>")), []any{ts}},
		{"base64", call(param("<base64>aGVs\nbG8=</base64>")), []any{[]byte("hello")}},
		{"array", call(param("<array><data><value><int>1</int></value><value>x</value></data></array>")), []any{[]any{int64(1), "x"}}},
		{"empty array", call(param("<array><data></data></array>")), []any{[]any{}}},
		{"struct", call(param("<struct><member><name>a</name><value><int>1</int></value></member><member><name>a</name><value><int>2</int></value></member></struct>")), []any{map[string]any{"a": int64(2)}}},
		{"no params", "<methodCall><methodName>version</methodName></methodCall>", nil},
		{"empty params", "<methodCall><methodName>version</methodName><params/></methodCall>", []any{}},
		{"comments", "<!-- hi --><methodCall><!-- x --><methodName>version</methodName></methodCall><!-- bye -->", nil},
		{"latin-1", "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params>" + param("caf\xe9") + "</params></methodCall>", []any{"café"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeCall(strings.NewReader(tt.body), Limits{})
			if err != nil {
				t.Fatalf("DecodeCall: %v", err)
			}
			if c.Method == "" {
				t.Fatalf("empty method")
			}
			if !reflect.DeepEqual(c.Params, tt.want) {
				t.Fatalf("params = %#v, want %#v", c.Params, tt.want)
			}
		})
	}
}

// TestDecodeCallRefuses is the bad-input list for XML: each case must come
// back as an *Error (a fault), quickly, never a panic.
func TestDecodeCallRefuses(t *testing.T) {
	deep := strings.Repeat("<value><array><data>", 100) + strings.Repeat("</data></array></value>", 100)
	billion := `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<methodCall><methodName>&lol2;</methodName></methodCall>`
	xxe := `<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>x</methodName><params><param><value>&xxe;</value></param></params></methodCall>`
	tests := []struct {
		name string
		body string
		lim  Limits
		want string
	}{
		{"empty body", "", Limits{}, "unexpected end"},
		{"not xml", "hello", Limits{}, "unexpected text"},
		{"billion laughs", billion, Limits{}, "DTDs and entity declarations are not allowed"},
		{"xxe", xxe, Limits{}, "DTDs and entity declarations are not allowed"},
		{"doctype only", `<!DOCTYPE methodCall><methodCall><methodName>x</methodName></methodCall>`, Limits{}, "DTDs"},
		{"undeclared entity", call(param("&xxe;")), Limits{}, "entity"},
		{"processing instruction", `<?xml-stylesheet href="x"?><methodCall><methodName>x</methodName></methodCall>`, Limits{}, "processing instructions"},
		{"deep nesting", call("<param>" + deep + "</param>"), Limits{}, "nesting too deep"},
		{"too many values", call(param("<array><data>" + strings.Repeat("<value>1</value>", 50) + "</data></array>")), Limits{MaxValues: 10}, "too many values"},
		{"huge body", call(param(strings.Repeat("a", 5000))), Limits{MaxBytes: 1000}, "size limit"},
		{"huge string", call(param("<string>" + strings.Repeat("a", 5000) + "</string>")), Limits{MaxString: 100}, "string too long"},
		{"bad int", call(param("<int>12a</int>")), Limits{}, "bad integer"},
		{"int out of range", call(param("<int>99999999999999999999999</int>")), Limits{}, "out of range"},
		{"bad boolean", call(param("<boolean>true</boolean>")), Limits{}, "bad boolean"},
		{"bad double", call(param("<double>x</double>")), Limits{}, "bad double"},
		{"bad date", call(param("<dateTime.iso8601>yesterday</dateTime.iso8601>")), Limits{}, "bad dateTime"},
		{"bad base64", call(param("<base64>***</base64>")), Limits{}, "bad base64"},
		{"unknown type", call(param("<object>1</object>")), Limits{}, "unknown value type"},
		{"mixed content", call(param("x<int>1</int>")), Limits{}, "mixed content"},
		{"member without name", call(param("<struct><member><value>1</value></member></struct>")), Limits{}, "expected <name>"},
		{"unclosed", "<methodCall><methodName>x</methodName><params>", Limits{}, "unexpected EOF"},
		{"mismatched tags", "<methodCall><methodName>x</methodCall>", Limits{}, "invalid XML-RPC request"},
		{"trailing element", "<methodCall><methodName>x</methodName></methodCall><x/>", Limits{}, "trailing data"},
		{"empty method name", "<methodCall><methodName> </methodName></methodCall>", Limits{}, "empty methodName"},
		{"unsupported encoding", `<?xml version="1.0" encoding="utf-7"?><methodCall/>`, Limits{}, "unsupported encoding"},
		{"element in string", call(param("<string><b>x</b></string>")), Limits{}, "unexpected element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCall(strings.NewReader(tt.body), tt.lim)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want it to contain %q", err, tt.want)
			}
			if len(e.Msg) > 200 {
				t.Fatalf("message too long (%d bytes): must not echo the input", len(e.Msg))
			}
		})
	}
}

func TestDecodeCallTooLargeIsDetectable(t *testing.T) {
	_, err := DecodeCall(strings.NewReader(call(param(strings.Repeat("a", 100)))), Limits{MaxBytes: 50})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	// Exactly at the limit is fine.
	body := "<methodCall><methodName>x</methodName></methodCall>"
	if _, err := DecodeCall(strings.NewReader(body), Limits{MaxBytes: int64(len(body))}); err != nil {
		t.Fatalf("body at the limit: %v", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestDecodeCallReadError(t *testing.T) {
	cause := errors.New("transport cut")
	_, err := DecodeCall(io.MultiReader(strings.NewReader("<methodCall>"), failingReader{cause}), Limits{})
	var e *Error
	if !errors.Is(err, cause) || !errors.As(err, &e) || e.Msg != "the body could not be read" {
		t.Fatalf("err = %v", err)
	}
}
