package access

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/principal"
)

// ruleCache memoizes combined rule domains per (user, groups, partner,
// companies, model, op) — Odoo's _compute_domain cache key plus what the
// Principal may change without a user id change. Because the user's group
// set is part of the key, a group change (which gives the user a new
// Principal) finds no stale entry. Entries remember the Set they were
// computed from, so a Replace can never serve a domain of old rules even
// if a put races with the clear.
type ruleCache struct {
	mu       sync.RWMutex
	m        map[string]cacheEntry
	max      int
	factsTTL time.Duration
}

type cacheEntry struct {
	set *Set
	d   domain.Node
	// until is when an entry that used database facts expires (zero: never).
	until time.Time
}

func newRuleCache(max int, factsTTL time.Duration) *ruleCache {
	return &ruleCache{m: map[string]cacheEntry{}, max: max, factsTTL: factsTTL}
}

func cacheKey(u *principal.Principal, model, op string, companies []int64) string {
	var b strings.Builder
	b.Grow(64 + 24*len(companies))
	if u != nil {
		b.WriteString(strconv.FormatInt(u.UserID, 10))
		b.WriteByte('/')
		b.WriteString(strconv.FormatInt(u.PartnerID, 10))
		b.WriteByte('/')
		b.WriteString(strconv.FormatInt(u.CompanyID, 10))
		b.WriteByte('/')
		b.WriteString(u.Login)
		b.WriteByte('/')
		for _, g := range u.GroupIDs {
			b.WriteString(strconv.FormatInt(g, 10))
			b.WriteByte(',')
		}
		b.WriteByte('/')
		for _, g := range u.GroupXMLIDs {
			b.WriteString(g)
			b.WriteByte(',')
		}
		b.WriteByte('/')
		for _, c := range u.CompanyIDs {
			b.WriteString(strconv.FormatInt(c, 10))
			b.WriteByte(',')
		}
	}
	b.WriteByte('|')
	for _, c := range companies {
		b.WriteString(strconv.FormatInt(c, 10))
		b.WriteByte(',')
	}
	b.WriteByte('|')
	b.WriteString(model)
	b.WriteByte('|')
	b.WriteString(op)
	return b.String()
}

func (c *ruleCache) get(key string, s *Set, now time.Time) (domain.Node, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.set != s || !e.until.IsZero() && now.After(e.until) {
		return nil, false
	}
	return e.d, true
}

func (c *ruleCache) put(key string, s *Set, d domain.Node, usedFacts bool, now time.Time) {
	e := cacheEntry{set: s, d: d}
	if usedFacts {
		e.until = now.Add(c.factsTTL)
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		// A full cache is rare (users × models × ops × company sets);
		// starting over is simpler than LRU bookkeeping and bounded.
		c.m = make(map[string]cacheEntry, c.max/4)
	}
	c.m[key] = e
	c.mu.Unlock()
}

func (c *ruleCache) clear() {
	c.mu.Lock()
	c.m = map[string]cacheEntry{}
	c.mu.Unlock()
}
