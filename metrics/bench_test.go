package metrics

import (
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
)

// BenchmarkObserve is the per-request cost of the Observer.
func BenchmarkObserve(b *testing.B) {
	m := New(Options{})
	r := &httpd.Request{Route: &httpd.Route{Name: "sale.order.search_read"}}
	b.ReportAllocs()
	for b.Loop() {
		m.Observe(r, 200, 512, 3*time.Millisecond)
	}
}

// BenchmarkAuthFailure includes the pile-up detector.
func BenchmarkAuthFailure(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.AuthFailure("bad_password", "192.0.2.1", "admin")
	}
}
