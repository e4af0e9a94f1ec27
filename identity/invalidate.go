package identity

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/store"
)

// A credential change made on one instance (key revoked, password, active
// flag, login, groups, companies, session ended) must reach every other
// instance's credential cache within a second, not after CacheTTL. The
// instance that makes the change drops its own entries at once and
// publishes "drop user N" (or "drop all") on every Channel; each instance
// listens on them (Service.Run) and drops what it caches.
//
// While a channel is down, the instance cannot trust its cache for long:
// cached entries are forgotten and new ones live DegradedCacheTTL at
// most, until the channel is back (a warning when it goes down, an info
// line when it recovers; not one per retry).

// Channel carries invalidation messages between instances.
type Channel interface {
	// Name names the channel in logs ("postgres", "sqlite", "redis").
	Name() string
	// Publish sends msg to every instance listening (this one included).
	Publish(ctx context.Context, msg string) error
	// Listen calls ready once it receives, then deliver for each message,
	// until ctx ends or the channel breaks (the error is returned).
	Listen(ctx context.Context, ready func(), deliver func(msg string)) error
}

const (
	msgAll        = "all"
	channelName   = "rampart_credentials"
	listenRetry   = time.Second
	publishBudget = 2 * time.Second
)

func msgUser(uid int64) string { return "u:" + strconv.FormatInt(uid, 10) }

// invalidator fans messages out and tracks whether every channel is up.
type invalidator struct {
	s        *Service
	channels []Channel
	// down counts channels not (yet) listening while Run listens; the cache
	// runs on the short TTL while it is non-zero.
	down    atomic.Int32
	running atomic.Bool
	mu      sync.Mutex
	warned  map[string]bool // channel name → outage already logged
}

// DefaultChannel is the database's own channel: LISTEN/NOTIFY on
// PostgreSQL, a change table polled every PollInterval on SQLite (the CLI
// and the server share the file, not a socket).
func DefaultChannel(db *store.DB) Channel {
	if db.Dialect.Name() == "postgres" {
		return pgChannel{db}
	}
	return &tableChannel{db: db, every: 200 * time.Millisecond}
}

// publish sends msg on every channel; failures are logged (the listeners'
// caches then age out on their TTL).
func (v *invalidator) publish(ctx context.Context, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishBudget)
	defer cancel()
	for _, c := range v.channels {
		if err := c.Publish(ctx, msg); err != nil {
			v.s.log.Warn("identity: credential change not published; other instances notice it within their cache TTL",
				"channel", c.Name(), "err", err)
		}
	}
}

func (v *invalidator) deliver(msg string) {
	if msg == msgAll {
		v.s.cache.clear()
		v.s.resetPublic()
		return
	}
	if uid, err := strconv.ParseInt(msg[min(2, len(msg)):], 10, 64); err == nil && len(msg) > 2 && msg[:2] == "u:" {
		v.s.cache.dropUser(uid)
		v.s.resetPublic()
	}
}

// run listens on every channel until ctx ends, reconnecting after a
// failure. Until a channel listens, and while it is down, the cache runs
// on the short TTL and is emptied when it goes down and comes back
// (messages may have been missed in between).
func (v *invalidator) run(ctx context.Context) {
	if !v.running.CompareAndSwap(false, true) {
		return
	}
	defer v.running.Store(false)
	v.down.Store(int32(len(v.channels)))
	v.s.cache.setDegraded(len(v.channels) > 0)
	var wg sync.WaitGroup
	for _, c := range v.channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.listen(ctx, c)
		}()
	}
	wg.Wait()
	v.s.cache.setDegraded(false)
}

func (v *invalidator) listen(ctx context.Context, c Channel) {
	for ctx.Err() == nil {
		up := false
		err := c.Listen(ctx, func() {
			up = true
			v.s.cache.clear() // anything cached while down may be stale
			if v.down.Add(-1) == 0 {
				v.s.cache.setDegraded(false)
			}
			v.recovered(c)
		}, v.deliver)
		if ctx.Err() != nil {
			return
		}
		if up {
			v.down.Add(1)
			v.s.cache.setDegraded(true)
			v.s.cache.clear()
		}
		v.failed(c, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

func (v *invalidator) failed(c Channel, err error) {
	v.mu.Lock()
	first := !v.warned[c.Name()]
	v.warned[c.Name()] = true
	v.mu.Unlock()
	if first {
		v.s.log.Warn("identity: credential-change channel down; cached credentials now expire after "+v.s.cfg.DegradedCacheTTL.String(),
			"channel", c.Name(), "err", err)
	}
}

func (v *invalidator) recovered(c Channel) {
	v.mu.Lock()
	was := v.warned[c.Name()]
	delete(v.warned, c.Name())
	v.mu.Unlock()
	if was {
		v.s.log.Info("identity: credential-change channel back", "channel", c.Name())
	}
}

func (v *invalidator) close() error {
	var err error
	for _, c := range v.channels {
		if cl, ok := c.(io.Closer); ok {
			err = errors.Join(err, cl.Close())
		}
	}
	return err
}

// ChannelsUp reports whether Run listens on every credential-change
// channel: false before Run, and while one is down (the cache then runs
// on DegradedCacheTTL). Readiness reports it.
func (s *Service) ChannelsUp() bool { return s.inval.running.Load() && s.inval.down.Load() == 0 }

// pgChannel is PostgreSQL LISTEN/NOTIFY on the service's database.
type pgChannel struct{ db *store.DB }

func (pgChannel) Name() string { return "postgres" }
func (c pgChannel) Publish(ctx context.Context, msg string) error {
	return c.db.Notify(ctx, channelName, msg)
}
func (c pgChannel) Listen(ctx context.Context, ready func(), deliver func(string)) error {
	return c.db.Listen(ctx, channelName, ready, deliver)
}

// tableChannel is a change log table polled by id: SQLite has no
// notifications, and the CLI writing to the server's file is another
// process. One indexed read per interval per instance.
type tableChannel struct {
	db    *store.DB
	every time.Duration
}

func (*tableChannel) Name() string { return "sqlite" }

func (c *tableChannel) Publish(ctx context.Context, msg string) error {
	return c.db.Write(ctx, func(tx *store.Tx) error {
		now := time.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO rampart_cred_changes (msg, at) VALUES (?, ?)`, msg, now.UnixMilli()); err != nil {
			return err
		}
		// Keep an hour: a listener further behind than that reconnects
		// and empties its cache anyway.
		_, err := tx.Exec(ctx, `DELETE FROM rampart_cred_changes WHERE at < ?`, now.Add(-time.Hour).UnixMilli())
		return err
	})
}

func (c *tableChannel) Listen(ctx context.Context, ready func(), deliver func(string)) error {
	var last int64
	err := c.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM rampart_cred_changes`).Scan(&last)
	})
	if err != nil {
		return err
	}
	ready()
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var msgs []string
		err := c.db.Read(ctx, func(tx *store.Tx) error {
			msgs = msgs[:0]
			rows, err := tx.Query(ctx, `SELECT id, msg FROM rampart_cred_changes WHERE id > ? ORDER BY id`, last)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var m string
				if err := rows.Scan(&last, &m); err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
			return rows.Err()
		})
		if err != nil {
			return err
		}
		for _, m := range msgs {
			deliver(m)
		}
	}
}
