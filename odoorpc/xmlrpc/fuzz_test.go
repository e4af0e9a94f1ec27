package xmlrpc

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzDecodeCall: the decoder never panics and never hangs, and anything
// it accepts can be encoded back.
func FuzzDecodeCall(f *testing.F) {
	for _, s := range []string{
		call(param("<int>1</int>") + param("<array><data><value><string>x</string></value></data></array>")),
		call(param("<struct><member><name>k</name><value><nil/></value></member></struct>")),
		call(param("<dateTime.iso8601>20260131T12:30:05</dateTime.iso8601>") + param("<base64>aGk=</base64>")),
		call(param("<double>-1.5e3</double>") + param("<boolean>1</boolean>")),
		`<!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>&a;</methodName></methodCall>`,
		"<methodCall><methodName>x</methodName><params><param><value><array><data><value><array><data>",
		"<?xml version='1.0' encoding='latin-1'?><methodCall><methodName>\xe9</methodName></methodCall>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := DecodeCall(bytes.NewReader(body), Limits{MaxBytes: 1 << 16, MaxDepth: 16, MaxValues: 1000, MaxString: 4096})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid XML-RPC request: ") {
				t.Fatalf("error without the prefix: %v", err)
			}
			return
		}
		if err := EncodeResponse(&bytes.Buffer{}, c.Params); err != nil {
			t.Fatalf("cannot re-encode decoded params: %v", err)
		}
	})
}
