package odoorpc

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// DefaultDB is the database name rampart answers to when none is configured.
const DefaultDB = "rampart"

// Deps is everything the endpoints need; Routes takes it whole so that
// nothing is global. Identity is required; the rest defaults. httpd
// authenticates every call (the legacy RPC routes are auth=call), limits
// its rate and opens and finishes its Env.
type Deps struct {
	// DB is the one database name served (default "rampart"). Requests
	// that name another database are refused as Odoo refuses a database
	// its dbfilter hides.
	DB string
	// Identity checks credentials and manages API keys.
	Identity Identity
	// Sessions logs browsers in and out for /web/session/*. When nil,
	// those endpoints answer AccessDenied.
	Sessions WebSessions
	// Data adapts an Env to the model operations the services call. nil
	// means the ORM itself (ORMData); tests substitute fakes.
	Data func(*orm.Env) Data
	// Methods holds the methods apps made public, besides the built-ins.
	Methods *Methods
	// ScopeAllows reports whether API-key scopes allow op on model
	// (identity.ScopeAllows). nil allows only the "rpc" scope (Odoo's
	// global key) for callers that used a key.
	ScopeAllows func(scopes []string, model, op string) bool
	// ListDB answers db.list and /web/database/list; false refuses them
	// with AccessDenied, as Odoo's list_db=False.
	ListDB bool
	// XMLLimits bound XML-RPC request decoding (zero: the codec defaults;
	// MaxBytes defaults to PreAuthMaxBody).
	XMLLimits XMLLimits
	// PreAuthMaxBody bounds the bodies read before authentication: the
	// XML-RPC and /jsonrpc calls (credentials inside) and
	// /web/session/authenticate (default DefaultPreAuthMaxBody).
	PreAuthMaxBody int64
	Log            *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultPreAuthMaxBody is the largest body read before authentication
// (config rpc.max_body).
const DefaultPreAuthMaxBody = 1 << 20

// XMLLimits mirrors xmlrpc.Limits so that callers configuring Deps need
// not import the codec.
type XMLLimits struct {
	MaxBytes  int64
	MaxDepth  int
	MaxValues int
	MaxString int
}

// Identity is what the services need from package identity;
// *identity.Service implements it. Wrong
// credentials are *errs.Error of kind AccessDenied; no method reveals
// whether the login or the secret was wrong.
type Identity interface {
	// LoginRPC checks a login and a password for a non-interactive RPC
	// call: an API key (global or scope "rpc") of that user is accepted as
	// the password, as Odoo's common.authenticate. It returns the uid.
	LoginRPC(ctx context.Context, login, secret string, client netip.Addr) (int64, error)
	// User is the user record, for session_info and context_get.
	User(ctx context.Context, uid int64) (*identity.User, error)
	// GenerateKey is res.users.apikeys.generate (Odoo 19.x semantics): key
	// must be a valid key of p's user; it returns the new key.
	GenerateKey(ctx context.Context, p *principal.Principal, key, scope, name string, expires *time.Time, client netip.Addr) (string, error)
	// RevokeKey is res.users.apikeys.revoke: not found is AccessDenied.
	RevokeKey(ctx context.Context, p *principal.Principal, key string, client netip.Addr) error
}

// WebSessions are the cookie sessions behind /web/session/*;
// *identityhttp.Web (identity's web adapter) implements it.
type WebSessions interface {
	// Login checks login and password interactively (API keys are not
	// accepted here, as in Odoo), starts a session, sets its cookie on
	// r.W and returns the principal.
	Login(r *httpd.Request, login, password string) (*principal.Principal, error)
	// Logout ends r's session and clears its cookie.
	Logout(r *httpd.Request) error
}

// CompanyInfo is one allowed company in session_info.
type CompanyInfo struct {
	ID       int64
	Name     string
	Sequence int
	ParentID int64
	ChildIDs []int64
}

func (d *Deps) defaults() {
	if d.DB == "" {
		d.DB = DefaultDB
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Data == nil {
		d.Data = ORMData
	}
	if d.Methods == nil {
		d.Methods = NewMethods()
	}
	if d.PreAuthMaxBody <= 0 {
		d.PreAuthMaxBody = DefaultPreAuthMaxBody
	}
	if d.XMLLimits.MaxBytes <= 0 {
		d.XMLLimits.MaxBytes = d.PreAuthMaxBody
	}
}
