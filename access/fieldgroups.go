package access

import (
	"strings"
	"sync"
)

// noAccess is Odoo's NO_ACCESS groups value: the field is never accessible
// (except under sudo).
const noAccess = "."

// groupExpr is a parsed groups= attribute.
type groupExpr struct {
	never bool
	pos   []string
	neg   []string
}

func parseGroups(s string) groupExpr {
	var g groupExpr
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == noAccess:
			g.never = true
		case strings.HasPrefix(part, "!"):
			g.neg = append(g.neg, strings.TrimSpace(part[1:]))
		default:
			g.pos = append(g.pos, part)
		}
	}
	return g
}

// allows is res.users.has_groups: refused when the user is in any negated
// group; otherwise allowed when in any listed group, or when only negated
// groups are listed.
func (g groupExpr) allows(member func(string) bool) bool {
	if g.never {
		return false
	}
	for _, n := range g.neg {
		if member(n) {
			return false
		}
	}
	if len(g.pos) == 0 {
		return true
	}
	for _, p := range g.pos {
		if member(p) {
			return true
		}
	}
	return false
}

// groupExprCache memoizes parsed groups= strings: there are few distinct
// ones, and FieldAllowed runs once per field per request.
type groupExprCache struct{ m sync.Map }

func (c *groupExprCache) get(s string) groupExpr {
	if v, ok := c.m.Load(s); ok {
		return v.(groupExpr)
	}
	g := parseGroups(s)
	c.m.Store(s, g)
	return g
}

// HasGroups reports whether a user with the given (expanded) groups passes
// a groups= expression, with Odoo's syntax: comma-separated external ids,
// "!" negating one, "." meaning nobody.
func HasGroups(expr string, groups map[string]bool) bool {
	if strings.TrimSpace(expr) == "" {
		return true
	}
	return parseGroups(expr).allows(func(g string) bool { return groups[g] })
}
