// Package audithttp is the audit trail's web adapter: its admin JSON-2
// route, the request facts the trail records (client address, the user
// who really authenticated), and the refusals only the pipeline sees — a
// CSRF check failing, a call to /rampart/admin/* refused — recorded as
// denials. Package audit itself knows nothing of HTTP.
package audithttp

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// AdminScope is the API-key scope of the admin endpoints (a key with "rpc"
// also passes). The caller must moreover be in base.group_system.
const AdminScope = "admin"

// AdminRoutes are the audit trail's admin JSON-2 endpoint:
//
//	POST /rampart/admin/audit/search  {"op": "denied", "model": "sale.order", "limit": 50}
//
// Bearer auth with an API key carrying the "admin" (or "rpc") scope, and
// base.group_system membership. The body is a Filter; the answer the
// matching entries, newest first.
func AdminRoutes(t *audit.Trail) []*httpd.Route {
	return []*httpd.Route{{
		Name:     "rampart.admin.audit.search",
		Path:     "/rampart/admin/audit/search",
		Type:     httpd.TypeJSON2,
		Auth:     httpd.AuthBearer,
		Scope:    AdminScope,
		ReadOnly: true,
		Handler: func(r *httpd.Request) (any, error) {
			return t.SearchFor(r.HTTP.Context(), r.Principal, r.Params)
		},
	}}
}

// RequestInfo is audit.Options.RequestInfo for the httpd pipeline: the
// routed request an Env's context came from knows what the Env does not,
// the client address and who really authenticated (an Env switched with
// WithUser acts as someone else). ok is false outside a request (CLI,
// tests, background jobs).
func RequestInfo(ctx context.Context) (audit.RequestInfo, bool) {
	if ctx == nil {
		return audit.RequestInfo{}, false
	}
	// httpd exposes its per-request state through *http.Request.
	req := httpd.StateRequest((&http.Request{}).WithContext(ctx))
	if req == nil {
		return audit.RequestInfo{}, false
	}
	var ri audit.RequestInfo
	if req.Client.IsValid() {
		ri.ClientIP = req.Client.String()
	}
	if req.Principal != nil {
		ri.RealUserID = req.Principal.UserID
	}
	return ri, true
}

// refusal is the denial entry of a request the pipeline refused.
func refusal(r *httpd.Request, detail string) audit.Entry {
	e := audit.Entry{Time: time.Now(), Op: audit.OpDenied, RequestID: r.ID, Detail: detail}
	if r.Route != nil {
		e.Route = r.Route.Name
	}
	if r.Client.IsValid() {
		e.ClientIP = r.Client.String()
	}
	if p := r.Principal; p != nil {
		e.UserID, e.RealUserID, e.Login = p.UserID, p.UserID, p.Login
	}
	return e
}

// CSRF wraps the pipeline's CSRF checker: every refusal is also a denial
// in the trail (queued: the refused request writes nothing itself), with
// the path and the check's message. Identical refusals aggregate as any
// denial does.
type CSRF struct {
	Next  httpd.CSRFChecker
	Trail *audit.Trail
}

// CheckCSRF implements httpd.CSRFChecker.
func (c CSRF) CheckCSRF(r *httpd.Request) error {
	err := c.Next.CheckCSRF(r)
	if err != nil {
		c.Trail.Detached(refusal(r, "csrf "+r.HTTP.Method+" "+r.HTTP.URL.Path+": "+firstLine(errs.As(err).Message())))
	}
	return err
}

// AdminPrefix is the path prefix of the administration routes.
const AdminPrefix = "/rampart/admin/"

// Observer wraps the pipeline's observer: a call to an administration
// route answered 401 or 403 (no or wrong credentials, a key without the
// admin scope, a caller outside base.group_system) is a denial in the
// trail, whichever package's route it was.
type Observer struct {
	Next  httpd.Observer
	Trail *audit.Trail
}

// Observe implements httpd.Observer.
func (o Observer) Observe(r *httpd.Request, status int, bytes int64, d time.Duration) {
	if o.Next != nil {
		o.Next.Observe(r, status, bytes, d)
	}
	if r == nil || r.HTTP == nil || !strings.HasPrefix(r.HTTP.URL.Path, AdminPrefix) {
		return
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		o.Trail.Detached(refusal(r, "admin "+r.HTTP.Method+" "+r.HTTP.URL.Path+": refused "+strconv.Itoa(status)))
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
