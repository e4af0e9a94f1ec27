package odoorpc

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
)

// countingLimiter allows n post-auth calls per user, then refuses.
type countingLimiter struct {
	mu    sync.Mutex
	n     int
	calls map[int64]int
}

func (l *countingLimiter) Limit(r *httpd.Request, stage httpd.Stage) error {
	if stage != httpd.PostAuth || r.Principal == nil {
		return nil
	}
	if r.RateLimit != "" {
		return errs.Internalf("the services must ask for the caller's default policy, got %q", r.RateLimit)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[r.Principal.UserID]++
	if l.calls[r.Principal.UserID] > l.n {
		return errs.E(errs.TooManyRequests, "Too many requests, please retry later.").RetryAfter(7 * time.Second)
	}
	return nil
}

// TestRPCRateLimitPerCaller: the RPC routes carry their credentials in
// the call, so httpd's post-auth stage applies the per-user limit once it
// checked them, and a refusal is the protocol's own error (a fault for
// XML-RPC).
func TestRPCRateLimitPerCaller(t *testing.T) {
	lim := &countingLimiter{n: 2, calls: map[int64]int{}}
	srv := serveRoutes(t, fakeAuth{}, lim, nil, Deps{Identity: fakeIdentity{}, Sessions: fakeSessions{}, ListDB: true,
		Data: func(*orm.Env) Data { return fakeData{} }})
	call := xmlCall("execute_kw", xs("rampart"), xi("2"), xs("admin"), xs("res.partner"), xs("search_count"), xa(xa()))
	for i := range 2 {
		if resp := do(t, srv, "POST", "/xmlrpc/2/object", "text/xml", call, nil); strings.Contains(string(resp.body), "<fault>") {
			t.Fatalf("call %d refused: %s", i, resp.body)
		}
	}
	resp := do(t, srv, "POST", "/xmlrpc/2/object", "text/xml", call, nil)
	_, fault := decodeResponse(t, resp.body)
	if resp.status != 200 || fault == nil || fault["faultCode"] != int64(FaultAccessDenied) || resp.header.Get("Retry-After") != "7" {
		t.Fatalf("third call: %d %v %v", resp.status, fault, resp.header)
	}
	// Another user has its own budget; version needs no credentials.
	if resp := do(t, srv, "POST", "/jsonrpc", "application/json", execKw(6, "demo", "res.partner", "search_count", []any{[]any{}}, nil), nil); resp.json(t)["result"] != 3.0 {
		t.Fatalf("other user refused: %s", resp.body)
	}
	resp = do(t, srv, "POST", "/jsonrpc", "application/json", execKw(2, "admin", "res.partner", "search_count", []any{[]any{}}, nil), nil)
	if resp.status != 429 || resp.json(t)["error"].(map[string]any)["data"].(map[string]any)["name"] != "werkzeug.exceptions.TooManyRequests" {
		t.Fatalf("jsonrpc over the limit: %d %s", resp.status, resp.body)
	}
}
