package metrics

import (
	"testing"
	"time"
)

// BenchmarkObserve is the per-request cost of the Observer.
func BenchmarkObserve(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRoute("sale.order.search_read", 200, 3*time.Millisecond)
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
