// Package audit is rampart's append-only audit trail: one entry per
// create, write and unlink, per sudo use, per access denial and per
// authentication event (login, failed login, logout, API key created or
// revoked).
//
// Changes are recorded in the same transaction as the change itself (the
// ORM calls Trail.Record, the orm.Auditor, with its transaction), so a
// rolled-back change leaves no entry and a committed change always has
// one. Denials and sudo reads are the exception: the refused request rolls
// back, yet the refusal must stay on record, so the ORM buffers them and
// hands them to Record in a short transaction of its own after the
// request's transaction ended. Authentication events (identity.EventSink)
// arrive outside any transaction and are queued (Trail.Detached) so that a
// login never waits on the trail.
//
// The table can only grow: the package has no update or delete API, and on
// both databases triggers refuse UPDATE and DELETE of audit rows.
// Reading the trail (Tail, Search) is for administrators: the CLI and the
// admin endpoints check base.group_system before calling it.
package audit

import (
	"context"
	"crypto/ed25519"
	"embed"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart/rampart/store"
)

// Op is the kind of an audit entry.
type Op string

// The audit operations.
const (
	OpCreate     Op = "create"
	OpWrite      Op = "write"
	OpUnlink     Op = "unlink"
	OpSudo       Op = "sudo"   // an operation run under Env.Sudo(reason)
	OpDenied     Op = "denied" // an ACL, record-rule or field-group refusal
	OpLogin      Op = "login"
	OpLoginFail  Op = "login_failed"
	OpLogout     Op = "logout"
	OpKeyCreated Op = "key_created"
	OpKeyRevoked Op = "key_revoked"
	// Further identity events, recorded under identity's names.
	OpLoginThrottled Op = "login_throttled"
	OpSessionEnded   Op = "session_ended"
	OpPasswordChange Op = "password_changed"
	OpUserDisabled   Op = "user_disabled"
	OpUserEnabled    Op = "user_enabled"
	// Two-factor authentication (identity/twofactor.go).
	OpTwoFactorEnrolled  Op = "2fa_enrolled"
	OpTwoFactorDisabled  Op = "2fa_disabled"
	OpTwoFactorFailed    Op = "2fa_code_failed"
	OpRecoveryCodeUsed   Op = "2fa_recovery_code_used"
	OpTwoFactorGroupRule Op = "2fa_group_requirement"
)

// Ops lists every operation, for validating search filters. It returns a
// new slice: the list itself cannot be changed by a caller.
func Ops() []Op {
	return []Op{OpCreate, OpWrite, OpUnlink, OpSudo, OpDenied, OpLogin, OpLoginFail, OpLogout, OpKeyCreated, OpKeyRevoked,
		OpLoginThrottled, OpSessionEnded, OpPasswordChange, OpUserDisabled, OpUserEnabled,
		OpTwoFactorEnrolled, OpTwoFactorDisabled, OpTwoFactorFailed, OpRecoveryCodeUsed, OpTwoFactorGroupRule, OpArchive}
}

// Entry is one audit record.
type Entry struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	// UserID is the user the operation acted as; Login its login when
	// known. RealUserID is the authenticated user behind it: it differs
	// from UserID after with_user, and is what a sudo entry is blamed on.
	UserID     int64  `json:"user_id"`
	Login      string `json:"login,omitempty"`
	RealUserID int64  `json:"real_user_id"`
	Op         Op     `json:"op"`
	Model      string `json:"model,omitempty"`
	// IDs are the records concerned; Fields the field names a write or
	// create set (never their values: the trail must not become a copy of
	// the data it protects).
	IDs    []int64  `json:"ids,omitempty"`
	Fields []string `json:"fields,omitempty"`
	// Reason is the sudo reason.
	Reason    string `json:"reason,omitempty"`
	Route     string `json:"route,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
	// Detail is a short free text: the refused operation, the failed
	// login's cause class, the key name. Never a secret.
	Detail string `json:"detail,omitempty"`
	// Changes are the old -> new values of a create or write (changes.go,
	// docs/audit.md); nil for other entries.
	Changes Changes `json:"changes,omitempty"`
	// Count is how many identical denials the entry stands for when more
	// than one (aggregate.go); 0 means one.
	Count int64 `json:"count,omitempty"`
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the "audit" component's schema, for store.DB.Migrate.
func Migrations() (store.MigrationSet, error) {
	sub, err := fsSub()
	if err != nil {
		return store.MigrationSet{}, err
	}
	return store.LoadMigrations("audit", sub)
}

// Trail writes and reads the audit table.
type Trail struct {
	db  *store.DB
	log *slog.Logger
	now func() time.Time

	// detached entries (denials) waiting for their own transaction; see
	// Detached for why SQLite cannot write them synchronously.
	mu      sync.Mutex
	pending []Entry
	wake    chan struct{}
	idle    *sync.Cond
	busy    bool
	done    chan struct{}
	stopped bool
	closing bool // Close has begun
	// maxPending bounds the queue: a flood of denials while the writer is
	// slow or the database down must not grow memory without limit.
	maxPending int
	dropped    uint64 // entries refused because the queue was full
	onDrop     func()

	reqInfo func(context.Context) (RequestInfo, bool)

	key ed25519.PrivateKey // checkpoint signing key (nil: no checkpoints)
	wg  sync.WaitGroup     // the checkpoint and sealer goroutines

	// denial aggregation (aggregate.go)
	denyWindow time.Duration
	aggMu      sync.Mutex
	series     map[denyKey]*denySeries

	chainMu  sync.Mutex
	unsealed []int64    // SQLite entries inserted, not linked yet (chain.go)
	sealMu   sync.Mutex // one seal at a time
}

// Options configure a Trail. Zero values pick defaults.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxPending bounds the detached queue (default DefaultMaxPending).
	// An entry that finds it full is dropped: logged, counted (Dropped)
	// and reported to OnDrop.
	MaxPending int
	// OnDrop, when set, is called once per dropped entry (a metric).
	OnDrop func()
	// SigningKey, when set, signs checkpoints of the hash chain every
	// CheckpointEvery (default 10m) and at Close (see chain.go).
	SigningKey      ed25519.PrivateKey
	CheckpointEvery time.Duration
	// RequestInfo, when set, tells what the transport knows of the
	// request behind an Env's context (package audithttp's for httpd).
	RequestInfo func(ctx context.Context) (RequestInfo, bool)
	// DenyWindow is how long identical denials are aggregated into one
	// entry with a count (default DefaultDenyWindow; negative: never).
	DenyWindow time.Duration
}

// RequestInfo is what the transport knows of the request behind a change
// or a denial.
type RequestInfo struct {
	ClientIP string
	// RealUserID is the user who authenticated (0: the Env's user).
	RealUserID int64
}

// DefaultMaxPending is the detached queue's default bound: far more than
// a healthy writer ever has waiting, small enough to be harmless memory.
const DefaultMaxPending = 10_000

// New returns a Trail on db. Call Close when done to flush detached entries.
func New(db *store.DB, opt Options) *Trail {
	t := &Trail{db: db, log: opt.Logger, now: opt.Now, maxPending: opt.MaxPending, onDrop: opt.OnDrop,
		wake: make(chan struct{}, 1), done: make(chan struct{}), reqInfo: opt.RequestInfo}
	if t.maxPending <= 0 {
		t.maxPending = DefaultMaxPending
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.now == nil {
		t.now = time.Now
	}
	t.idle = sync.NewCond(&t.mu)
	t.denyWindow, t.series = opt.DenyWindow, map[denyKey]*denySeries{}
	if t.denyWindow == 0 {
		t.denyWindow = DefaultDenyWindow
	}
	go t.drain()
	if t.denyWindow > 0 {
		t.wg.Add(1)
		go func() { defer t.wg.Done(); t.aggregator() }()
	}
	if opt.SigningKey != nil {
		t.key = opt.SigningKey
		every := opt.CheckpointEvery
		if every <= 0 {
			every = 10 * time.Minute
		}
		t.wg.Add(1)
		go func() { defer t.wg.Done(); t.checkpoints(opt.SigningKey, every) }()
	}
	if db.Dialect.Name() != "postgres" {
		t.wg.Add(1)
		go func() { defer t.wg.Done(); t.sealer() }()
	}
	return t
}

// DB is the trail's database.
func (t *Trail) DB() *store.DB { return t.db }

func (t *Trail) stamp(e *Entry) {
	if e.Time.IsZero() {
		e.Time = t.now()
	}
	e.Time = e.Time.UTC()
	if e.RealUserID == 0 {
		e.RealUserID = e.UserID
	}
}

// Append records e inside tx, the transaction of the change it describes.
// If tx rolls back, the entry goes with it. Passing a read-only transaction
// is a programming error.
func (t *Trail) Append(ctx context.Context, tx *store.Tx, e Entry) error {
	t.stamp(&e)
	return t.insert(ctx, tx, e)
}

// Write records e in a transaction of its own, synchronously: for events
// that are not part of a data change (auth events) and happen when the
// caller holds no write transaction.
func (t *Trail) Write(ctx context.Context, e Entry) error {
	t.stamp(&e)
	return t.db.Write(ctx, func(tx *store.Tx) error { return t.insert(ctx, tx, e) })
}
