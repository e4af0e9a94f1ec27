package access

import (
	"fmt"
	"slices"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/principal"
)

// userFacts are what the rule evaluation context knows about the user
// beyond the Principal, loaded only when a rule asks (most rules read
// user.id alone).
type userFacts interface {
	// Name is res.users.name.
	Name() (string, error)
	// CommercialPartner is res.partner.commercial_partner_id of partnerID.
	CommercialPartner(partnerID int64) (int64, error)
}

// evalContext is Odoo 19's ir.rule evaluation context: user (a read-only,
// lazily loaded view of the res.users record), company_ids (the active
// companies) and company_id (the main active company).
type evalContext struct {
	user      *userRecord
	companies []int64
	company   int64
}

func (c *evalContext) Lookup(name string) (any, bool) {
	switch name {
	case "user":
		return c.user, true
	case "company_ids":
		return slices.Clone(c.companies), true
	case "company_id":
		return c.company, true
	}
	return nil, false
}

func newEvalContext(p *principal.Principal, facts userFacts, companies []int64) *evalContext {
	company := p.CompanyID
	if len(companies) > 0 {
		company = companies[0]
	}
	return &evalContext{user: &userRecord{p: p, facts: facts}, companies: companies, company: company}
}

// userRecord is the `user` of rule domains.
type userRecord struct {
	p     *principal.Principal
	facts userFacts
}

func (u *userRecord) Attr(name string) (any, error) {
	p := u.p
	switch name {
	case "id":
		return p.UserID, nil
	case "login":
		return p.Login, nil
	case "name":
		return u.facts.Name()
	case "company_id":
		return idRecord(p.CompanyID), nil
	case "company_ids":
		return idSet(p.CompanyIDs), nil
	case "partner_id":
		return &partnerRecord{id: p.PartnerID, facts: u.facts}, nil
	case "commercial_partner_id":
		// Not a res.users field in Odoo, but reachable there through the
		// partner delegation (_inherits); rules use it directly.
		c, err := u.facts.CommercialPartner(p.PartnerID)
		return &partnerRecord{id: c, facts: u.facts}, err
	case "all_group_ids", "group_ids", "groups_id":
		// all_group_ids is the 19 name (implied groups included);
		// groups_id the name before 19. Principal's groups are the full,
		// transitive set either way.
		return idSet(p.GroupIDs), nil
	case "share":
		return p.InGroup("base.group_portal") || p.InGroup("base.group_public"), nil
	case "active":
		return true, nil
	}
	return nil, fmt.Errorf("user has no attribute %q available to rules", name)
}

// idRecord is a many2one value of which rules only read .id.
type idRecord int64

func (r idRecord) Attr(name string) (any, error) {
	if name == "id" {
		return int64(r), nil
	}
	return nil, fmt.Errorf("attribute %q is not available to rules (only id)", name)
}

// idSet is an x2many value of which rules read .ids.
type idSet []int64

func (s idSet) Attr(name string) (any, error) {
	if name == "ids" {
		return slices.Clone([]int64(s)), nil
	}
	return nil, fmt.Errorf("attribute %q is not available to rules (only ids)", name)
}

type partnerRecord struct {
	id    int64
	facts userFacts
}

func (r *partnerRecord) Attr(name string) (any, error) {
	switch name {
	case "id":
		return r.id, nil
	case "commercial_partner_id":
		c, err := r.facts.CommercialPartner(r.id)
		return &partnerRecord{id: c, facts: r.facts}, err
	}
	return nil, fmt.Errorf("partner attribute %q is not available to rules (id, commercial_partner_id)", name)
}

// probeFacts answers for the made-up user rules are checked with at load.
type probeFacts struct{}

func (probeFacts) Name() (string, error)                     { return "probe", nil }
func (probeFacts) CommercialPartner(id int64) (int64, error) { return id, nil }

func probeContext() domain.EvalContext {
	p := &principal.Principal{UserID: 2, Login: "probe", CompanyID: 1, CompanyIDs: []int64{1}, PartnerID: 3, GroupIDs: []int64{1}}
	return newEvalContext(p, probeFacts{}, p.CompanyIDs)
}
