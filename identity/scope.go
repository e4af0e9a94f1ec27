package identity

import (
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

// API key scopes. A key never does more than its user may; its scopes only
// narrow that further. A key has one or more scopes and may do what any of
// them allows:
//
//	rpc                  everything the user may do (Odoo's global key)
//	read                 read operations on every model, nothing else
//	model:<model>        every operation on that model only
//	model:<model>:<op>   one operation (read, write, create, unlink) on that model
//	<name>               a route scope ([a-z][a-z0-9_.-]*) that rampart or an
//	                     app route declares in Route.Scope, e.g. "webhooks"
//
// The data scopes (rpc, read, model:...) govern the ORM through ScopeAllows.
// A route's Scope is checked by RouteScopeAllowed: "rpc" routes (the data
// APIs) accept any data scope, since their model checks come later; other
// route scopes need that exact scope, or rpc.
const (
	ScopeRPC  = "rpc"
	ScopeRead = "read"
)

// Data operations, as orm.Op spells them.
var dataOps = map[string]bool{"read": true, "write": true, "create": true, "unlink": true}

// maxScopes bounds the scopes of one key.
const maxScopes = 32

// ScopeAllows reports whether a caller with these key scopes may perform op
// on model. Nil scopes (a session or a password: no key) allow everything,
// leaving the decision to ACLs and rules. The ORM/odoorpc layer calls this
// with Principal.Scopes before the ACL check.
func ScopeAllows(scopes []string, model, op string) bool {
	return principal.ScopeAllows(scopes, model, op)
}

// RouteScopeAllowed reports whether key scopes satisfy a route's Scope.
// Nil scopes (no key) and an empty route scope always pass.
func RouteScopeAllowed(scopes []string, required string) bool {
	if scopes == nil || required == "" {
		return true
	}
	for _, s := range scopes {
		if s == ScopeRPC || s == required {
			return true
		}
		if required == ScopeRPC && isDataScope(s) {
			return true
		}
	}
	return false
}

func isDataScope(s string) bool {
	return s == ScopeRPC || s == ScopeRead || strings.HasPrefix(s, "model:")
}

// NormalizeScopes validates scopes for a new key: no empty list (the
// default is rpc), known shapes, no duplicates. The result is sorted as
// given, deduplicated.
func NormalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{ScopeRPC}, nil
	}
	if len(scopes) > maxScopes {
		return nil, errs.Ef(errs.ValidationError, "An API key has at most %d scopes.", maxScopes)
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if !validScope(s) {
			return nil, errs.Validation("Invalid API key scope.", errs.FieldError{Field: "scopes", Message: "invalid scope " + quoteSafe(s)})
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func validScope(s string) bool {
	if m, ok := strings.CutPrefix(s, "model:"); ok {
		model, op, hasOp := strings.Cut(m, ":")
		return validName(model, true) && (!hasOp || dataOps[op])
	}
	return validName(s, false)
}

// validName: [a-z][a-z0-9_.-]* up to 128 bytes; model names (dotted, like
// sale.order) use the same alphabet.
func validName(s string, model bool) bool {
	if s == "" || len(s) > 128 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || (c == '-' && !model)) {
			return false
		}
	}
	return true
}

// quoteSafe renders client input for an error message: bounded, printable.
func quoteSafe(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s), "?")
}
