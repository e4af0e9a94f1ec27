package orm

import (
	"strconv"
	"strings"

	"github.com/rampart/rampart/store"
)

// Grouping along a dotted path (partner_id.country_id) and by a many2many
// field, as Odoo 19's _read_group_groupby: each many2one step is a LEFT
// JOIN of its comodel restricted to the records the caller may read (Odoo
// 19 joins the comodel's _search([]), its read rules applied, with
// active_test off), so a record whose linked record the caller may not
// read is in the False group and no hidden value is grouped on; a
// many2many is a LEFT JOIN of its relation table restricted likewise, so
// that a record appears once per linked record it may see and, linked to
// none, in the False group.

// groupJoin is one LEFT JOIN a groupby reads from. col is the id of a
// comodel record (the joined row's for a many2one step, the linked id of
// a many2many's relation table) that comodel's read rules restrict.
type groupJoin struct {
	table, alias, on string
	col, comodel     string
}

// groupPath resolves a groupby's field name or dotted path: every step a
// many2one the caller may follow (its field groups, then the comodel's
// read ACL and the key's scopes, as a domain or order path), the last
// name a field of the last comodel, its field groups checked. At most
// maxOrderDepth steps.
func (m *Model) groupPath(method, spec, name string) ([]*Field, *Field, error) {
	names := strings.Split(name, ".")
	if len(names) > maxOrderDepth+1 {
		return nil, nil, specError(m.meta.Name, spec, "a groupby path has at most "+strconv.Itoa(maxOrderDepth)+" many2one steps")
	}
	meta := m.meta
	var path []*Field
	for i, n := range names {
		f, ok := meta.fields[n]
		if !ok {
			return nil, nil, specError(m.meta.Name, spec, "unknown field of "+meta.Name)
		}
		if !m.fieldAllowed(meta, f) {
			return nil, nil, m.env.denied(method, m.meta.Name, nil, fieldAccessError(meta, f, OpRead))
		}
		if i == len(names)-1 {
			return path, f, nil
		}
		co := m.env.reg.models[f.Comodel]
		if f.Type != Many2one || co == nil {
			return nil, nil, specError(m.meta.Name, spec, safeName(n)+" is not a many2one field of "+meta.Name+": a groupby path follows many2one fields")
		}
		if err := m.env.checkModel(method, co.Name, OpRead); err != nil {
			return nil, nil, err
		}
		path, meta = append(path, f), co
	}
	return nil, nil, specError(m.meta.Name, spec, "empty groupby")
}

// joinPath adds the LEFT JOINs of g's many2one steps, aliased prefix_1,
// prefix_2, ..., and returns the alias the last field is read on ("t"
// without a path).
func (m *Model) joinPath(g *groupTerm, d store.Dialect, prefix string) string {
	from := "t"
	for i, f := range g.path {
		alias := prefix + "_" + strconv.Itoa(i+1)
		g.joins = append(g.joins, groupJoin{table: m.env.reg.models[f.Comodel].Table, alias: alias,
			on:  alias + ".id = " + from + "." + d.QuoteIdent(f.Column),
			col: alias + ".id", comodel: f.Comodel})
		from = alias
	}
	return from
}

// joinMany2many adds the LEFT JOIN of g's many2many relation table on the
// records of alias from and returns the linked id's expression.
func (g *groupTerm) joinMany2many(d store.Dialect, prefix, from string) string {
	f := g.field
	alias := prefix + "_rel"
	g.joins = append(g.joins, groupJoin{table: f.Relation, alias: alias,
		on:  alias + "." + d.QuoteIdent(f.Column1) + " = " + from + ".id",
		col: alias + "." + d.QuoteIdent(f.Column2), comodel: f.Comodel})
	return alias + "." + d.QuoteIdent(f.Column2)
}

// renderJoins writes gs's joins into q. Every join keeps the comodel
// records the caller may read: the comodel's read rule, compiled as Odoo
// applies rules (as superuser, no rules in its own sub-queries).
func (m *Model) renderJoins(q *sqlBuf, gs []*groupTerm) error {
	for _, g := range gs {
		for _, j := range g.joins {
			q.w(" LEFT JOIN ", q.ident(j.table), " ", j.alias, " ON ", j.on)
			co := &Model{env: m.env, meta: m.env.reg.models[j.comodel]}
			rule, err := co.ruleDomain(OpRead)
			if err != nil {
				return err
			}
			if rule == nil {
				continue
			}
			c := j.alias + "_co"
			q.w(" AND ", j.col, " IN (SELECT ", c, ".id FROM ", q.ident(co.meta.Table), " ", c, " WHERE ")
			w, err := co.where(q, c, rule, true)
			if err != nil {
				return err
			}
			q.w(w, ")")
		}
	}
	return nil
}

// pathField is the last field of a field name or many2one path, nil when
// it names none (unchecked: Group checks and refuses).
func (m *Model) pathField(name string) *Field {
	meta := m.meta
	names := strings.Split(name, ".")
	for _, n := range names[:len(names)-1] {
		f, ok := meta.fields[n]
		if !ok || f.Type != Many2one || m.env.reg.models[f.Comodel] == nil {
			return nil
		}
		meta = m.env.reg.models[f.Comodel]
	}
	return meta.fields[names[len(names)-1]]
}
