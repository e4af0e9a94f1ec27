package httpd

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
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
	// AuthCall: the credentials travel inside the call, as XML-RPC and
	// JSON-RPC execute_kw(db, uid, password, ...). The route's Prepare
	// hook puts them in Request.Credentials after decoding and the
	// Authenticator checks them; a call that carries none (version,
	// login) runs without a principal.
	AuthCall Auth = "call"
)

// Credentials are the ones a call carries itself (AuthCall).
type Credentials struct {
	UID int64
	// Secret is a password or an API key.
	Secret string
}

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
	// "" (ratepolicy.Default) picks the caller's default, ratepolicy.None
	// skips the post-auth limit.
	RateLimit ratepolicy.Name
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
	// It is the default of Request.ReadOnly, which Prepare may set.
	ReadOnly bool
	// Codec, when set, is the route's wire format instead of its type's
	// (json2, jsonrpc, http): XML-RPC routes carry package odoorpc's. It
	// decodes the input and writes results and every error, also the
	// refusals made before the handler runs (405, 413, 429, ...).
	Codec Codec
	// Prepare, when set, runs once the input is decoded and before
	// authentication. It reads the decoded call and sets this request's
	// facts: Credentials (AuthCall), ReadOnly, RateLimit, Scope, Input.
	// It must never change the Route, which every request shares.
	Prepare func(r *Request) error
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
	// Input is the decoded Route.Params value, when the route declares
	// one, or what the route's Prepare hook decoded.
	Input any
	// Per-request facts, initialised from the Route and set by Prepare:
	// ReadOnly runs the Env on a read-only connection; RateLimit is the
	// post-auth policy ("" the caller's default, "none" no post-auth
	// limit); Scope is the API-key scope a bearer key must carry.
	ReadOnly  bool
	RateLimit ratepolicy.Name
	Scope     string
	// Credentials are the ones the call carries (AuthCall routes).
	Credentials *Credentials
	// Env is the data environment of the request's principal; nil for
	// auth=none routes unless the handler opens it (OpenEnv). Its
	// transaction commits after the handler succeeds and before the
	// response is written.
	Env *orm.Env
	// Values carries per-request data between middleware stages (session,
	// key id, ...) keyed by the owning package's unexported key type.
	Values map[any]any
	// Start is when the request arrived.
	Start time.Time

	codec Codec
	envs  EnvFactory
	rpcID any // the JSON-RPC request id, echoed in the answer
	// envOpen: the answer streams and its read-only Env ends after it is
	// written (dispatch.keepOpen).
	envOpen bool
}

// NewRequest is the Request for route: its per-request facts start as the
// route declares them. httpd builds every request with it; tests and
// adapters that call stages directly should too.
func NewRequest(route *Route, w http.ResponseWriter, hr *http.Request) *Request {
	r := &Request{HTTP: hr, W: w, Route: route, Values: map[any]any{}}
	if route != nil {
		r.ReadOnly, r.RateLimit, r.Scope = route.ReadOnly, route.RateLimit, route.Scope
	}
	return r
}

// OpenEnv opens the request's data environment for r.Principal (with
// r.ReadOnly), once: a handler of an auth=none route that establishes the
// principal itself (a login) calls it. The pipeline finishes the
// transaction after the handler, as for every other route. Without an
// Env factory it returns nil.
func (r *Request) OpenEnv() (*orm.Env, error) {
	if r.Env != nil || r.envs == nil {
		return r.Env, nil
	}
	env, err := r.envs.NewEnv(r)
	if err != nil {
		return nil, err
	}
	r.Env = env
	return env, nil
}

// Streaming reports an answer that holds a jsonx.Seq whose read-only Env
// stays open while it is written: the codec writes it with StreamResult.
// Any other answer holding a Seq was made whole before the Env ended.
func (r *Request) Streaming() bool { return r.envOpen }

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

// Codec is one protocol's wire format. httpd has one per route type
// (json2, jsonrpc, http); Route.Codec adds others (XML-RPC).
type Codec interface {
	// Decode reads the request's input (into r.Params, or r.Input).
	// body is the bounded body for httpd's own codecs; other codecs read
	// r.HTTP.Body, which httpd bounds with the route's limit, and get nil.
	Decode(r *Request, body []byte) error
	// WriteResult writes a handler's result.
	WriteResult(r *Request, result any)
	// WriteError writes e. The headers e carries are already on r.W; an
	// Internal error is shown only as InternalMessage(r).
	WriteError(r *Request, e *errs.Error)
}

// SeqWriter is a Codec whose WriteResult writes a jsonx.Seq while it
// reads it (httpd's JSON codecs, XML-RPC's). An answer holding a Seq is
// held whole for any other codec.
type SeqWriter interface {
	Codec
	WritesSeq()
}

func streams(c Codec) bool {
	switch c.(type) {
	case json2Codec, jsonrpcCodec, SeqWriter:
		return true
	}
	return false
}

// InternalMessage is the only text a client sees for an internal error.
func InternalMessage(r *Request) string { return "internal error (request id " + r.ID + ")" }

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
