package audit

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/rampart/rampart/store"
)

func fsSub() (fs.FS, error) { return fs.Sub(migrationFS, "migrations") }

// Detached records e outside the caller's transaction, which is about to
// roll back (an access denial). It never blocks the caller.
//
// Why not just db.Write: on SQLite there is exactly one writer connection,
// and the refused request may be holding it in its own open transaction;
// a synchronous second write transaction would wait for a connection that
// is only released after we return. So entries are queued and a
// background goroutine writes them as soon as the writer is free. Flush
// waits for the queue to empty (tests, shutdown). The queue is bounded
// (Options.MaxPending; with the batch being written, at most twice that
// in memory): an entry that finds it full is logged and counted as
// dropped, never waited for.
func (t *Trail) Detached(e Entry) {
	t.stamp(&e)
	if e.Count == 0 && !t.admit(&e) {
		return // counted in its series of identical denials
	}
	capIDs(&e)
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		t.logLost(e, nil)
		return
	}
	if len(t.pending) >= t.maxPending {
		t.dropped++
		t.mu.Unlock()
		t.logLost(e, errQueueFull)
		if t.onDrop != nil {
			t.onDrop()
		}
		return
	}
	t.pending = append(t.pending, e)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *Trail) drain() {
	for {
		select {
		case <-t.wake:
		case <-t.done:
			t.writePending()
			return
		}
		t.writePending()
	}
}

func (t *Trail) writePending() {
	t.mu.Lock()
	batch := t.pending
	t.pending = nil
	t.busy = len(batch) > 0
	t.mu.Unlock()
	if len(batch) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := t.db.Write(ctx, func(tx *store.Tx) error {
			for _, e := range batch {
				if err := t.insert(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		cancel()
		if err != nil {
			for _, e := range batch {
				t.logLost(e, err)
			}
		}
	}
	t.mu.Lock()
	t.busy = false
	if len(t.pending) == 0 {
		t.idle.Broadcast()
	}
	t.mu.Unlock()
}

// errQueueFull is why an entry dropped at a full queue was lost.
var errQueueFull = errors.New("detached audit queue full")

// Dropped is how many detached entries were refused because the queue
// was full.
func (t *Trail) Dropped() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// logLost puts an entry that could not be stored into the log, so that it
// is at least not silently gone.
func (t *Trail) logLost(e Entry, err error) {
	t.log.Error("audit entry not stored", "err", err, "op", e.Op, "user", e.UserID,
		"model", e.Model, "ids", e.IDs, "request_id", e.RequestID, "detail", e.Detail)
}

// Flush writes the counts of open series of identical denials and waits
// until every detached entry queued so far is written.
func (t *Trail) Flush() {
	t.flushSeries(true)
	select {
	case t.wake <- struct{}{}:
	default:
	}
	t.mu.Lock()
	for len(t.pending) > 0 || t.busy {
		t.idle.Wait()
	}
	t.mu.Unlock()
}

// Close writes the queued detached entries and stops the background writer.
// Entries detached after Close are only logged.
func (t *Trail) Close() error {
	t.mu.Lock()
	if t.stopped || t.closing {
		t.mu.Unlock()
		return nil
	}
	t.closing = true
	t.mu.Unlock()
	t.flushSeries(true) // before stopped: the summaries go through the queue
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
	close(t.done)
	t.Flush()
	t.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.seal(ctx); err != nil {
		t.log.Error("audit: entries left unlinked at shutdown; verify will report them", "err", err)
	}
	if t.key != nil {
		t.checkpointLogged(t.key)
	}
	return nil
}

// Sync writes the detached entries and links (SQLite) every entry written
// so far, so that no background commit of the trail is pending: tests
// that make the next commit fail use it first.
func (t *Trail) Sync(ctx context.Context) error {
	t.Flush()
	return t.seal(ctx)
}
