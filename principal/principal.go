// Package principal is who a request acts as, once authenticated: the
// small value the auth layer produces and every later stage (rate limits,
// CSRF, the ORM's access checks, the access log) reads. It is a leaf
// package so that httpd, identity and orm can all share it.
package principal

import "strings"

// Principal is the authenticated caller. A nil *Principal means auth=none:
// no user at all.
type Principal struct {
	UserID int64
	Login  string
	// Public is true for the public user (auth=public without a session).
	Public bool
	// GroupIDs are all the user's groups, implied groups included.
	GroupIDs []int64
	// GroupXMLIDs are the same groups by external id (base.group_user, ...).
	GroupXMLIDs []string
	// CompanyID is the user's main company; CompanyIDs all allowed companies.
	CompanyID  int64
	CompanyIDs []int64
	PartnerID  int64
	// KeyID is set when the request authenticated with an API key, and
	// Scopes are that key's scopes (nil for a session or password).
	KeyID  int64
	Scopes []string
	// SessionID is the session's internal id (never the cookie value).
	SessionID int64
	// Via says how the caller authenticated: "session", "key", "password",
	// "public" or "none".
	Via string
}

// InGroup reports membership by external id (implied groups included).
func (p *Principal) InGroup(xmlid string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.GroupXMLIDs {
		if g == xmlid {
			return true
		}
	}
	return false
}

// IsSystem reports membership of base.group_system (Settings administrators).
func (p *Principal) IsSystem() bool { return p.InGroup("base.group_system") }

// ScopeAllows reports whether API-key scopes allow op (read, write,
// create, unlink) on model. Nil scopes (a session or a password: no key)
// allow everything, leaving the decision to ACLs and rules; otherwise one
// of the scopes must grant it: "rpc" everything, "read" every read,
// "model:M" every operation on M, "model:M:op" that one. Other scopes
// (route scopes) grant no data access. It lives in this leaf package so
// that the ORM applies it to every model an operation touches and identity
// checks keys with the same rule.
func ScopeAllows(scopes []string, model, op string) bool {
	if scopes == nil {
		return true
	}
	for _, s := range scopes {
		switch {
		case s == "rpc":
			return true
		case s == "read":
			if op == "read" {
				return true
			}
		case strings.HasPrefix(s, "model:"):
			m, sop, hasOp := strings.Cut(s[len("model:"):], ":")
			if m == model && (!hasOp || sop == op) {
				return true
			}
		}
	}
	return false
}
