package identity

import (
	"testing"
	"time"

	"github.com/rampart/rampart/principal"
)

func TestCredCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newCredCache(30*time.Second, 3)
	key := func(b byte) cacheKey { return cacheKey{b} }
	entry := func(uid, keyID int64, expires time.Time) *credEntry {
		return &credEntry{p: &principal.Principal{UserID: uid}, keyID: keyID, expires: expires}
	}
	c.put(key(1), entry(1, 10, time.Time{}), now)
	c.put(key(2), entry(1, 11, now.Add(5*time.Second)), now) // the credential expires first
	c.put(key(3), entry(2, 12, time.Time{}), now)
	if c.get(key(1), now.Add(29*time.Second)) == nil || c.get(key(1), now.Add(30*time.Second)) != nil {
		t.Fatal("TTL not applied")
	}
	if c.get(key(2), now.Add(5*time.Second)) != nil {
		t.Fatal("credential expiry not applied")
	}
	c.dropUserWhere(1, func(e *credEntry) bool { return e.keyID == 10 })
	if c.get(key(1), now) != nil || c.get(key(2), now) == nil {
		t.Fatal("dropUserWhere dropped the wrong entries")
	}
	c.dropUser(1)
	if c.get(key(2), now) != nil || c.get(key(3), now) == nil {
		t.Fatal("dropUser")
	}
	// Full: expired entries go first, then everything.
	c.put(key(4), entry(3, 0, time.Time{}), now)
	c.put(key(5), entry(3, 0, time.Time{}), now)
	c.put(key(6), entry(4, 0, time.Time{}), now.Add(time.Minute)) // key 3..5 expired by then
	if c.get(key(6), now.Add(time.Minute)) == nil || len(c.m) != 1 {
		t.Fatalf("eviction left %d entries", len(c.m))
	}
	off := newCredCache(-1, 10)
	off.put(key(1), entry(1, 0, time.Time{}), now)
	if off.get(key(1), now) != nil {
		t.Fatal("a disabled cache cached")
	}
}
