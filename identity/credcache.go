package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/principal"
)

// cacheKey identifies a cached credential: an HMAC of the secret under a
// per-process key, never the secret nor a plain digest of it.
type cacheKey [32]byte

func (s *Service) secretKey(kind byte, parts ...string) cacheKey {
	m := hmac.New(sha256.New, s.cacheKey)
	m.Write([]byte{kind})
	for _, p := range parts {
		// Length-prefix each part so that ("ab","c") ≠ ("a","bc").
		n := len(p)
		m.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		m.Write([]byte(p))
	}
	var k cacheKey
	m.Sum(k[:0])
	return k
}

// Cache entry kinds, mixed into the key.
const (
	kindSession  = 's'
	kindKey      = 'k'
	kindPassword = 'p'
)

// credEntry is a verified credential: who it authenticates and until when
// this instance trusts it without asking the database.
type credEntry struct {
	p       *principal.Principal // shared, read-only
	cv      int64                // credential version it was verified under
	sess    *sessionRow          // kindSession only
	keyID   int64                // kindKey (and a password that was a key)
	scopes  []string
	expires time.Time // min(now+TTL, the credential's own expiry)
}

// credCache is the verified-credential cache. Entries are dropped per user
// (credential changes), per key (revocation), per session (logout), or all
// at once (group definitions changed).
type credCache struct {
	ttl time.Duration
	max int
	// shortTTL replaces ttl while degraded: an invalidation channel is
	// down, so another instance's change is noticed only by expiry.
	shortTTL time.Duration
	degraded atomic.Bool

	mu     sync.RWMutex
	m      map[cacheKey]*credEntry
	byUser map[int64]map[cacheKey]struct{}
}

func newCredCache(ttl time.Duration, size int) *credCache {
	return &credCache{ttl: ttl, max: size, m: map[cacheKey]*credEntry{}, byUser: map[int64]map[cacheKey]struct{}{}}
}

func (c *credCache) get(k cacheKey, now time.Time) *credEntry {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e == nil || !now.Before(e.expires) {
		return nil
	}
	return e
}

func (c *credCache) put(k cacheKey, e *credEntry, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	ttl := c.ttl
	if c.degraded.Load() {
		ttl = min(ttl, c.shortTTL)
	}
	if limit := now.Add(ttl); e.expires.IsZero() || limit.Before(e.expires) {
		e.expires = limit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evictLocked(now)
	}
	uid := e.p.UserID
	c.m[k] = e
	if c.byUser[uid] == nil {
		c.byUser[uid] = map[cacheKey]struct{}{}
	}
	c.byUser[uid][k] = struct{}{}
}

// evictLocked drops expired entries, or everything when none has expired:
// a full cache of live entries is rare and a refill is only a lookup each.
func (c *credCache) evictLocked(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			c.removeLocked(k, e)
		}
	}
	if len(c.m) >= c.max {
		c.m = map[cacheKey]*credEntry{}
		c.byUser = map[int64]map[cacheKey]struct{}{}
	}
}

func (c *credCache) removeLocked(k cacheKey, e *credEntry) {
	delete(c.m, k)
	if ks := c.byUser[e.p.UserID]; ks != nil {
		delete(ks, k)
		if len(ks) == 0 {
			delete(c.byUser, e.p.UserID)
		}
	}
}

func (c *credCache) drop(k cacheKey) {
	c.mu.Lock()
	if e := c.m[k]; e != nil {
		c.removeLocked(k, e)
	}
	c.mu.Unlock()
}

func (c *credCache) dropUser(uid int64) {
	c.mu.Lock()
	for k := range c.byUser[uid] {
		delete(c.m, k)
	}
	delete(c.byUser, uid)
	c.mu.Unlock()
}

// dropUserWhere drops the entries of user uid that f selects: a logout or
// a revocation scans one user's entries, not the whole cache.
func (c *credCache) dropUserWhere(uid int64, f func(*credEntry) bool) {
	c.mu.Lock()
	for k := range c.byUser[uid] {
		if e := c.m[k]; e != nil && f(e) {
			c.removeLocked(k, e)
		}
	}
	c.mu.Unlock()
}

// dropWhere drops the entries f selects, scanning the whole cache; for the
// rare case where the owner is unknown.
func (c *credCache) dropWhere(f func(*credEntry) bool) {
	c.mu.Lock()
	for k, e := range c.m {
		if f(e) {
			c.removeLocked(k, e)
		}
	}
	c.mu.Unlock()
}

// setDegraded switches between the configured and the short TTL.
func (c *credCache) setDegraded(on bool) { c.degraded.Store(on) }

func (c *credCache) clear() {
	c.mu.Lock()
	c.m = map[cacheKey]*credEntry{}
	c.byUser = map[int64]map[cacheKey]struct{}{}
	c.mu.Unlock()
}
