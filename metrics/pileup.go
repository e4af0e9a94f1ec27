package metrics

import (
	"strings"
	"sync"
	"time"
)

// PileUpOptions configure the failed-authentication detector.
type PileUpOptions struct {
	// Threshold is how many failures from one IP, or against one login,
	// within Window raise the alarm (default 10).
	Threshold int
	// Window is the counting window, starting at a key's first failure
	// (default 5 min).
	Window time.Duration
	// MaxTracked bounds the number of IPs and logins followed at once
	// (default 10,000); past it the oldest windows are dropped first.
	MaxTracked int
}

// Kinds of pile-up, used as the metric's "kind" label.
const (
	kindIP    = "ip"
	kindLogin = "login"
)

// pileUp counts failures per key in fixed windows. It warns once per
// window, when the count reaches the threshold, not on every failure
// after it. Memory is bounded by MaxTracked entries of a few dozen bytes
// plus the key (logins are cut to 64 bytes).
type pileUp struct {
	mu        sync.Mutex
	threshold int
	window    time.Duration
	max       int
	now       func() time.Time
	entries   map[string]pileEntry
}

type pileEntry struct {
	start time.Time
	count int
}

// maxPileKey bounds a tracked login; a hostile "login" of a megabyte must
// not cost a megabyte.
const maxPileKey = 64

// pileSample is how many entries a full table inspects to pick a victim.
const pileSample = 16

func newPileUp(o PileUpOptions, now func() time.Time) *pileUp {
	if o.Threshold <= 0 {
		o.Threshold = 10
	}
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.MaxTracked <= 0 {
		o.MaxTracked = 10_000
	}
	return &pileUp{threshold: o.Threshold, window: o.Window, max: o.MaxTracked, now: now, entries: map[string]pileEntry{}}
}

// fail records one failure for key and reports whether it is the one that
// reaches the threshold in the key's current window.
func (p *pileUp) fail(key string) (fire bool, start time.Time) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[key]
	if !ok && len(p.entries) >= p.max {
		p.evict(now)
	}
	if !ok || now.Sub(e.start) >= p.window {
		e = pileEntry{start: now}
	}
	e.count++
	p.entries[key] = e
	return e.count == p.threshold, e.start
}

// evict frees one slot: expired windows among a sample first, else the
// oldest window sampled. The caller holds p.mu.
func (p *pileUp) evict(now time.Time) {
	var victim string
	var oldest time.Time
	seen, freed := 0, false
	for k, e := range p.entries { // map iteration starts at a random entry
		if now.Sub(e.start) >= p.window {
			delete(p.entries, k)
			freed = true
		} else if seen == 0 || e.start.Before(oldest) {
			victim, oldest = k, e.start
		}
		if seen++; seen >= pileSample {
			break
		}
	}
	if !freed && seen > 0 {
		delete(p.entries, victim)
	}
}

// tracked is the number of keys followed (for tests).
func (p *pileUp) tracked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// pileUpCheck feeds one failure to the detector and, when a key reaches
// the threshold, logs one warning and counts one pile-up.
func (m *Metrics) pileUpCheck(kind, who string) {
	if kind == kindLogin {
		// Count "Admin" and "admin" together: over-grouping only makes
		// the alarm more sensitive.
		who = strings.ToLower(who)
	}
	who = clean(who)
	if len(who) > maxPileKey {
		who = who[:maxPileKey]
	}
	fire, start := m.pile.fail(kind + ":" + who)
	if !fire {
		return
	}
	m.pileUps.WithLabelValues(kind).Inc()
	m.log.Warn("authentication failures piling up",
		"kind", kind, kind, who,
		"failures", m.pile.threshold, "since", start, "window", m.pile.window)
}
