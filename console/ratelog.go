package console

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/rampart/rampart/httpd"
)

// RateLog remembers the requests refused with 429 over the last hour, by
// client address and by route, for the console's rate-limits page. The
// limiter itself keeps only per-policy totals (Prometheus); this is the
// per-client/per-route view, taken where every answer passes (it is an
// httpd.Observer, chained before the metrics one). It is per instance.
//
// Memory is bounded: one bucket per minute, 60 buckets, each with at most
// maxKeys distinct clients and routes; refusals beyond that are counted
// under "(others)" so totals stay exact.
type RateLog struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets [60]rateBucket
}

type rateBucket struct {
	minute  int64 // Unix minute; a stale bucket is reset on use
	clients map[string]int
	routes  map[string]int
}

const (
	maxKeys   = 512
	othersKey = "(others)"
)

// NewRateLog returns an empty log; now nil means time.Now.
func NewRateLog(now func() time.Time) *RateLog {
	if now == nil {
		now = time.Now
	}
	return &RateLog{now: now}
}

// Wrap returns an observer that records into l and then calls next (nil:
// none).
func (l *RateLog) Wrap(next httpd.Observer) httpd.Observer { return chained{l, next} }

type chained struct {
	l    *RateLog
	next httpd.Observer
}

func (c chained) Observe(r *httpd.Request, status int, n int64, d time.Duration) {
	c.l.Observe(r, status, n, d)
	if c.next != nil {
		c.next.Observe(r, status, n, d)
	}
}

// Observe implements httpd.Observer: it counts 429 answers.
func (l *RateLog) Observe(r *httpd.Request, status int, _ int64, _ time.Duration) {
	if status != http.StatusTooManyRequests || r == nil {
		return
	}
	client := "unknown"
	if r.Client.IsValid() {
		client = r.Client.String()
	}
	route := "(no route)"
	if r.Route != nil {
		if route = r.Route.Name; route == "" {
			route = r.Route.Path
		}
	}
	m := l.now().Unix() / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &l.buckets[m%int64(len(l.buckets))]
	if b.minute != m || b.clients == nil {
		*b = rateBucket{minute: m, clients: map[string]int{}, routes: map[string]int{}}
	}
	bump(b.clients, client)
	bump(b.routes, route)
}

func bump(m map[string]int, k string) {
	if _, ok := m[k]; !ok && len(m) >= maxKeys {
		k = othersKey
	}
	m[k]++
}

// RateCount is one client's or route's refusals.
type RateCount struct {
	Key   string
	Count int
}

// Top returns the clients and routes refused most over the last hour
// (n each at most), and the total.
func (l *RateLog) Top(n int) (clients, routes []RateCount, total int) {
	now := l.now().Unix() / 60
	cs, rs := map[string]int{}, map[string]int{}
	l.mu.Lock()
	for _, b := range l.buckets {
		if b.clients == nil || now-b.minute >= int64(len(l.buckets)) || b.minute > now {
			continue
		}
		for k, v := range b.clients {
			cs[k] += v
			total += v
		}
		for k, v := range b.routes {
			rs[k] += v
		}
	}
	l.mu.Unlock()
	return top(cs, n), top(rs, n), total
}

func top(m map[string]int, n int) []RateCount {
	out := make([]RateCount, 0, len(m))
	for k, v := range m {
		out = append(out, RateCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

type rateData struct {
	Clients, Routes []RateCount
	Total           int
	Available       bool
}

// adminRateLimits shows the top refused clients and routes of the hour.
func (c *Console) adminRateLimits(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	d := rateData{Available: c.o.RateLog != nil}
	if d.Available {
		d.Clients, d.Routes, d.Total = c.o.RateLog.Top(20)
	}
	return c.render(r, http.StatusOK, "ratelimits", view{Title: "Rate limits", Nav: "ratelimits", Data: d})
}
