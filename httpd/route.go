package httpd

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// Type is a route's dispatcher: how input is read and results and errors
// are written.
type Type string

// Route types. "json" is accepted as an alias of jsonrpc, as in Odoo 19.
const (
	TypeHTTP    Type = "http"
	TypeJSONRPC Type = "jsonrpc"
	TypeJSON2   Type = "json2"
)

// Auth is a route's authentication mode (Odoo 19 semantics).
type Auth string

// Auth modes. The zero value means AuthUser: a route that says nothing
// requires a logged-in user.
const (
	AuthNone   Auth = "none"
	AuthPublic Auth = "public"
	AuthUser   Auth = "user"
	AuthBearer Auth = "bearer"
)

// CORS is a route's cross-origin policy.
type CORS struct {
	// Origins allowed; "*" allows any origin (never with credentials).
	Origins []string
	// Methods allowed cross-origin; empty means the route's methods.
	Methods []string
	// Headers the client may send; empty means Content-Type, Authorization,
	// X-API-Key, X-Requested-With, X-CSRF-Token.
	Headers []string
	// Credentials sends Access-Control-Allow-Credentials: true. Refused at
	// registration together with a "*" origin.
	Credentials bool
	// MaxAge of a preflight answer (default 24 h, as Odoo).
	MaxAge time.Duration
}

// Route declares one endpoint. Register validates it and fills defaults;
// an invalid route stops start-up.
type Route struct {
	// Name identifies the route in logs, metrics and `rampart routes`
	// (default: the path).
	Name string
	// Path is a net/http ServeMux pattern without method or host:
	// "/json/2/{model}/{method}", "/files/{path...}".
	Path string
	// Type is the dispatcher (default http).
	Type Type
	// Auth is the authentication mode (default user).
	Auth Auth
	// Methods allowed (default GET, HEAD for http; POST for jsonrpc and json2).
	// OPTIONS is answered for CORS preflights when CORS is set.
	Methods []string
	// CSRF: nil means on for http routes; it never applies to json types.
	CSRF *bool
	// CORS: nil means same-origin only (no CORS headers).
	CORS *CORS
	// Scope is the API-key scope a bearer caller's key must carry.
	Scope string
	// RateLimit names the rate-limit policy applied after authentication;
	// "" picks the default for the auth mode.
	RateLimit string
	// Version, when > 0, serves the route under /api/v{Version}{Path}.
	Version int
	// Deprecated and Sunset add the Deprecation and Sunset headers;
	// Successor adds Link: <Successor>; rel="successor-version".
	Deprecated time.Time
	Sunset     time.Time
	Successor  string
	// MaxBody overrides the server's body limit (bytes); 0 keeps the default,
	// a negative value means no body is accepted.
	MaxBody int64
	// ReadOnly routes run their Env transaction on a read-only connection.
	ReadOnly bool
	// ReadOnlyIf, when set, decides per request (after the body is
	// decoded) that a route serving both reads and writes may use a
	// read-only transaction, e.g. call_kw for a search.
	ReadOnlyIf func(r *Request) bool
	// ErrorWriter, when set, renders this route's errors instead of the
	// route type's writer — also the refusals made before the handler runs
	// (405, 413, 429, ...). XML-RPC uses it: its clients understand only
	// faults. Headers the error carries are already set on w.
	ErrorWriter func(w http.ResponseWriter, r *http.Request, requestID string, e *errs.Error)
	// Params, when set, is a pointer to a zero struct that declares the
	// route's input with `json` names and `validate` rules (see
	// validtag.go); the decoded, validated value (a pointer to a new
	// struct) is in Request.Input. Unknown input names are refused.
	Params any
	// params is Params compiled at registration (see validate.go).
	params *paramSpec
	// Handler produces the result. For http routes the result is written
	// as HTML (string), bytes, a redirect or JSON; for json types it is
	// JSON-encoded.
	Handler Handler
}

// Handler serves a request. It returns a result or an error; it does not
// write errors itself. A handler that writes the response directly returns
// Written.
type Handler func(*Request) (any, error)

// Written is returned by a handler that wrote the response itself.
var Written = written{}

type written struct{}

// Redirect is a result that answers 303 See Other to a local path.
type Redirect string

// Request is what a handler sees.
type Request struct {
	HTTP   *http.Request
	W      http.ResponseWriter
	Route  *Route
	ID     string
	Log    *slog.Logger
	Client netip.Addr
	// TLS is true when the request came over TLS or a trusted proxy says https.
	TLS bool
	// Principal is the authenticated caller (nil for auth=none).
	Principal *principal.Principal
	// Params is the decoded JSON object: JSON-RPC "params" or the JSON-2
	// body. Nil for http routes.
	Params map[string]any
	// Input is the decoded Route.Params value, when the route declares one.
	Input any
	// Env is the data environment of the request's principal; nil for
	// auth=none routes. Its transaction commits after the handler succeeds
	// and before the response is written.
	Env *orm.Env
	// Values carries per-request data between middleware stages (session,
	// key id, ...) keyed by the owning package's unexported key type.
	Values map[any]any
	// Start is when the request arrived.
	Start time.Time
}

// Header is the response header map, for handlers that add headers.
func (r *Request) Header() http.Header { return r.W.Header() }

// Authenticator implements the auth modes. It is called after routing and
// the pre-auth rate limit; it sets r.Principal (and may set a cookie), or
// returns an *errs.Error (Unauthorized with WWW-Authenticate, AccessDenied,
// SessionExpired) that the route type's writer renders.
type Authenticator interface {
	Authenticate(r *Request) error
}

// Stage says where in the pipeline a rate limit is consulted.
type Stage uint8

// Rate-limit stages.
const (
	PreAuth  Stage = iota // by client IP, before any crypto
	PostAuth              // by user / key / route policy
)

// Limiter decides rate limits. It returns an errs.TooManyRequests error
// carrying Retry-After, and sets RateLimit headers on r.W either way.
type Limiter interface {
	Limit(r *Request, stage Stage) error
}

// CSRFChecker is called after authentication for every request with an
// unsafe method; it decides what applies (CSRFGuard: a token on routes
// whose CSRFEnabled is true, an origin check on those and on
// cookie-authenticated requests) and returns an *errs.Error to refuse.
type CSRFChecker interface {
	CheckCSRF(r *Request) error
}

// EnvFactory builds the request's data environment after authentication.
type EnvFactory interface {
	NewEnv(r *Request) (*orm.Env, error)
}

// Observer receives one call per finished request (metrics).
type Observer interface {
	Observe(r *Request, status int, bytes int64, d time.Duration)
}
