// Package principal is who a request acts as, once authenticated: the
// small value the auth layer produces and every later stage (rate limits,
// CSRF, the ORM's access checks, the access log) reads. It is a leaf
// package so that httpd, identity and orm can all share it.
package principal

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
