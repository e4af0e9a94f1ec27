package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// MemoryOptions tune a MemoryStore. Zero values take the defaults.
type MemoryOptions struct {
	// MaxKeys bounds the number of keys held (default 100,000). Each key
	// costs its length plus about 50 bytes.
	MaxKeys int
	// Shards is the number of independently locked maps (default 64).
	Shards int
	// SweepEvery is how often the janitor drops idle keys (default 1 min;
	// negative: no janitor, keys are then only dropped when a shard fills).
	SweepEvery time.Duration
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

// MemoryStore is a Store local to this process: a sharded map from key to
// TAT, bounded by MaxKeys. A key whose TAT has passed carries no
// information, so the janitor and inserts drop such keys first; when a
// full shard holds no idle key, the key with the oldest TAT among a small
// sample is evicted. Evicting a key only ever grants that key a fresh
// budget, and the keys hammered hardest have the largest TATs, so they
// are the last to go.
type MemoryStore struct {
	shards []memShard
	seed   maphash.Seed
	now    func() time.Time
	epoch  time.Time // times are kept as nanoseconds since epoch (monotonic)

	stop     chan struct{}
	done     sync.WaitGroup
	stopOnce sync.Once
}

type memShard struct {
	mu   sync.Mutex
	tats map[string]int64
	max  int
	_    [40]byte // keep neighbouring shards' locks off one cache line
}

// evictSample is how many entries a full shard inspects to pick a victim.
const evictSample = 16

// NewMemoryStore returns a store; Close stops its janitor.
func NewMemoryStore(opt MemoryOptions) *MemoryStore {
	if opt.MaxKeys <= 0 {
		opt.MaxKeys = 100_000
	}
	if opt.Shards <= 0 {
		opt.Shards = 64
	}
	opt.Shards = min(opt.Shards, opt.MaxKeys)
	if opt.SweepEvery == 0 {
		opt.SweepEvery = time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &MemoryStore{
		shards: make([]memShard, opt.Shards),
		seed:   maphash.MakeSeed(),
		now:    opt.Now,
		stop:   make(chan struct{}),
	}
	// Start the epoch a second back so that "now" is never 0, the value
	// that means "no TAT".
	m.epoch = opt.Now().Add(-time.Second)
	per := (opt.MaxKeys + opt.Shards - 1) / opt.Shards
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
		m.shards[i].max = per
	}
	if opt.SweepEvery > 0 {
		m.done.Add(1)
		go m.janitor(opt.SweepEvery)
	}
	return m
}

// Take implements Store. It never fails.
func (m *MemoryStore) Take(_ context.Context, key string, p Policy) (Decision, error) {
	now := int64(m.now().Sub(m.epoch))
	s := &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
	s.mu.Lock()
	tat, ok := s.tats[key]
	r := gcra(tat, now, int64(p.interval()), int64(p.tolerance()))
	if r.allowed {
		if !ok && len(s.tats) >= s.max {
			s.evict(now)
		}
		s.tats[key] = r.newTAT
	}
	s.mu.Unlock()
	return decision(p, r, time.Nanosecond), nil
}

// evict makes room for one key. The caller holds s.mu.
func (s *memShard) evict(now int64) {
	var victim string
	oldest, seen, freed := int64(0), 0, false
	for k, tat := range s.tats { // map iteration starts at a random entry
		if tat <= now {
			delete(s.tats, k)
			freed = true
		} else if seen == 0 || tat < oldest {
			victim, oldest = k, tat
		}
		if seen++; seen >= evictSample {
			break
		}
	}
	if !freed && seen > 0 {
		delete(s.tats, victim)
	}
}

// Len is the number of keys held.
func (m *MemoryStore) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// Sweep drops every idle key now. The janitor calls it periodically.
func (m *MemoryStore) Sweep() {
	now := int64(m.now().Sub(m.epoch))
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		for k, tat := range s.tats {
			if tat <= now {
				delete(s.tats, k)
			}
		}
		s.mu.Unlock()
	}
}

func (m *MemoryStore) janitor(every time.Duration) {
	defer m.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.Sweep()
		}
	}
}

// Close stops the janitor and waits for it. Take keeps working after Close.
func (m *MemoryStore) Close() error {
	m.stopOnce.Do(func() { close(m.stop) })
	m.done.Wait()
	return nil
}
