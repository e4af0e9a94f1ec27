// Package errs is rampart's one error type.
//
// Every failure that can reach a client is an *Error: a Kind (which maps, in
// one table, to an HTTP status and to the name of the Odoo exception that
// Odoo clients switch on), a message that is safe to show the client, and an
// optional wrapped internal error that only the logs ever see. Handlers,
// the ORM and the auth layer return these; one writer per route type renders
// them (see package httpd).
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kind classifies an error. The zero Kind is Internal, so an error of unknown
// origin is never mistaken for a client mistake.
type Kind uint8

// The kinds. Their HTTP status and Odoo exception name live in the table
// below and nowhere else.
const (
	Internal             Kind = iota // 500, detail only in the log
	BadRequest                       // 400 malformed input (unparseable JSON, bad header)
	Unauthorized                     // 401 with WWW-Authenticate: Bearer (bad, expired, revoked key)
	AccessDenied                     // 403 odoo.exceptions.AccessDenied (wrong credentials, key/session mismatch)
	AccessError                      // 403 odoo.exceptions.AccessError (ACL, rule, field group)
	Forbidden                        // 403 werkzeug Forbidden (request-level refusal: CSRF origin, db mismatch)
	MissingError                     // 404 odoo.exceptions.MissingError (record missing or hidden)
	NotFound                         // 404 no such route, model or method
	MethodNotAllowed                 // 405 with Allow
	Conflict                         // 409 odoo.exceptions.LockError (concurrent update)
	PayloadTooLarge                  // 413
	UnsupportedMediaType             // 415
	ValidationError                  // 422 odoo.exceptions.ValidationError
	UserError                        // 422 odoo.exceptions.UserError
	TooManyRequests                  // 429 with Retry-After
	SessionExpired                   // 401 odoo.http.SessionExpiredException (jsonrpc code 100, http: redirect to the login page)
	Unavailable                      // 503 with Retry-After (the database is unreachable: retry later)
	numKinds
)

type kindInfo struct {
	name   string // short name for logs and Kind.String
	status int
	odoo   string // exception name as Odoo serializes it
	msg    string // default client message
}

// table is the single mapping of kinds to status and Odoo exception names.
var table = [numKinds]kindInfo{
	Internal:             {"internal", 500, "werkzeug.exceptions.InternalServerError", "internal error"},
	BadRequest:           {"bad_request", 400, "werkzeug.exceptions.BadRequest", "bad request"},
	Unauthorized:         {"unauthorized", 401, "werkzeug.exceptions.Unauthorized", "unauthorized"},
	AccessDenied:         {"access_denied", 403, "odoo.exceptions.AccessDenied", "Access Denied"},
	AccessError:          {"access_error", 403, "odoo.exceptions.AccessError", "access error"},
	Forbidden:            {"forbidden", 403, "werkzeug.exceptions.Forbidden", "forbidden"},
	MissingError:         {"missing", 404, "odoo.exceptions.MissingError", "Record does not exist or has been deleted."},
	NotFound:             {"not_found", 404, "werkzeug.exceptions.NotFound", "not found"},
	MethodNotAllowed:     {"method_not_allowed", 405, "werkzeug.exceptions.MethodNotAllowed", "method not allowed"},
	Conflict:             {"conflict", 409, "odoo.exceptions.LockError", "the record is being modified by another request, try again"},
	PayloadTooLarge:      {"payload_too_large", 413, "werkzeug.exceptions.RequestEntityTooLarge", "request body too large"},
	UnsupportedMediaType: {"unsupported_media_type", 415, "werkzeug.exceptions.UnsupportedMediaType", "unsupported media type"},
	ValidationError:      {"validation", 422, "odoo.exceptions.ValidationError", "validation error"},
	UserError:            {"user_error", 422, "odoo.exceptions.UserError", "user error"},
	TooManyRequests:      {"too_many_requests", 429, "werkzeug.exceptions.TooManyRequests", "too many requests"},
	SessionExpired:       {"session_expired", 401, "odoo.http.SessionExpiredException", "Session expired"},
	Unavailable:          {"unavailable", 503, "werkzeug.exceptions.ServiceUnavailable", "The service is temporarily unavailable, please retry shortly."},
}

func (k Kind) info() kindInfo {
	if k >= numKinds {
		return table[Internal]
	}
	return table[k]
}

// Status is the HTTP status for the kind.
func (k Kind) Status() int { return k.info().status }

// OdooName is the exception name Odoo clients expect in error bodies.
func (k Kind) OdooName() string { return k.info().odoo }

// String is a short stable name, used in logs and metrics labels.
func (k Kind) String() string { return k.info().name }

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is rampart's error. Msg is shown to clients; Err never is.
type Error struct {
	Kind Kind
	// Msg is the client-safe message. Empty means the kind's default.
	Msg string
	// Err is the internal cause: logged, never sent.
	Err error
	// Fields lists per-field problems (validation).
	Fields []FieldError
	// Header carries headers the response must have (Allow, Retry-After,
	// WWW-Authenticate, ...). The writer copies them.
	Header http.Header
	// Context is Odoo's exception context (e.g. suggested_company).
	Context map[string]any
	// Name overrides the kind's Odoo exception name where Odoo raises
	// another class for the same status: a Python builtin its RPC
	// dispatcher lets through ("builtins.AttributeError" for an unknown
	// method, "builtins.TypeError" for a call that does not bind) or a
	// werkzeug exception ("werkzeug.exceptions.UnprocessableEntity" for
	// JSON-2's binding errors). Empty: the kind's.
	Name string
}

// OdooName is the exception name clients see: Name, or the kind's.
func (e *Error) OdooName() string {
	if e.Name != "" {
		return e.Name
	}
	return e.Kind.OdooName()
}

// E builds an error of the given kind with a client-safe message.
func E(kind Kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// Ef is E with formatting. Only pass values safe to show a client.
func Ef(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches an internal cause. The cause is logged, never sent.
func Wrap(kind Kind, err error, msg string) *Error {
	if kind == Internal {
		if u := unavailable(err); u != nil {
			return u
		}
	}
	return &Error{Kind: kind, Msg: msg, Err: err}
}

// Internalf wraps an unexpected failure; the client sees only "internal error".
func Internalf(format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	if u := unavailable(err); u != nil {
		return u
	}
	return &Error{Kind: Internal, Err: err}
}

// unavailable keeps an outage an outage: a caller wrapping "the database
// is unreachable" as an unexpected failure would turn a 503 the client
// should retry into a 500. Nil when err holds no Unavailable error.
func unavailable(err error) *Error {
	var u *Error
	if !errors.As(err, &u) || u.Kind != Unavailable {
		return nil
	}
	return &Error{Kind: Unavailable, Msg: u.Msg, Err: err, Header: u.Header}
}

// Validation builds a ValidationError listing each field problem.
func Validation(msg string, fields ...FieldError) *Error {
	return &Error{Kind: ValidationError, Msg: msg, Fields: fields}
}

func (e *Error) Error() string {
	m := e.Message()
	if e.Err != nil {
		return e.Kind.String() + ": " + m + ": " + e.Err.Error()
	}
	return e.Kind.String() + ": " + m
}

// Unwrap exposes the internal cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// Message is the client-safe text: never the internal cause. An Internal
// error always says just "internal error".
//
// A ValidationError's message names each field and its problem: XML-RPC
// clients see only the message, so the field list must be in it.
func (e *Error) Message() string {
	if e.Kind == Internal || e.Msg == "" {
		return e.Kind.info().msg
	}
	if e.Kind == ValidationError && len(e.Fields) > 0 {
		var b strings.Builder
		b.WriteString(e.Msg)
		b.WriteString(":")
		for _, f := range e.Fields {
			b.WriteString("\n- ")
			b.WriteString(f.Field)
			b.WriteString(": ")
			b.WriteString(f.Message)
		}
		return b.String()
	}
	return e.Msg
}

// WithHeader adds a response header and returns e.
func (e *Error) WithHeader(key, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Add(key, value)
	return e
}

// RetryAfter sets the Retry-After header (whole seconds, rounded up, at least 1).
func (e *Error) RetryAfter(d time.Duration) *Error {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return e.WithHeader("Retry-After", strconv.FormatInt(s, 10))
}

// As returns err as an *Error. Anything that is not one becomes Internal,
// keeping the original as the hidden cause.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Err: err}
}

// KindOf is the kind of err: Internal for foreign errors. err must not be nil.
func KindOf(err error) Kind {
	if err == nil {
		return Internal
	}
	return As(err).Kind
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
