package access

import (
	"sort"

	"github.com/rampart/rampart/domain"
)

// fakeModels is a hand-written schema for loader tests that do not need
// the ORM.
type fakeModels map[string]map[string]*domain.Field

type fakeModel struct {
	name   string
	fields map[string]*domain.Field
}

func (m fakeModel) Name() string        { return m.name }
func (m fakeModel) Table() string       { return m.name }
func (m fakeModel) ParentField() string { return "parent_id" }
func (m fakeModel) RecName() string     { return "name" }
func (m fakeModel) Field(n string) (*domain.Field, bool) {
	f, ok := m.fields[n]
	return f, ok
}

func (s fakeModels) Model(name string) (domain.ModelInfo, bool) {
	f, ok := s[name]
	if !ok {
		return nil, false
	}
	return fakeModel{name, f}, true
}

func (s fakeModels) Models() []string {
	var out []string
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fields builds a field map: "name:type" or "name:many2one:comodel".
func fields(specs ...string) map[string]*domain.Field {
	m := map[string]*domain.Field{"id": {Name: "id", Type: domain.Integer, Column: "id"}}
	for _, s := range specs {
		var name, typ, co string
		parts := splitColon(s)
		name, typ = parts[0], parts[1]
		if len(parts) > 2 {
			co = parts[2]
		}
		f := &domain.Field{Name: name, Type: typ, Column: name, Comodel: co}
		if typ == domain.Many2many {
			f.Column, f.RelTable, f.RelColumn, f.RelComodelColumn = "", name+"_rel", "src_id", "dst_id"
		}
		m[name] = f
	}
	return m
}

func splitColon(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// odooModels declares the models the hand-written Odoo fixtures use, minus
// a few (sale.report, product.product, account.move.line, hr.job) so that
// skipping is exercised.
func odooModels() fakeModels {
	return fakeModels{
		"res.partner":     fields("name:char", "company_id:many2one:res.company", "parent_id:many2one:res.partner", "commercial_partner_id:many2one:res.partner", "active:boolean"),
		"res.company":     fields("name:char"),
		"res.users":       fields("login:char", "partner_id:many2one:res.partner", "all_group_ids:many2many:res.groups"),
		"res.groups":      fields("name:char"),
		"sale.order":      fields("name:char", "user_id:many2one:res.users", "partner_id:many2one:res.partner", "company_id:many2one:res.company", "state:selection"),
		"sale.order.line": fields("order_id:many2one:sale.order", "salesman_id:many2one:res.users", "company_id:many2one:res.company"),
		"account.move":    fields("state:selection", "move_type:selection", "partner_id:many2one:res.partner", "company_id:many2one:res.company"),
		"stock.picking":   fields("partner_id:many2one:res.partner", "user_id:many2one:res.users", "company_id:many2one:res.company"),
		"stock.warehouse": fields("company_id:many2one:res.company"),
		"project.project": fields("company_id:many2one:res.company", "privacy_visibility:selection", "favorite_user_ids:many2many:res.users", "partner_id:many2one:res.partner"),
		"project.task":    fields("project_id:many2one:project.project", "user_ids:many2many:res.users", "company_id:many2one:res.company", "partner_id:many2one:res.partner", "active:boolean"),
		"hr.employee":     fields("user_id:many2one:res.users", "department_id:many2one:hr.department", "company_id:many2one:res.company"),
		"hr.department":   fields("manager_id:many2one:hr.employee", "company_id:many2one:res.company", "group_id:many2one:res.groups"),
	}
}
