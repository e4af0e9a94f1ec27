package access

import (
	"fmt"

	"github.com/rampart/rampart/domain"
	"sort"
	"strings"
)

// Pos is where a declaration came from, for error messages and explain.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

func (p Pos) String() string {
	if p.File == "" {
		return "(builtin)"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Group declares a group (res.groups). Package identity stores groups and
// memberships; a Set only names them, so that ACLs and rules can be checked
// against known groups and the integrator can seed identity's table.
type Group struct {
	// XMLID is the external id, always module-qualified (sales.group_salesman).
	XMLID string `json:"xmlid"`
	Name  string `json:"name"`
	// Privilege is the group's category label (Odoo 19 res.groups.privilege,
	// formerly ir.module.category), used in the ACL error's group list.
	Privilege string `json:"privilege,omitempty"`
	// Implied are the groups membership of this one confers (implied_ids).
	Implied []string `json:"implied,omitempty"`
	Comment string   `json:"comment,omitempty"`
	Pos     Pos      `json:"pos"`
}

// Label is how Odoo lists the group in an ACL error: "Privilege/Name".
func (g *Group) Label() string {
	if g.Privilege != "" {
		return g.Privilege + "/" + g.Name
	}
	return g.Name
}

// ACL is one ir.model.access row. Permissions default to false.
type ACL struct {
	XMLID string `json:"xmlid"`
	Name  string `json:"name"`
	Model string `json:"model"`
	// Group is the group's external id; "" means every user.
	Group string `json:"group,omitempty"`
	// Perms are what the row grants.
	Perms
	Active bool `json:"active"`
	Pos    Pos  `json:"pos"`
}

// Allows reports whether the row grants op.
func (a *ACL) Allows(op string) bool { return a.Has(op) }

// Perms are the four perm_* flags of an ACL row or a rule.
type Perms struct {
	Read   bool `json:"perm_read"`
	Write  bool `json:"perm_write"`
	Create bool `json:"perm_create"`
	Unlink bool `json:"perm_unlink"`
}

// allPerms is a rule's default: it restricts every operation.
var allPerms = Perms{true, true, true, true}

// Has reports the flag of op.
func (p Perms) Has(op string) bool {
	switch op {
	case "read":
		return p.Read
	case "write":
		return p.Write
	case "create":
		return p.Create
	case "unlink":
		return p.Unlink
	}
	return false
}

// String is "rwcu" with "-" for each unset flag.
func (p Perms) String() string {
	b := []byte("rwcu")
	for i, on := range []bool{p.Read, p.Write, p.Create, p.Unlink} {
		if !on {
			b[i] = '-'
		}
	}
	return string(b)
}

// Rule is one ir.rule. Permissions default to true: they say which
// operations the rule restricts, never what it grants.
type Rule struct {
	XMLID string `json:"xmlid"`
	Name  string `json:"name"`
	Model string `json:"model"`
	// Groups are external ids; empty makes the rule global.
	Groups []string `json:"groups,omitempty"`
	// Domain is the domain_force text in Odoo's Python-literal syntax;
	// blank means TRUE.
	Domain string `json:"domain"`
	// Perms are the operations the rule restricts.
	Perms
	Active bool `json:"active"`
	Pos    Pos  `json:"pos"`

	tmpl *domain.Template // parsed and checked at load
}

// Global reports a rule without groups.
func (r *Rule) Global() bool { return len(r.Groups) == 0 }

// AppliesTo reports whether the rule restricts op.
func (r *Rule) AppliesTo(op string) bool { return r.Has(op) }

// Ops are the four access operations (a new slice each call).
func Ops() []string { return []string{"read", "write", "create", "unlink"} }

// Set is a complete, validated security configuration: the immutable value
// a Policy decides with. Build one with a Loader.
type Set struct {
	Groups map[string]*Group `json:"groups"`
	ACLs   []*ACL            `json:"acls"`
	Rules  []*Rule           `json:"rules"`
	// Skipped lists what was left out at load, and why (rules and ACL rows
	// of models that are not declared).
	Skipped []string `json:"skipped,omitempty"`
	// Ignores are the files' lint:ignore comments (rampart lint); they
	// change no decision.
	Ignores []Ignore `json:"ignores,omitempty"`

	closure  map[string]map[string]bool    // group → itself and every group it implies
	aclIndex map[string]map[string][]*ACL  // model → op → active rows granting op
	rules    map[string]map[string][]*Rule // model → op → active rules for op
}

// index precomputes the lookups a Policy needs; called once by the Loader.
func (s *Set) index() {
	s.closure = map[string]map[string]bool{}
	for id := range s.Groups {
		s.closure[id] = s.implied(id)
	}
	s.aclIndex = byModelOp(s.ACLs, func(a *ACL) (string, bool) { return a.Model, a.Active }, (*ACL).Allows)
	s.rules = byModelOp(s.Rules, func(r *Rule) (string, bool) { return r.Model, r.Active }, (*Rule).AppliesTo)
}

// byModelOp indexes the active items by model and by the operations they
// concern.
func byModelOp[T any](items []T, key func(T) (string, bool), concerns func(T, string) bool) map[string]map[string][]T {
	idx := map[string]map[string][]T{}
	for _, it := range items {
		model, active := key(it)
		if !active {
			continue
		}
		for _, op := range Ops() {
			if !concerns(it, op) {
				continue
			}
			m := idx[model]
			if m == nil {
				m = map[string][]T{}
				idx[model] = m
			}
			m[op] = append(m[op], it)
		}
	}
	return idx
}

// implied is the transitive closure of id's implied groups, id included.
func (s *Set) implied(id string) map[string]bool {
	seen := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		g := s.Groups[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		if g == nil {
			continue
		}
		for _, i := range g.Implied {
			if !seen[i] {
				seen[i] = true
				stack = append(stack, i)
			}
		}
	}
	return seen
}

// Member reports whether a user whose groups are groups belongs to g,
// directly or through implied groups. Package identity already hands us the
// transitive set; following implications again costs little and keeps the
// decision right even if a group's implications are declared here but not
// yet stored there.
func (s *Set) Member(groups []string, g string) bool {
	for _, ug := range groups {
		if ug == g || s.closure[ug][g] {
			return true
		}
	}
	return false
}

// Expand returns the user's groups with every implied group added.
func (s *Set) Expand(groups []string) map[string]bool {
	out := make(map[string]bool, len(groups)*2)
	for _, g := range groups {
		out[g] = true
		for i := range s.closure[g] {
			out[i] = true
		}
	}
	return out
}

// ACLRows returns every row (active or not) for model, for explain.
func (s *Set) ACLRows(model string) []*ACL {
	var out []*ACL
	for _, a := range s.ACLs {
		if a.Model == model {
			out = append(out, a)
		}
	}
	return out
}

// RulesFor returns the active rules restricting op on model, in load order.
func (s *Set) RulesFor(model, op string) []*Rule { return s.rules[model][op] }

// GroupsWithAccess lists "Privilege/Name" labels of the groups whose ACL
// rows grant op on model, sorted as Odoo sorts them (privilege, then name).
func (s *Set) GroupsWithAccess(model, op string) []string {
	type lab struct{ priv, name string }
	seen := map[string]bool{}
	var labs []lab
	for _, a := range s.aclIndex[model][op] {
		if a.Group == "" || seen[a.Group] {
			continue
		}
		seen[a.Group] = true
		g := s.Groups[a.Group]
		if g == nil {
			labs = append(labs, lab{"", a.Group})
			continue
		}
		labs = append(labs, lab{g.Privilege, g.Name})
	}
	sort.Slice(labs, func(i, j int) bool {
		if labs[i].priv != labs[j].priv {
			// Odoo orders by category name; groups without one sort last.
			if labs[i].priv == "" || labs[j].priv == "" {
				return labs[j].priv == ""
			}
			return labs[i].priv < labs[j].priv
		}
		return labs[i].name < labs[j].name
	})
	out := make([]string, len(labs))
	for i, l := range labs {
		if l.priv != "" {
			out[i] = l.priv + "/" + l.name
		} else {
			out[i] = l.name
		}
	}
	return out
}

// HasACL reports whether the union of the user's rows grants op on model:
// some active row granting op has no group or one of the user's groups.
func (s *Set) HasACL(model, op string, groups []string) bool {
	for _, a := range s.aclIndex[model][op] {
		if a.Group == "" || s.Member(groups, a.Group) {
			return true
		}
	}
	return false
}

// qualify makes a possibly module-relative external id absolute.
func qualify(module, id string) string {
	id = strings.TrimSpace(id)
	if id == "" || strings.Contains(id, ".") || module == "" {
		return id
	}
	return module + "." + id
}
