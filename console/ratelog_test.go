package console

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
)

// TestRateLogBoundedAndHourly: only 429s count; distinct keys per minute
// are capped with the excess under "(others)" (totals stay exact); entries
// older than an hour are gone.
func TestRateLogBoundedAndHourly(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewRateLog(func() time.Time { return now })
	route := &httpd.Route{Name: "r"}
	for i := range 600 {
		r := httpd.NewRequest(route, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		r.Client = netip.AddrFrom4([4]byte{10, 0, byte(i / 256), byte(i % 256)})
		l.Observe(r, 429, 0, 0)
		l.Observe(r, 200, 0, 0)
	}
	clients, routes, total := l.Top(1000)
	if total != 600 || len(clients) != maxKeys+1 || routes[0] != (RateCount{"r", 600}) {
		t.Fatalf("total %d, %d clients, routes %v", total, len(clients), routes)
	}
	others := 0
	for _, c := range clients {
		if c.Key == othersKey {
			others = c.Count
		}
	}
	if others != 600-maxKeys {
		t.Fatalf("others %d", others)
	}
	now = now.Add(59 * time.Minute)
	if _, _, total := l.Top(10); total != 600 {
		t.Fatalf("after 59 min: %d", total)
	}
	now = now.Add(2 * time.Minute)
	if _, _, total := l.Top(10); total != 0 {
		t.Fatalf("after 61 min: %d", total)
	}
}
