package odoorpc

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
)

// groupMethods are Odoo's grouping methods on every model, with Odoo
// 19's signatures: read_group (deprecated but what most clients call),
// formatted_read_group and web_read_group.
func groupMethods() map[string]*Method {
	return map[string]*Method{
		"read_group": {Name: "read_group", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "fields", Required: true}, {Name: "groupby", Required: true},
			{Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "orderby", Default: false}, {Name: "lazy", Default: true}},
			Fn: doReadGroup},
		"formatted_read_group": {Name: "formatted_read_group", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "groupby", Default: []any{}}, {Name: "aggregates", Default: []any{}},
			{Name: "having", Default: []any{}}, {Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "order"}},
			Fn: doFormattedReadGroup},
		"web_read_group": {Name: "web_read_group", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "groupby", Required: true}, {Name: "aggregates", Default: []any{}},
			{Name: "limit"}, {Name: "offset", Default: int64(0)}, {Name: "order"},
			{Name: "auto_unfold", Default: false}, {Name: "opening_info"}, {Name: "unfold_read_specification"},
			{Name: "unfold_read_default_limit", Default: int64(80)}, {Name: "groupby_read_specification"}},
			Fn: doWebReadGroup},
	}
}

func doReadGroup(c *Call) (any, error) {
	a := &args{c: c}
	dom, fields, groupby := a.domain("domain"), a.strs("fields"), a.strs("groupby")
	offset, limit, orderby := a.offset(), a.limit("limit"), a.str("orderby")
	if !a.ok() {
		return nil, a.err
	}
	lazy := argBool(c.Args["lazy"])
	return runORM(c, func(m *orm.Model) (any, error) {
		return m.ReadGroup(dom, fields, groupby, offset, limit, orderby, lazy)
	})
}

func doFormattedReadGroup(c *Call) (any, error) {
	a := &args{c: c}
	dom, groupby, aggs, having := a.domain("domain"), a.strs("groupby"), a.strs("aggregates"), a.domain("having")
	offset, limit, order := a.offset(), a.limit("limit"), a.str("order")
	if !a.ok() {
		return nil, a.err
	}
	return runORM(c, func(m *orm.Model) (any, error) {
		return m.FormattedReadGroup(dom, groupby, aggs, having, offset, limit, order)
	})
}

// doWebReadGroup serves web_read_group's groups and length. Opening
// groups (the web client's auto_unfold, opening_info and
// groupby_read_specification) is refused rather than ignored, so that a
// client never takes closed groups for empty ones.
func doWebReadGroup(c *Call) (any, error) {
	a := &args{c: c}
	dom, groupby, aggs := a.domain("domain"), a.strs("groupby"), a.strs("aggregates")
	offset, limit, order := a.offset(), a.limit("limit"), a.str("order")
	if !a.ok() {
		return nil, a.err
	}
	if argBool(c.Args["auto_unfold"]) || argBool(c.Args["opening_info"]) || argBool(c.Args["groupby_read_specification"]) {
		return nil, errs.Ef(errs.UserError, "%s(): opening groups (auto_unfold, opening_info, groupby_read_specification) is not supported; read each group's records with search_read and the group's __extra_domain", c.qual())
	}
	if len(groupby) == 0 {
		return nil, typeError("%s(): argument 'groupby' must be a non-empty list of groupby specifications", c.qual())
	}
	return runORM(c, func(m *orm.Model) (any, error) {
		return m.WebReadGroup(dom, groupby, aggs, limit, offset, order)
	})
}
