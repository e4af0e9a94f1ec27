package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// Security check names.
const (
	CheckMultiCompanyRule  = "multi-company-rule"
	CheckAlwaysTrueRule    = "always-true-rule"
	CheckACLPortalWrite    = "acl-portal-write"
	CheckSecretFieldNoGrps = "secret-field-readable"
)

const (
	groupPublic = "base.group_public"
	groupPortal = "base.group_portal"
)

func checkSecurity(reg *orm.Registry, set *access.Set) []Finding {
	var out []Finding
	out = append(out, checkCompanyRules(reg, set)...)
	out = append(out, checkAlwaysTrue(reg, set)...)
	out = append(out, checkPortalACLs(set)...)
	out = append(out, checkSecretFields(reg, set)...)
	return out
}

// readable reports whether some active ACL row grants read on model: a
// model nobody may read leaks nothing.
func readable(set *access.Set, model string) bool {
	for _, a := range set.ACLRows(model) {
		if a.Active && a.Read {
			return true
		}
	}
	return false
}

// checkCompanyRules: a model with a company_id whose records no active
// global rule confines to the user's companies shows every company's
// records to everyone its ACLs admit. Odoo's multi-company rules are
// global rules on company_id (or a path to it) against company_ids.
func checkCompanyRules(reg *orm.Registry, set *access.Set) []Finding {
	var out []Finding
	for _, name := range reg.Models() {
		m, ok := reg.Meta(name)
		if !ok {
			continue
		}
		f, ok := m.Field("company_id")
		if !ok || !f.Stored() || !readable(set, name) {
			continue
		}
		// The rule must compare with the user's companies (company_ids):
		// [('company_id', '!=', False)] mentions the field and confines
		// nothing.
		covered := false
		for _, r := range set.RulesFor(name, "read") {
			covered = covered || r.Global() && strings.Contains(r.Domain, "company_ids")
		}
		if covered {
			continue
		}
		out = append(out, Finding{Check: CheckMultiCompanyRule, Severity: Medium, File: m.Source, ID: name,
			Message: fmt.Sprintf("model %s has a company_id field but no global record rule confines it to the user's companies", name),
			Fix:     fmt.Sprintf("add a global ir.rule on %s with domain_force [('company_id', 'in', company_ids + [False])] (or without False when every record has a company)", name)})
	}
	return out
}

// managerGroup: the administration groups, and groups that say they are
// managers or administrators in their id or name. Seeing every record is
// what those are for.
func managerGroup(set *access.Set, id string) bool {
	if id == "base.group_system" || id == "base.group_erp_manager" {
		return true
	}
	local := id[strings.LastIndexByte(id, '.')+1:]
	if strings.Contains(local, "manager") || strings.Contains(local, "admin") {
		return true
	}
	if g := set.Groups[id]; g != nil {
		n := strings.ToLower(g.Name)
		return strings.Contains(n, "manager") || strings.Contains(n, "administrator")
	}
	return false
}

// alwaysTrue reports a rule domain that holds for every record whoever
// asks: a constant domain (no user, company_ids, ...) that normalizes to
// TRUE, as [(1, '=', 1)] and [] do.
func alwaysTrue(reg *orm.Registry, r *access.Rule) bool {
	src := r.Domain
	if strings.TrimSpace(src) == "" {
		return true
	}
	t, err := domain.ParseTemplate(src)
	if err != nil || len(t.Names()) > 0 {
		return false
	}
	d, err := t.Bind(domain.MapContext{})
	if err != nil {
		return false
	}
	n, err := domain.Normalize(reg, r.Model, d)
	return err == nil && n == domain.True
}

// checkAlwaysTrue: group rules are OR-ed, so an always-true rule for a
// group lifts every other group rule (own documents, portal's partner)
// for its members on that model.
func checkAlwaysTrue(reg *orm.Registry, set *access.Set) []Finding {
	var out []Finding
	for _, r := range set.Rules {
		if !r.Active || r.Global() || !alwaysTrue(reg, r) {
			continue
		}
		var plain []string
		for _, g := range r.Groups {
			if !managerGroup(set, g) {
				plain = append(plain, g)
			}
		}
		if len(plain) == 0 {
			continue
		}
		out = append(out, Finding{Check: CheckAlwaysTrueRule, Severity: Medium, File: r.Pos.File, Line: r.Pos.Line, ID: r.XMLID,
			Message: fmt.Sprintf("rule %s on %s is always true (%s) and given to the non-manager group(s) %s: their members see every %s record (%s) the ACLs allow",
				r.XMLID, r.Model, strings.TrimSpace(r.Domain), strings.Join(plain, ", "), r.Model, r.Perms),
			Fix: "give the always-true rule to a manager group only, or restrict its domain (e.g. to the user's own records or team)"})
	}
	return out
}

// checkPortalACLs: ACL rows granting write, create or unlink that portal
// or public users hold: through the portal/public groups or one they
// imply, or a row without a group (every user, portal and public too).
func checkPortalACLs(set *access.Set) []Finding {
	portal := set.Expand([]string{groupPortal})
	public := set.Expand([]string{groupPublic})
	var out []Finding
	for _, a := range set.ACLs {
		if !a.Active || !(a.Write || a.Create || a.Unlink) {
			continue
		}
		var who string
		switch {
		case a.Group == "":
			who = "every user, portal and public included (no group)"
		case public[a.Group]:
			who = "public (anonymous) users through " + a.Group
		case portal[a.Group]:
			who = "portal users through " + a.Group
		default:
			continue
		}
		var ops []string
		for _, op := range []string{"write", "create", "unlink"} {
			if a.Has(op) {
				ops = append(ops, op)
			}
		}
		out = append(out, Finding{Check: CheckACLPortalWrite, Severity: High, File: a.Pos.File, Line: a.Pos.Line, ID: a.XMLID,
			Message: fmt.Sprintf("access %s grants %s on %s to %s", a.XMLID, strings.Join(ops, ", "), a.Model, who),
			Fix:     "grant portal and public users read only (perm_write, perm_create, perm_unlink 0) and write for them in server code under a reasoned sudo"})
	}
	return out
}

var secretParts = []string{"password", "passwd", "secret", "token", "key", "apikey", "api_key"}

// secretName: the field name, split on '_', has a part naming a secret,
// or contains password, secret or token.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, p := range strings.Split(n, "_") {
		if slices.Contains(secretParts, p) {
			return true
		}
	}
	return strings.Contains(n, "password") || strings.Contains(n, "secret") || strings.Contains(n, "token")
}

// checkSecretFields: a secret-looking field without groups= is returned
// to everyone who may read the model (read, search_read, web_read, ...).
func checkSecretFields(reg *orm.Registry, set *access.Set) []Finding {
	var out []Finding
	for _, name := range reg.Models() {
		m, ok := reg.Meta(name)
		if !ok || !readable(set, name) {
			continue
		}
		for _, f := range m.Fields() {
			if f.Magic || f.Groups != "" || !secretName(f.Name) {
				continue
			}
			out = append(out, Finding{Check: CheckSecretFieldNoGrps, Severity: High, File: m.Source, ID: name + "." + f.Name,
				Message: fmt.Sprintf("field %s.%s looks like a secret and has no groups: every user who may read %s reads it", name, f.Name, name),
				Fix:     fmt.Sprintf("set groups: base.group_system (or the group that needs it) on %s.%s, or keep the secret out of the model", name, f.Name)})
		}
	}
	return out
}
