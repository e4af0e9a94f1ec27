package audit

import (
	"fmt"
	"time"
)

// Identical denials are aggregated: a client hammering a refused call must
// not grow the trail by one row per call. Denials with the same user (and
// real user), model, operation, reason, route and client address are one
// series. The first denial of a series is written as usual; the identical
// ones within DenyWindow after it are only counted, and one entry with
// their count (Entry.Count) is written when the window ends (or at
// Flush/Close). So N identical denials in one window are two entries
// whose counts add up to N, and a steady flood costs two rows per window.
// A denial refused for another reason, by another user or on another
// model starts its own series.

// DefaultDenyWindow is the default aggregation window.
const DefaultDenyWindow = 10 * time.Second

// maxSeries bounds the open series: past it every series is written out
// (memory stays bounded under a flood of different denials).
const maxSeries = 10_000

type denyKey struct {
	user, real           int64
	model, detail, route string
	client, op           string
}

type denySeries struct {
	start, last time.Time
	count       int64 // identical denials after the first, not written yet
	proto       Entry
	ids         []int64
}

func keyOf(e *Entry) denyKey {
	return denyKey{user: e.UserID, real: e.RealUserID, model: e.Model, detail: e.Detail, route: e.Route,
		client: e.ClientIP, op: string(e.Op)}
}

// admit reports whether the denial e is to be written now; false means it
// was counted in its series. The caller stamped e.
func (t *Trail) admit(e *Entry) bool {
	if t.denyWindow <= 0 || e.Op != OpDenied {
		return true
	}
	k := keyOf(e)
	var out []Entry
	t.aggMu.Lock()
	s := t.series[k]
	switch {
	case s != nil && e.Time.Sub(s.start) < t.denyWindow && !e.Time.Before(s.start):
		s.count++
		s.last = e.Time
		for _, id := range e.IDs {
			if len(s.ids) >= maxIDs {
				break
			}
			s.ids = append(s.ids, id)
		}
		t.aggMu.Unlock()
		return false
	case s != nil:
		if s.count > 0 {
			out = append(out, s.summary())
		}
		delete(t.series, k)
	}
	if len(t.series) >= maxSeries {
		out = append(out, t.takeSeries(time.Time{})...)
	}
	proto := *e
	proto.IDs = nil // the summary keeps the ids of the counted denials
	t.series[k] = &denySeries{start: e.Time, last: e.Time, proto: proto}
	t.aggMu.Unlock()
	for _, en := range out {
		t.Detached(en)
	}
	return true
}

func (s *denySeries) summary() Entry {
	e := s.proto
	e.ID = 0
	e.Time = s.last
	e.Count = s.count
	e.IDs = s.ids
	e.Changes = nil
	e.RequestID = ""
	e.Detail = fmt.Sprintf("%s [%d identical denials from %s to %s]", s.proto.Detail, s.count,
		s.start.UTC().Format(time.RFC3339), s.last.UTC().Format(time.RFC3339))
	return e
}

// takeSeries removes the series whose window ended before now (all when
// now is zero) and returns the summaries of those with uncounted
// denials. Call with aggMu held.
func (t *Trail) takeSeries(now time.Time) []Entry {
	var out []Entry
	for k, s := range t.series {
		if !now.IsZero() && now.Sub(s.start) < t.denyWindow {
			continue
		}
		if s.count > 0 {
			out = append(out, s.summary())
		}
		delete(t.series, k)
	}
	return out
}

// flushSeries writes the summaries of ended series (all when all).
func (t *Trail) flushSeries(all bool) {
	now := time.Time{}
	if !all {
		now = t.now()
	}
	t.aggMu.Lock()
	out := t.takeSeries(now)
	t.aggMu.Unlock()
	for _, e := range out {
		t.Detached(e)
	}
}

// aggregator writes ended series every window until done closes.
func (t *Trail) aggregator() {
	tick := time.NewTicker(t.denyWindow)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.flushSeries(false)
		case <-t.done:
			return
		}
	}
}
