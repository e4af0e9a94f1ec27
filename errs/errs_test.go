package errs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
)

// The kind table is the contract of every protocol: each kind's HTTP
// status and Odoo exception name, as Odoo 19 clients expect them.
func TestKindTable(t *testing.T) {
	cases := []struct {
		kind   errs.Kind
		name   string
		status int
		odoo   string
	}{
		{errs.Internal, "internal", 500, "werkzeug.exceptions.InternalServerError"},
		{errs.BadRequest, "bad_request", 400, "werkzeug.exceptions.BadRequest"},
		{errs.Unauthorized, "unauthorized", 401, "werkzeug.exceptions.Unauthorized"},
		{errs.AccessDenied, "access_denied", 403, "odoo.exceptions.AccessDenied"},
		{errs.AccessError, "access_error", 403, "odoo.exceptions.AccessError"},
		{errs.Forbidden, "forbidden", 403, "werkzeug.exceptions.Forbidden"},
		{errs.MissingError, "missing", 404, "odoo.exceptions.MissingError"},
		{errs.NotFound, "not_found", 404, "werkzeug.exceptions.NotFound"},
		{errs.MethodNotAllowed, "method_not_allowed", 405, "werkzeug.exceptions.MethodNotAllowed"},
		{errs.Conflict, "conflict", 409, "odoo.exceptions.LockError"},
		{errs.PayloadTooLarge, "payload_too_large", 413, "werkzeug.exceptions.RequestEntityTooLarge"},
		{errs.UnsupportedMediaType, "unsupported_media_type", 415, "werkzeug.exceptions.UnsupportedMediaType"},
		{errs.ValidationError, "validation", 422, "odoo.exceptions.ValidationError"},
		{errs.UserError, "user_error", 422, "odoo.exceptions.UserError"},
		{errs.TooManyRequests, "too_many_requests", 429, "werkzeug.exceptions.TooManyRequests"},
		{errs.SessionExpired, "session_expired", 401, "odoo.http.SessionExpiredException"},
		{errs.Unavailable, "unavailable", 503, "werkzeug.exceptions.ServiceUnavailable"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if c.kind.String() != c.name || c.kind.Status() != c.status || c.kind.OdooName() != c.odoo {
			t.Errorf("%s: %s %d %s, want %s %d %s", c.name, c.kind, c.kind.Status(), c.kind.OdooName(), c.name, c.status, c.odoo)
		}
		if seen[c.name] {
			t.Errorf("kind name %s twice", c.name)
		}
		seen[c.name] = true
	}
	// Every kind is in the table above: the one after the last is unknown
	// and falls back to Internal.
	last := errs.Unavailable
	if k := last + 1; k.Status() != 500 || k.String() != "internal" {
		t.Errorf("kind %d beyond the table: %s %d (a kind was added without a test row?)", k, k, k.Status())
	}
}

// The client message never carries the internal cause; Internal errors
// always say only "internal error".
func TestMessagesHideCauses(t *testing.T) {
	secret := errors.New("pq: password authentication failed for user hunter2")
	cases := []struct {
		err  *errs.Error
		want string
	}{
		{errs.Wrap(errs.ValidationError, secret, "bad value"), "bad value"},
		{errs.Wrap(errs.Internal, secret, "db said hunter2"), "internal error"},
		{errs.Internalf("query: %w", secret), "internal error"},
		{errs.E(errs.MissingError, ""), "Record does not exist or has been deleted."},
		{errs.Ef(errs.UserError, "limit %d reached", 10), "limit 10 reached"},
		// XML-RPC shows only the message: a ValidationError's names its fields.
		{errs.Validation("invalid", errs.FieldError{Field: "name", Message: "required"}), "invalid:\n- name: required"},
	}
	for _, c := range cases {
		if got := c.err.Message(); got != c.want || strings.Contains(got, "hunter2") {
			t.Errorf("%v: Message() = %q, want %q", c.err, got, c.want)
		}
	}
	if e := errs.Wrap(errs.BadRequest, secret, "x"); !errors.Is(e, secret) {
		t.Error("the cause is not reachable through Unwrap (logging needs it)")
	}
}

func TestAsKindIs(t *testing.T) {
	foreign := errors.New("boom")
	if e := errs.As(foreign); e.Kind != errs.Internal || !errors.Is(e, foreign) {
		t.Errorf("As(foreign) = %+v", e)
	}
	if errs.As(nil) != nil {
		t.Error("As(nil) is not nil")
	}
	wrapped := fmt.Errorf("context: %w", errs.E(errs.AccessError, "no"))
	if errs.KindOf(wrapped) != errs.AccessError || !errs.Is(wrapped, errs.AccessError) || errs.Is(wrapped, errs.MissingError) {
		t.Errorf("kind through wrapping: %v", errs.KindOf(wrapped))
	}
	if errs.KindOf(nil) != errs.Internal || errs.Is(foreign, errs.Internal) {
		t.Error("KindOf(nil) or Is(foreign)")
	}
	for d, want := range map[time.Duration]string{0: "1", 300 * time.Millisecond: "1", time.Second: "1", 1500 * time.Millisecond: "2", time.Minute: "60"} {
		if got := errs.E(errs.TooManyRequests, "").RetryAfter(d).Header.Get("Retry-After"); got != want {
			t.Errorf("RetryAfter(%v) = %s, want %s", d, got, want)
		}
	}
	e := errs.E(errs.MethodNotAllowed, "").WithHeader("Allow", "GET").WithHeader("Allow", "HEAD")
	if got := e.Header.Values("Allow"); len(got) != 2 {
		t.Errorf("WithHeader twice: %v", got)
	}
}
