package orm

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// GroupQuery is Odoo's _read_group: the records matching Domain (and the
// caller's read rules), grouped by GroupBy specs ("field" or
// "field:granularity"), with Aggregates ("field:func" or "__count"),
// filtered by Having (a domain on aggregate specs, JSON form), sorted by
// Order (groupby and aggregate specs; default: the groupby specs) and
// paged by Offset and Limit.
type GroupQuery struct {
	Domain     domain.Node
	GroupBy    []string
	Aggregates []string
	Having     []any
	Offset     int
	Limit      int
	Order      string
	// Method names the public method in errors and the audit trail
	// (default "read_group").
	Method string
}

// GroupRow is one group: Keys in GroupBy order, Aggs in Aggregates order.
// Keys are canonical: nil (unset), an int64 id (many2one), the range
// start "YYYY-MM-DD" (date granularities), or the value (string, bool,
// int64, float64). Aggregates are int64, float64, strings (min/max of
// dates and chars), bool, []any (array_agg) or nil (no value).
type GroupRow struct {
	Keys []any
	Aggs []any
}

// Date granularities of a groupby spec, as Odoo names them.
var granularities = map[string]bool{"day": true, "week": true, "month": true, "quarter": true, "year": true}

// aggregate functions accepted in an aggregate spec. recordset is Odoo's
// array_agg of ids (formatted_read_group maps it to array_agg).
var aggregateFuncs = map[string]bool{
	"sum": true, "avg": true, "min": true, "max": true, "count": true,
	"count_distinct": true, "array_agg": true, "bool_and": true, "bool_or": true,
}

// specRE is a grouping spec: a field name or, for a groupby, a dotted
// path of field names, and an optional granularity or function.
var specRE = regexp.MustCompile(`^([a-z0-9_]+(?:\.[a-z0-9_]+)*)(?::([a-z_]+))?$`)

// groupTerm is one parsed groupby spec. name is the field or dotted path
// the group's domains name; path the many2one steps before field (the
// last field of the path); joins the LEFT JOINs expr reads from.
type groupTerm struct {
	spec  string
	name  string
	path  []*Field
	field *Field
	gran  string
	expr  string
	joins []groupJoin
}

type aggTerm struct {
	spec  string
	field *Field // nil for __count
	fn    string
	expr  string
}

// specError is a grouping spec the model does not accept: the client's
// mistake, named.
func specError(model, spec, why string) error {
	return errs.Validation("Invalid grouping specification for "+model,
		errs.FieldError{Field: safeSpec(spec), Message: why})
}

func safeSpec(s string) string {
	if len(s) <= 64 && specRE.MatchString(s) || s == "__count" {
		return s
	}
	return "(invalid specification)"
}

// groupField resolves spec's field with the field-groups check.
func (m *Model) specField(method, spec, name string) (*Field, error) {
	f, ok := m.meta.fields[name]
	if !ok {
		return nil, specError(m.meta.Name, spec, "unknown field of "+m.meta.Name)
	}
	if !m.fieldAllowed(m.meta, f) {
		return nil, m.env.denied(method, m.meta.Name, nil, fieldAccessError(m.meta, f, OpRead))
	}
	return f, nil
}

// groupable reports the fields rampart groups on: stored columns other
// than text and json (their values are not group keys), id excluded, and
// many2many fields (a record in one group per linked record).
func groupable(f *Field) bool {
	if f.Type == Many2many {
		return true
	}
	return f.Stored() && f.Type != Text && f.Type != JSON && f.Name != "id"
}

// parseGroupBys parses the groupby specs once each (Odoo's groupby_terms
// is a dict: a repeated spec groups once), in order; the position names
// each term's join aliases.
func (m *Model) parseGroupBys(method string, specs []string, d store.Dialect) ([]*groupTerm, error) {
	var gs []*groupTerm
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s] {
			continue
		}
		seen[s] = true
		g, err := m.parseGroupBy(method, s, d, "g"+strconv.Itoa(len(gs)))
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, nil
}

func (m *Model) parseGroupBy(method, spec string, d store.Dialect, alias string) (*groupTerm, error) {
	mt := specRE.FindStringSubmatch(spec)
	if mt == nil {
		return nil, specError(m.meta.Name, spec, `expected "field", "field:granularity" or "many2one_field.field"`)
	}
	path, f, err := m.groupPath(method, spec, mt[1])
	if err != nil {
		return nil, err
	}
	if !groupable(f) {
		return nil, specError(m.meta.Name, spec, "cannot group by a "+f.Type+" field")
	}
	g := &groupTerm{spec: spec, name: mt[1], path: path, field: f, gran: mt[2]}
	on := m.joinPath(g, d, alias)
	if f.Type == Many2many {
		if g.gran != "" {
			return nil, specError(m.meta.Name, spec, "a granularity applies to date and datetime fields only")
		}
		g.expr = g.joinMany2many(d, alias, on)
		return g, nil
	}
	g.expr = groupExpr(d, g, on+"."+d.QuoteIdent(f.Column))
	if g.expr == "" {
		return nil, specError(m.meta.Name, spec, groupGranError(f, g.gran))
	}
	if len(path) > 0 && numericType(f.Type) {
		// A record whose path is unset groups as False, as in Odoo;
		// only a linked record's unset number reads 0.
		g.expr = "CASE WHEN " + on + ".id IS NULL THEN NULL ELSE " + g.expr + " END"
	}
	return g, nil
}

func numericType(t string) bool { return t == Integer || t == Float || t == Monetary }

// groupGranError says what is wrong with a date groupby's granularity.
func groupGranError(f *Field, gran string) string {
	switch {
	case f.Type != Date && f.Type != Datetime:
		return "a granularity applies to date and datetime fields only"
	case gran == "":
		return "a date or datetime groupby needs a granularity (day, week, month, quarter, year)"
	}
	return "unknown granularity (day, week, month, quarter, year)"
}

// groupExpr is the SQL value g groups by, col being its column; "" when
// g's granularity does not fit its field.
func groupExpr(d store.Dialect, g *groupTerm, col string) string {
	f := g.field
	pg := d.Name() == "postgres"
	switch {
	case f.Type == Date || f.Type == Datetime:
		if !granularities[g.gran] {
			return ""
		}
		return truncSQL(pg, col, g.gran)
	case g.gran != "":
		return ""
	case f.Type == Boolean:
		if pg {
			return "COALESCE(" + col + ", FALSE)"
		}
		return "COALESCE(" + col + ", 0)"
	case f.Type == Monetary:
		return floatCast(pg, "COALESCE("+col+", 0)")
	case f.Type == Integer || f.Type == Float:
		// An unset number reads 0 (Odoo stores 0): it groups with 0.
		return "COALESCE(" + col + ", 0)"
	}
	return col
}

// truncSQL is the range start of col's period as text "YYYY-MM-DD" on
// both databases (weeks are ISO weeks, starting on Monday).
func truncSQL(pg bool, col, gran string) string {
	if pg {
		return "to_char(date_trunc('" + gran + "', " + col + "::timestamp), 'YYYY-MM-DD')"
	}
	switch gran {
	case "day":
		return "date(" + col + ")"
	case "week":
		return "date(" + col + ", '-' || ((CAST(strftime('%w', " + col + ") AS INTEGER) + 6) % 7) || ' days')"
	case "month":
		return "strftime('%Y-%m-01', " + col + ")"
	case "quarter":
		return "(strftime('%Y', " + col + ") || CASE WHEN CAST(strftime('%m', " + col + ") AS INTEGER) <= 3 THEN '-01-01'" +
			" WHEN CAST(strftime('%m', " + col + ") AS INTEGER) <= 6 THEN '-04-01'" +
			" WHEN CAST(strftime('%m', " + col + ") AS INTEGER) <= 9 THEN '-07-01' ELSE '-10-01' END)"
	}
	return "strftime('%Y-01-01', " + col + ")"
}

func floatCast(pg bool, e string) string {
	if pg {
		return "CAST(" + e + " AS DOUBLE PRECISION)"
	}
	return "CAST(" + e + " AS REAL)"
}

func (m *Model) parseAggregate(method, spec string, d store.Dialect) (*aggTerm, error) {
	if spec == "__count" {
		return &aggTerm{spec: spec, fn: "count", expr: "COUNT(*)"}, nil
	}
	mt := specRE.FindStringSubmatch(spec)
	if mt == nil || mt[2] == "" {
		return nil, specError(m.meta.Name, spec, `expected "field:function" or "__count"`)
	}
	f, err := m.specField(method, spec, mt[1])
	if err != nil {
		return nil, err
	}
	fn := mt[2]
	if fn == "recordset" {
		fn = "array_agg"
	}
	if !aggregateFuncs[fn] {
		return nil, specError(m.meta.Name, spec, "unknown aggregate function (sum, avg, min, max, count, count_distinct, array_agg, bool_and, bool_or)")
	}
	if !f.Stored() || f.Type == JSON || f.Type == Text && fn != "count" && fn != "count_distinct" {
		return nil, specError(m.meta.Name, spec, "cannot aggregate a "+f.Type+" field with "+fn)
	}
	numeric := f.Type == Integer || f.Type == Float || f.Type == Monetary
	ok := true
	switch fn {
	case "sum", "avg":
		ok = numeric
	case "min", "max":
		ok = numeric || f.Type == Date || f.Type == Datetime || f.Type == Char || f.Type == Selection || f.Type == Many2one || f.Name == "id"
	case "bool_and", "bool_or":
		ok = f.Type == Boolean
	}
	if !ok {
		return nil, specError(m.meta.Name, spec, "cannot aggregate a "+f.Type+" field with "+fn)
	}
	pg := d.Name() == "postgres"
	col := "t." + d.QuoteIdent(f.Column)
	if numeric {
		// An unset number reads 0 (Odoo stores 0.0): it counts as 0.
		col = "COALESCE(" + col + ", 0)"
	}
	if f.Type == Monetary && fn != "count" && fn != "count_distinct" && fn != "array_agg" {
		col = floatCast(pg, col)
	}
	a := &aggTerm{spec: spec, field: f, fn: fn}
	switch fn {
	case "count":
		a.expr = "COUNT(" + col + ")"
	case "count_distinct":
		a.expr = "COUNT(DISTINCT " + col + ")"
	case "sum":
		a.expr = "SUM(" + col + ")"
		if pg && f.Type == Integer {
			// PostgreSQL's sum of bigints is numeric.
			a.expr = "CAST(SUM(" + col + ") AS BIGINT)"
		}
	case "avg":
		a.expr = floatCast(pg, "AVG("+col+")")
	case "min", "max":
		a.expr = strings.ToUpper(fn) + "(" + col + ")"
	case "bool_and", "bool_or":
		if pg {
			a.expr = strings.ToUpper(fn) + "(" + col + ")"
		} else {
			a.expr = map[string]string{"bool_and": "MIN", "bool_or": "MAX"}[fn] + "(" + col + ")"
		}
	case "array_agg":
		// Both databases answer a JSON array, in id order as Odoo's
		// ARRAY_AGG(x ORDER BY id); dates travel as Odoo's text forms.
		v := col
		if pg {
			switch f.Type {
			case Date:
				v = "to_char(" + col + ", 'YYYY-MM-DD')"
			case Datetime:
				v = "to_char(" + col + ", 'YYYY-MM-DD HH24:MI:SS')"
			case Monetary:
				v = floatCast(true, col)
			}
			a.expr = "CAST(json_agg(" + v + " ORDER BY t.id) AS TEXT)"
		} else {
			a.expr = "json_group_array(" + v + " ORDER BY t.id)"
		}
	}
	return a, nil
}

// havingSQL compiles Odoo's having domain (prefix notation, leaves
// [aggregate_spec, operator, number]) into q.
func (m *Model) havingSQL(method string, q *sqlBuf, having []any) (string, error) {
	var stack []string
	pop := func() (string, error) {
		if len(stack) == 0 {
			return "", errs.Validation("Invalid having clause: missing operand")
		}
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return s, nil
	}
	// Odoo builds the SQL from the end, as a stack machine; placeholders
	// must appear in argument order, so leaves are rendered first with
	// markers and the args appended in textual order afterwards.
	type leaf struct {
		expr, op string
		vals     []any
	}
	var leaves []leaf
	for i := len(having) - 1; i >= 0; i-- {
		switch x := having[i].(type) {
		case string:
			switch x {
			case "!":
				a, err := pop()
				if err != nil {
					return "", err
				}
				stack = append(stack, "(NOT "+a+")")
			case "&", "|":
				a, err := pop()
				if err != nil {
					return "", err
				}
				b, err := pop()
				if err != nil {
					return "", err
				}
				op := map[string]string{"&": " AND ", "|": " OR "}[x]
				stack = append(stack, "("+a+op+b+")")
			default:
				return "", errs.Validation("Invalid having clause: unknown operator")
			}
		case []any:
			if len(x) != 3 {
				return "", errs.Validation("Invalid having clause: a leaf is [aggregate, operator, value]")
			}
			spec, _ := x[0].(string)
			op, _ := x[1].(string)
			a, err := m.parseAggregate(method, spec, q.d)
			if err != nil {
				return "", err
			}
			var vals []any
			switch op {
			case "<", ">", "<=", ">=", "=", "!=":
				n, ok := havingNumber(x[2])
				if !ok {
					return "", specError(m.meta.Name, spec, "a having value is a number")
				}
				vals = []any{n}
			case "in", "not in":
				l, ok := x[2].([]any)
				if !ok || len(l) == 0 {
					return "", specError(m.meta.Name, spec, "an in/not in having value is a non-empty list of numbers")
				}
				for _, e := range l {
					n, ok := havingNumber(e)
					if !ok {
						return "", specError(m.meta.Name, spec, "a having value is a number")
					}
					vals = append(vals, n)
				}
			default:
				return "", specError(m.meta.Name, spec, "supported having operators: in, not in, <, >, <=, >=, =, !=")
			}
			leaves = append(leaves, leaf{a.expr, op, vals})
			stack = append(stack, "\x00"+strconv.Itoa(len(leaves)-1)+"\x00")
		default:
			return "", errs.Validation("Invalid having clause: it should be a domain-like list")
		}
	}
	if len(stack) == 0 {
		return "", nil
	}
	for len(stack) > 1 {
		a, _ := pop()
		b, _ := pop()
		stack = append(stack, "("+a+" AND "+b+")")
	}
	// Render the markers left to right, adding the arguments in order.
	src, out := stack[0], strings.Builder{}
	for {
		i := strings.IndexByte(src, 0)
		if i < 0 {
			out.WriteString(src)
			break
		}
		j := strings.IndexByte(src[i+1:], 0) + i + 1
		n, _ := strconv.Atoi(src[i+1 : j])
		l := leaves[n]
		out.WriteString(src[:i])
		switch l.op {
		case "in", "not in":
			ps := make([]string, len(l.vals))
			for k, v := range l.vals {
				ps[k] = q.arg(v)
			}
			out.WriteString(l.expr + " " + strings.ToUpper(l.op) + " (" + strings.Join(ps, ", ") + ")")
		case "!=":
			out.WriteString(l.expr + " <> " + q.arg(l.vals[0]))
		default:
			out.WriteString(l.expr + " " + l.op + " " + q.arg(l.vals[0]))
		}
		src = src[j+1:]
	}
	return out.String(), nil
}

func havingNumber(v any) (any, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return n, true
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		return f, err == nil
	}
	return nil, false
}

// orderGroupSQL renders a read_group order: each term a groupby spec or
// an aggregate spec, with a direction and nulls placement. Many2one
// groups follow the comodel's order (its read ACL and field groups
// checked), selection groups the selection's order, as in Odoo. Every
// groupby expression ends the list, so that the groups' order is total.
func (m *Model) orderGroupSQL(method string, q *sqlBuf, order string, gs []*groupTerm) (string, error) {
	if strings.TrimSpace(order) == "" {
		specs := make([]string, len(gs))
		for i, g := range gs {
			specs[i] = g.spec
		}
		order = strings.Join(specs, ", ")
	}
	if len(order) > maxOrderLen {
		return "", errs.Validation("Invalid order: too long")
	}
	var parts []string
	used := map[*groupTerm]bool{}
	for _, part := range strings.Split(order, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			if strings.TrimSpace(order) == "" {
				continue
			}
			return "", errs.Validation("Invalid order: empty term")
		}
		if len(parts) >= maxOrderTerms {
			return "", errs.Validation("Invalid order: too many terms")
		}
		desc, nulls := false, ""
		rest := words[1:]
		if len(rest) > 0 {
			switch strings.ToLower(rest[0]) {
			case "asc":
				rest = rest[1:]
			case "desc":
				desc, rest = true, rest[1:]
			}
		}
		if len(rest) == 2 && strings.EqualFold(rest[0], "nulls") && (strings.EqualFold(rest[1], "first") || strings.EqualFold(rest[1], "last")) {
			nulls, rest = strings.ToLower(rest[1]), nil
		}
		if len(rest) != 0 {
			return "", errs.Validation("Invalid order: expected \"spec [asc|desc] [nulls first|last]\"", errs.FieldError{Field: safeSpec(words[0]), Message: "unexpected words after the term"})
		}
		if nulls == "" {
			nulls = map[bool]string{false: "last", true: "first"}[desc]
		}
		dir := map[bool]string{false: " ASC", true: " DESC"}[desc]
		var g *groupTerm
		for _, x := range gs {
			if x.spec == words[0] {
				g = x
			}
		}
		if g == nil {
			a, err := m.parseAggregate(method, words[0], q.d)
			if err != nil {
				return "", err
			}
			parts = append(parts, a.expr+dir+" NULLS "+strings.ToUpper(nulls))
			continue
		}
		used[g] = true
		// A path sorts by its value, as Odoo's order term that is not a
		// field of the model; a many2many by the linked ids.
		switch {
		case g.field.Type == Many2one && len(g.path) == 0:
			co := m.env.reg.models[g.field.Comodel]
			// The comodel's order sorts by its fields: only for a caller
			// who may read the comodel (a portal user groups orders by
			// salesperson without reading res.users: the groups then
			// follow the ids, the names shown being Odoo's sudo names).
			if co == nil || len(co.order) == 1 && co.order[0].field.Name == "id" && len(co.order[0].path) == 0 || !m.mayRead(co.Name) {
				parts = append(parts, g.expr+dir+" NULLS "+strings.ToUpper(nulls))
				continue
			}
			terms, err := m.order(method, g.field.Name+map[bool]string{false: "", true: " desc"}[desc])
			if err != nil {
				return "", err
			}
			// NULL (no link) sorts as the caller asked; then the
			// comodel's order.
			parts = append(parts, "CASE WHEN "+g.expr+" IS NULL THEN "+map[bool]string{true: "0", false: "1"}[nulls == "first"]+" ELSE "+map[bool]string{true: "1", false: "0"}[nulls == "first"]+" END")
			parts = append(parts, strings.TrimSuffix(orderSQL(q.d, "t", terms), ", t."+q.ident("id")))
		case g.field.Type == Selection && len(g.path) == 0:
			var b strings.Builder
			b.WriteString("CASE")
			for i, k := range g.field.SelectionKeys() {
				b.WriteString(" WHEN " + g.expr + " = " + q.arg(k) + " THEN " + strconv.Itoa(i))
			}
			b.WriteString(" END")
			parts = append(parts, b.String()+dir+" NULLS "+strings.ToUpper(nulls))
		default:
			parts = append(parts, g.expr+dir+" NULLS "+strings.ToUpper(nulls))
		}
	}
	for _, g := range gs {
		if !used[g] {
			parts = append(parts, g.expr+" ASC NULLS LAST")
		}
	}
	return strings.Join(parts, ", "), nil
}

// Group is Odoo's _read_group under the caller's rights: the model's read
// ACL, the read rules ANDed into the query, field groups on every field
// the groupby, aggregates, having, order and domain name, and the API
// key's scopes. The number of groups is bounded by the answer budget
// (refused, never cut).
func (m *Model) Group(gq GroupQuery) ([]GroupRow, error) {
	method := gq.Method
	if method == "" {
		method = "read_group"
	}
	tx, err := m.start(method, OpRead, false)
	if err != nil {
		return nil, err
	}
	if gq.Offset < 0 {
		return nil, errs.Validation("Invalid offset", errs.FieldError{Field: "offset", Message: "must not be negative"})
	}
	limit, err := m.sqlLimit(gq.Limit)
	if err != nil {
		return nil, err
	}
	d := tx.Dialect()
	gs, err := m.parseGroupBys(method, gq.GroupBy, d)
	if err != nil {
		return nil, err
	}
	var as []*aggTerm
	for _, s := range gq.Aggregates {
		a, aerr := m.parseAggregate(method, s, d)
		if aerr != nil {
			return nil, aerr
		}
		as = append(as, a)
	}
	if len(gs) == 0 && len(as) == 0 {
		return nil, errs.Validation("Need groupby or aggregates.")
	}
	q, err := m.groupSelect(method, tx, gq.Domain, gs, as)
	if err != nil {
		return nil, err
	}
	if len(gs) > 0 {
		exprs := make([]string, len(gs))
		for i, g := range gs {
			exprs[i] = g.expr
		}
		q.w(" GROUP BY ", strings.Join(exprs, ", "))
	}
	if len(gq.Having) > 0 {
		h, herr := m.havingSQL(method, q, gq.Having)
		if herr != nil {
			return nil, herr
		}
		if h != "" {
			q.w(" HAVING ", h)
		}
	}
	if len(gs) > 0 {
		o, oerr := m.orderGroupSQL(method, q, gq.Order, gs)
		if oerr != nil {
			return nil, oerr
		}
		if o != "" {
			q.w(" ORDER BY ", o)
		}
		q.w(" LIMIT ", q.arg(int64(limit)))
		if gq.Offset > 0 {
			q.w(" OFFSET ", q.arg(int64(gq.Offset)))
		}
	}
	rows, err := m.scanGroups(tx, q, gs, as)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 && gq.Offset > 0 {
		rows = nil // one group, skipped
	}
	if err := m.overBudget(method, len(rows)); err != nil {
		return nil, err
	}
	// Many2one and many2many group keys are shown with the comodel's
	// display names, read as Odoo does (sudo), within the key's scopes.
	for _, g := range gs {
		if g.field.Type == Many2one || g.field.Type == Many2many {
			if err := m.env.checkScope(method, g.field.Comodel, OpRead); err != nil {
				return nil, err
			}
		}
	}
	m.auditSudo(method, nil)
	return rows, nil
}

// groupSelect is "SELECT <groupby and aggregate expressions> FROM ..."
// over the records matching dom and the read rules. Groupbys that read
// joined tables get the matching records as a derived table t, then
// their LEFT JOINs.
func (m *Model) groupSelect(method string, tx *store.Tx, dom domain.Node, gs []*groupTerm, as []*aggTerm) (*sqlBuf, error) {
	var cols []string
	joins := false
	for _, g := range gs {
		cols = append(cols, g.expr)
		joins = joins || len(g.joins) > 0
	}
	for _, a := range as {
		cols = append(cols, a.expr)
	}
	list := strings.Join(cols, ", ")
	if !joins {
		return m.selectWhere(method, tx, dom, func(q *sqlBuf) { q.w(list) })
	}
	inner, err := m.selectWhere(method, tx, dom, func(q *sqlBuf) { q.w("t.*") })
	if err != nil {
		return nil, err
	}
	// The derived table comes first, so its parameters keep their
	// places; the joins' follow.
	q := newSQL(tx.Dialect())
	q.model, q.method, q.rule = inner.model, inner.method, inner.rule
	q.w("SELECT ", list, " FROM (", inner.String(), ") t")
	q.args = inner.args
	if err := m.renderJoins(q, gs); err != nil {
		return nil, err
	}
	return q, nil
}

func (m *Model) scanGroups(tx *store.Tx, q *sqlBuf, gs []*groupTerm, as []*aggTerm) ([]GroupRow, error) {
	start := time.Now()
	rs, err := q.run(m.env.ctx, tx)
	if err != nil {
		return nil, dbError(tx, err)
	}
	var out []GroupRow
	defer func() { rs.Close(); q.done(m.env.ctx, tx, start, len(out)) }()
	n := len(gs) + len(as)
	dest := make([]any, n)
	for i := range dest {
		dest[i] = new(any)
	}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "")
		}
		r := GroupRow{Keys: make([]any, len(gs)), Aggs: make([]any, len(as))}
		for i, g := range gs {
			r.Keys[i] = groupValue(g.field, g.gran, *dest[i].(*any))
		}
		for i, a := range as {
			v, err := aggValue(a, *dest[len(gs)+i].(*any))
			if err != nil {
				return nil, err
			}
			r.Aggs[i] = v
		}
		out = append(out, r)
		if len(out) > m.env.reg.Budget.rows() {
			break
		}
	}
	if err := rs.Err(); err != nil {
		return nil, dbError(tx, err)
	}
	return out, nil
}

// groupValue normalizes a scanned group key (see GroupRow).
func groupValue(f *Field, gran string, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	if gran != "" {
		switch t := v.(type) {
		case string:
			return t
		case time.Time:
			return t.Format(DateLayout)
		}
		return nil
	}
	switch f.Type {
	case Boolean:
		switch b := v.(type) {
		case bool:
			return b
		case int64:
			return b != 0
		}
	case Integer, Many2one, Many2many:
		if n, ok := v.(int64); ok {
			return n
		}
		if x, ok := v.(float64); ok {
			return int64(x)
		}
	case Float, Monetary:
		return toFloat(v)
	}
	return v
}

func toFloat(v any) any {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case string:
		if x, err := strconv.ParseFloat(n, 64); err == nil {
			return x
		}
	}
	return v
}

// aggValue normalizes a scanned aggregate; NULL is nil (the formatters
// turn it into Odoo's empty value).
func aggValue(a *aggTerm, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch a.fn {
	case "count", "count_distinct":
		if v == nil {
			return int64(0), nil
		}
		if n, ok := v.(int64); ok {
			return n, nil
		}
		return v, nil
	case "array_agg":
		s, _ := v.(string)
		if s == "" {
			return []any{}, nil
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var l []any
		if err := dec.Decode(&l); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "")
		}
		for i, e := range l {
			l[i] = jsonElem(a.field, e)
		}
		if l == nil {
			l = []any{}
		}
		return l, nil
	}
	if v == nil {
		return nil, nil
	}
	switch a.fn {
	case "bool_and", "bool_or":
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		}
	case "avg":
		return toFloat(v), nil
	case "sum", "min", "max":
		switch a.field.Type {
		case Float, Monetary:
			return toFloat(v), nil
		case Integer, Many2one:
			if x, ok := v.(float64); ok {
				return int64(x), nil
			}
		case Date, Datetime:
			return timeValue(a.field, v), nil
		}
	}
	return v, nil
}

// jsonElem converts one array_agg element to the field's read form.
func jsonElem(f *Field, e any) any {
	if e == nil {
		return nil
	}
	switch x := e.(type) {
	case json.Number:
		switch f.Type {
		case Boolean:
			n, _ := x.Int64()
			return n != 0
		case Float, Monetary:
			v, _ := x.Float64()
			return v
		}
		if n, err := x.Int64(); err == nil {
			return n
		}
		v, _ := x.Float64()
		return v
	case string:
		if f.Type == Date || f.Type == Datetime {
			return timeValue(f, x)
		}
	}
	return e
}

// groupNames reads the display names of many2one and many2many group keys (as Odoo:
// with the server's rights), per groupby position.
func (m *Model) groupNames(rows []GroupRow, fields []*Field) (map[int]map[int64]any, error) {
	out := map[int]map[int64]any{}
	tx, err := m.env.Tx()
	if err != nil {
		return nil, err
	}
	for i, f := range fields {
		if f.Type != Many2one && f.Type != Many2many {
			continue
		}
		want := map[int64]any{}
		for _, r := range rows {
			if id, ok := r.Keys[i].(int64); ok {
				want[id] = nil
			}
		}
		if len(want) > 0 {
			if err := m.env.displayNames(tx, m.env.reg.models[f.Comodel], want); err != nil {
				return nil, err
			}
		}
		out[i] = want
	}
	return out, nil
}

// mayRead reports, without recording a refusal, whether the caller may
// read model (ACL and key scope); always under sudo.
func (m *Model) mayRead(model string) bool {
	if !m.checked() {
		return true
	}
	return m.env.scopeAllows(model, OpRead) && m.env.reg.policy.CheckModel(m.env, model, OpRead) == nil
}
