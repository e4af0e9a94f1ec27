package jsonx

import (
	"bytes"
	"encoding/json"
	"testing"
)

// w1Body is W1's JSON-2 search_read body (bench/README.md).
var w1Body = []byte(`{"domain":[["state","=","sale"]],"fields":["name","state","amount_total"],"limit":50,"order":"id"}`)

// BenchmarkDecodeW1 is the strict decode of every JSON-2 request body.
func BenchmarkDecodeW1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(w1Body, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeW1TokenAPI is the former decoder's approach
// (encoding/json's token API with UseNumber), kept as the reference the
// hand-written decoder is measured against.
func BenchmarkDecodeW1TokenAPI(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(w1Body))
		d.UseNumber()
		for {
			if _, err := d.Token(); err != nil {
				break
			}
		}
	}
}

// BenchmarkDecodeW1Unmarshal is encoding/json's non-strict Unmarshal into
// an any, for scale.
func BenchmarkDecodeW1Unmarshal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(w1Body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
