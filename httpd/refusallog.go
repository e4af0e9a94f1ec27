package httpd

import (
	"context"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Requests refused by a rate limit (429) are not written to the access
// log one line each: under overload that is most of the traffic (10 s
// of it once wrote 37 MB). They are counted per client and written as one
// summary line per client per interval ("rate limit refusals", with the
// count and the policies that refused); the exact counts are in the
// metrics (rampart_ratelimit_refused_total{policy} and the 429s of
// rampart_http_requests_total). A refused request is still logged at
// DEBUG, which a production level drops at no cost.

// RefusalLogInterval is the default length of a summary interval.
const RefusalLogInterval = 10 * time.Second

// maxRefusalClients bounds the clients with a line of their own per
// interval; refusals of further clients are summed under client "other",
// so a flood from many addresses still writes a bounded number of lines.
const maxRefusalClients = 1000

// What refused, as it appears in a summary's policies: the pre-auth
// limit (per client address), the post-auth limit (the policy the request
// names, or "post_auth" for the caller's default policy, which the
// limiter picks by the kind of caller), or a 429 from inside the handler
// (login throttling). The metrics have the limiter's exact policy names.
const (
	refusedPreAuth  = "pre_auth"
	refusedPostAuth = "post_auth"
	refusedHandler  = "handler"
	refusalOtherKey = "other"
)

type refusalCount struct {
	n        int64
	policies map[string]int64
	route    string // the last refused route
}

// refusalLog is the aggregation; its zero value is ready (Server holds
// one by value).
type refusalLog struct {
	mu      sync.Mutex
	start   time.Time // of the current interval; zero when nothing is pending
	clients map[netip.Addr]*refusalCount
	other   *refusalCount
	// due is the current interval's end in Unix nanoseconds, 0 when
	// nothing is pending: the access log checks it with one atomic load.
	due atomic.Int64
}

func (s *Server) refusalInterval() time.Duration {
	if s.cfg.RefusalLogInterval > 0 {
		return s.cfg.RefusalLogInterval
	}
	return RefusalLogInterval
}

// countRefusal adds one refused request of client under policy.
func (s *Server) countRefusal(client netip.Addr, policy, route string) {
	rl := &s.refusals
	now := s.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if !rl.start.IsZero() && now.Sub(rl.start) >= s.refusalInterval() {
		s.flushLocked(now)
	}
	if rl.start.IsZero() {
		rl.start = now
		rl.clients = map[netip.Addr]*refusalCount{}
		rl.due.Store(now.Add(s.refusalInterval()).UnixNano())
	}
	c := rl.clients[client]
	if c == nil {
		if len(rl.clients) < maxRefusalClients {
			c = &refusalCount{policies: map[string]int64{}}
			rl.clients[client] = c
		} else {
			if rl.other == nil {
				rl.other = &refusalCount{policies: map[string]int64{}}
			}
			c = rl.other
		}
	}
	c.n++
	c.policies[policy]++
	c.route = route
}

// flushRefusalsIfDue writes the summaries of an interval that has ended.
// It costs one atomic load when nothing is pending.
func (s *Server) flushRefusalsIfDue() {
	due := s.refusals.due.Load()
	if due == 0 {
		return
	}
	now := s.now()
	if now.UnixNano() < due {
		return
	}
	s.refusals.mu.Lock()
	defer s.refusals.mu.Unlock()
	if !s.refusals.start.IsZero() && now.Sub(s.refusals.start) >= s.refusalInterval() {
		s.flushLocked(now)
	}
}

// FlushRefusals writes the pending rate-limit refusal summaries now
// (at shutdown, and in tests).
func (s *Server) FlushRefusals() {
	s.refusals.mu.Lock()
	defer s.refusals.mu.Unlock()
	s.flushLocked(s.now())
}

func (s *Server) flushLocked(now time.Time) {
	rl := &s.refusals
	if rl.start.IsZero() {
		return
	}
	type line struct {
		client string
		c      *refusalCount
	}
	lines := make([]line, 0, len(rl.clients)+1)
	for a, c := range rl.clients {
		lines = append(lines, line{a.String(), c})
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].client < lines[j].client })
	if rl.other != nil {
		lines = append(lines, line{refusalOtherKey, rl.other})
	}
	for _, l := range lines {
		s.log.LogAttrs(context.Background(), slog.LevelWarn, "rate limit refusals",
			slog.String("client_ip", l.client),
			slog.Int64("count", l.c.n),
			slog.Any("policies", l.c.policies),
			slog.String("last_route", l.c.route),
			slog.Time("first", rl.start),
			slog.Duration("interval", now.Sub(rl.start)),
		)
	}
	rl.start, rl.clients, rl.other = time.Time{}, nil, nil
	rl.due.Store(0)
}

// runRefusalLog flushes ended intervals while the server runs, so that
// the last one is written even when the refused traffic stops, and
// everything pending when ctx ends.
func (s *Server) runRefusalLog(ctx context.Context) {
	t := time.NewTicker(s.refusalInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.FlushRefusals()
			return
		case <-t.C:
			s.flushRefusalsIfDue()
		}
	}
}
