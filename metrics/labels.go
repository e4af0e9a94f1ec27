package metrics

import (
	"strings"
	"sync"
)

// otherLabel replaces label values past a labelSet's bound.
const otherLabel = "other"

// maxLabelLen bounds one label value, in bytes.
const maxLabelLen = 100

// labelSet admits at most max distinct values for one label. Series are
// never deleted, so an unbounded label is a memory leak; past the bound
// new values are folded into "other".
type labelSet struct {
	seen sync.Map // string → struct{}: lock-free on the hot path
	mu   sync.Mutex
	n    int
	max  int
}

func newLabelSet(max int) *labelSet { return &labelSet{max: max} }

// value returns v (cleaned) when it is known or there is room, else "other".
func (s *labelSet) value(v string) string {
	if _, ok := s.seen.Load(v); ok {
		return v
	}
	v = clean(v)
	if _, ok := s.seen.Load(v); ok {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen.Load(v); ok {
		return v
	}
	if s.n >= s.max {
		return otherLabel
	}
	s.n++
	s.seen.Store(v, struct{}{})
	return v
}

// clean makes v a valid, short label value: Prometheus refuses invalid
// UTF-8, and an empty value would read as a missing label.
func clean(v string) string {
	if len(v) > maxLabelLen {
		v = v[:maxLabelLen]
	}
	v = strings.ToValidUTF8(v, "?")
	if v == "" {
		return "none"
	}
	return v
}
