package domain

import (
	"container/list"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// CompileOptions tune one compilation.
type CompileOptions struct {
	// Alias qualifies the model's columns: the ORM writes
	// FROM "table" AS "alias". Empty means the table name itself. It is
	// quoted by the dialect. Sub-queries use aliases "_d1", "_d2", ...,
	// so the caller's own aliases must not look like those.
	Alias string
	// ArgOffset is the number of parameters that precede the fragment in
	// the final statement: placeholders start at ArgOffset+1. Run the
	// statement with store.Tx.QueryRaw (placeholders are already in the
	// dialect's form).
	ArgOffset int
	// SubFilter returns the domain to AND into every rule-checked 'any'
	// sub-query on model (the comodel's read rules), nil for none. The ORM
	// sets it when not in sudo. It is not applied to 'any!' (x2many ids,
	// child_of/parent_of walks) nor inside the domains it returns, because
	// rule domains run as superuser in Odoo.
	SubFilter func(model string) (Node, error)
}

// Compile compiles n, a domain on model, to a parameterized SQL boolean
// expression for dialect d, without caching (a Compiler caches). Every
// identifier comes from s and is quoted by d; every value is a parameter.
// Errors are *errs.Error: ValidationError for a domain that does not fit
// the schema, Internal for an inconsistent schema.
func Compile(d store.Dialect, s Schema, model string, n Node, o CompileOptions) (sql string, args []any, err error) {
	norm, err := Normalize(s, model, n)
	if err != nil {
		return "", nil, err
	}
	return compileNormalized(d, s, model, norm, o, func(model string, n Node) (Node, error) {
		return Normalize(s, model, n)
	}, nil)
}

// normalizeFunc normalizes a rule domain on a comodel (cached or not).
type normalizeFunc func(model string, n Node) (Node, error)

// compileNormalized compiles a normalized domain. fetched holds sub-filters
// already asked of o.SubFilter, so that it is asked once per comodel.
func compileNormalized(d store.Dialect, s Schema, model string, norm Node, o CompileOptions, normalize normalizeFunc, fetched map[string]Node) (string, []any, error) {
	m, ok := s.Model(model)
	if !ok {
		return "", nil, errs.Ef(errs.ValidationError, "Invalid domain: unknown model %s", short(model))
	}
	c := &sqlBuilder{d: d, s: s, off: o.ArgOffset, subFilter: o.SubFilter, normalize: normalize, id: d.QuoteIdent("id"), fetched: fetched}
	alias := o.Alias
	if alias == "" {
		alias = m.Table()
	}
	if err := c.expr(m, d.QuoteIdent(alias), norm, o.SubFilter != nil); err != nil {
		return "", nil, err
	}
	return c.b.String(), c.args, nil
}

// sqlBuilder writes one compiled expression.
type sqlBuilder struct {
	d         store.Dialect
	s         Schema
	b         strings.Builder
	args      []any
	off       int
	aliases   int
	subFilter func(string) (Node, error)
	normalize normalizeFunc
	filters   map[string]Node
	id        string          // the quoted id column
	fetched   map[string]Node // raw sub-filters already fetched
}

func (c *sqlBuilder) param(v any) string {
	c.args = append(c.args, v)
	return c.d.Placeholder(c.off + len(c.args))
}

func (c *sqlBuilder) newAlias() string {
	c.aliases++
	return c.d.QuoteIdent("_d" + strconv.Itoa(c.aliases))
}

func (c *sqlBuilder) col(alias string, f *Field) (string, error) {
	if f.Column == "" {
		return "", errs.Internalf("domain: field %s has no column", f.Name)
	}
	return alias + "." + c.d.QuoteIdent(f.Column), nil
}

// filter returns the comodel's normalized sub-filter, nil for none.
func (c *sqlBuilder) filter(model string) (Node, error) {
	if c.subFilter == nil {
		return nil, nil
	}
	if n, ok := c.filters[model]; ok {
		return n, nil
	}
	var err error
	raw, ok := c.fetched[model]
	if !ok {
		if raw, err = c.subFilter(model); err != nil {
			return nil, err
		}
	}
	var n Node
	if raw != nil && raw != True {
		if n, err = c.normalize(model, raw); err != nil {
			return nil, err
		}
	}
	if c.filters == nil {
		c.filters = map[string]Node{}
	}
	c.filters[model] = n
	return n, nil
}

// expr writes n, normalized on model m whose row is alias. rules says
// whether 'any' sub-queries get the comodel's sub-filter.
func (c *sqlBuilder) expr(m ModelInfo, alias string, n Node, rules bool) error {
	switch n := n.(type) {
	case Bool:
		if n {
			c.b.WriteString("TRUE")
		} else {
			c.b.WriteString("FALSE")
		}
		return nil
	case *NotNode:
		c.b.WriteString("NOT (")
		if err := c.expr(m, alias, n.x, rules); err != nil {
			return err
		}
		c.b.WriteByte(')')
		return nil
	case *AndNode:
		return c.nary(m, alias, " AND ", n.xs, rules)
	case *OrNode:
		return c.nary(m, alias, " OR ", n.xs, rules)
	case Condition:
		return c.cond(m, alias, n, rules)
	}
	return errs.Internalf("domain: unknown node type %T", n)
}

func (c *sqlBuilder) nary(m ModelInfo, alias, op string, xs []Node, rules bool) error {
	c.b.WriteByte('(')
	for i, x := range xs {
		if i > 0 {
			c.b.WriteString(op)
		}
		if err := c.expr(m, alias, x, rules); err != nil {
			return err
		}
	}
	c.b.WriteByte(')')
	return nil
}

func (c *sqlBuilder) cond(m ModelInfo, alias string, n Condition, rules bool) error {
	f, ok := field(m, n.Field)
	if !ok {
		return errs.Internalf("domain: normalized condition on unknown field %s.%s", m.Name(), n.Field)
	}
	switch n.Operator {
	case "in", "not in":
		return c.in(alias, f, n.Operator == "not in", n.Value)
	case "<", "<=", ">", ">=":
		col, err := c.col(alias, f)
		if err != nil {
			return err
		}
		cmp := col + " " + n.Operator + " " + c.param(sqlValue(n.Value))
		if fv := falsyValue(f); fv != nil && nullable(f) && compareOp(fv, n.Operator, n.Value) {
			c.b.WriteString("(" + cmp + " OR " + col + " IS NULL)")
		} else {
			c.b.WriteString(cmp)
		}
		return nil
	case "like", "not like", "ilike", "not ilike", "=like", "not =like", "=ilike", "not =ilike":
		return c.like(alias, f, n.Operator, n.Value)
	case "any", "not any", "any!", "not any!":
		sub, _ := n.Value.(Node)
		return c.any(alias, f, n.Operator, sub, rules)
	case "child_of", "parent_of":
		return c.hierarchy(m, alias, n.Operator, n.Value, rules)
	}
	return errs.Internalf("domain: non-standard operator %q left after normalization", n.Operator)
}

// sqlValue is the driver value of a canonical value. Go bools travel as
// bools: modernc sqlite binds them as 0/1, pgx as BOOLEAN.
func sqlValue(v any) any { return v }

func (c *sqlBuilder) in(alias string, f *Field, neg bool, value any) error {
	col, err := c.col(alias, f)
	if err != nil {
		return err
	}
	vals, _ := value.([]any)
	null := false
	params := make([]any, 0, len(vals))
	for _, v := range vals {
		if v == false && f.Type != Boolean {
			null = true
			continue
		}
		params = append(params, v)
	}
	// With a falsy value, NULL and that value are the same thing: asking
	// for one asks for both.
	if fv := falsyValue(f); fv != nil && f.Type != Boolean {
		if null && !slices.Contains(params, fv) {
			params = append(params, fv)
		} else if slices.Contains(params, fv) {
			null = true
		}
	}
	nullOK := nullable(f)
	list := ""
	if arr := c.array(f, params); arr != "" {
		// One array parameter: "col = ANY($n)" / "col <> ALL($n)".
		if neg {
			return c.inWrite(col, neg, null, nullOK, false, col+" <> ALL("+arr+")")
		}
		return c.inWrite(col, neg, null, nullOK, false, col+" = ANY("+arr+")")
	}
	if len(params) > 0 {
		ph := make([]string, len(params))
		for i, p := range params {
			ph[i] = c.param(sqlValue(p))
		}
		list = strings.Join(ph, ", ")
	}
	var in string
	switch {
	case len(params) == 0:
	case !neg && len(params) == 1:
		in = col + " = " + list
	case !neg:
		in = col + " IN (" + list + ")"
	case len(params) == 1:
		in = col + " <> " + list
	default:
		in = col + " NOT IN (" + list + ")"
	}
	return c.inWrite(col, neg, null, nullOK, len(params) == 0, in)
}

// inWrite writes an in/not in condition whose non-NULL part is in (or
// nothing, when empty), adding the NULL rows the domain asks for.
func (c *sqlBuilder) inWrite(col string, neg, null, nullOK, empty bool, in string) error {
	switch {
	case !neg && empty:
		if null && nullOK {
			c.b.WriteString(col + " IS NULL")
		} else {
			c.b.WriteString("FALSE")
		}
	case !neg:
		if null && nullOK {
			c.b.WriteString("(" + in + " OR " + col + " IS NULL)")
		} else {
			c.b.WriteString(in)
		}
	case empty:
		if null && nullOK {
			c.b.WriteString(col + " IS NOT NULL")
		} else {
			c.b.WriteString("TRUE")
		}
	default:
		// Without "null wanted", NULL rows are "not in" the set.
		if !null && nullOK {
			c.b.WriteString("(" + in + " OR " + col + " IS NULL)")
		} else {
			c.b.WriteString(in)
		}
	}
	return nil
}

// array returns the placeholder of params as one array parameter, on
// PostgreSQL, for two or more integers on an integer column or strings on
// a text column; "" when the list stays a list of parameters. One
// statement, and one cached plan, then serves every length of list.
func (c *sqlBuilder) array(f *Field, params []any) string {
	if c.d.Name() != "postgres" || len(params) < 2 {
		return ""
	}
	switch f.Type {
	case Integer, Many2one:
		ints := make([]int64, len(params))
		for i, p := range params {
			n, ok := exactInt(p)
			if !ok {
				return ""
			}
			ints[i] = n
		}
		return c.param(ints)
	case Char, Text, Selection:
		strs := make([]string, len(params))
		for i, p := range params {
			s, ok := p.(string)
			if !ok {
				return ""
			}
			strs[i] = s
		}
		return c.param(strs)
	}
	return ""
}

// exactInt converts an integer-valued parameter to int64.
func exactInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) && n >= -(1<<53) && n <= 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// textTypes are stored as text: like needs no cast.
var textTypes = map[string]bool{Char: true, Text: true, Selection: true}

func (c *sqlBuilder) like(alias string, f *Field, op string, value any) error {
	col, err := c.col(alias, f)
	if err != nil {
		return err
	}
	s, _ := value.(string)
	neg := strings.HasPrefix(op, "not ")
	pos := strings.TrimPrefix(op, "not ")
	if pos == "like" || pos == "ilike" {
		s = "%" + s + "%"
	}
	e := col
	if !textTypes[f.Type] {
		e = c.d.CastText(col)
	}
	ph := c.param(s)
	var sql string
	if pos == "ilike" || pos == "=ilike" {
		sql = c.d.ILike(e, ph)
	} else {
		sql = c.d.Like(e, ph)
	}
	switch {
	case !neg:
		c.b.WriteString(sql)
	case nullable(f):
		c.b.WriteString("(NOT (" + sql + ") OR " + col + " IS NULL)")
	default:
		c.b.WriteString("NOT (" + sql + ")")
	}
	return nil
}

func (c *sqlBuilder) any(alias string, f *Field, op string, sub Node, rules bool) error {
	cm, ok := c.s.Model(f.Comodel)
	if !ok {
		return errs.Internalf("domain: field %s: unknown comodel %q", f.Name, f.Comodel)
	}
	neg := strings.HasPrefix(op, "not ")
	var filter Node
	if rules && !strings.HasSuffix(op, "!") {
		var err error
		if filter, err = c.filter(cm.Name()); err != nil {
			return err
		}
	}
	if sub == nil {
		sub = True
	}
	trivial := sub == True && filter == nil
	// where writes the comodel's condition on row a.
	where := func(a string) error {
		if err := c.expr(cm, a, sub, rules); err != nil {
			return err
		}
		if filter != nil {
			c.b.WriteString(" AND ")
			return c.expr(cm, a, filter, false)
		}
		return nil
	}
	// ids writes "SELECT a.id FROM comodel a WHERE ...".
	ids := func() error {
		a := c.newAlias()
		c.b.WriteString("SELECT " + a + "." + c.id + " FROM " + c.d.QuoteIdent(cm.Table()) + " " + a + " WHERE ")
		return where(a)
	}
	switch f.Type {
	case Many2one:
		col, err := c.col(alias, f)
		if err != nil {
			return err
		}
		nullOK := nullable(f)
		switch {
		case trivial && !neg:
			if nullOK {
				c.b.WriteString(col + " IS NOT NULL")
			} else {
				c.b.WriteString("TRUE")
			}
			return nil
		case trivial:
			if nullOK {
				c.b.WriteString(col + " IS NULL")
			} else {
				c.b.WriteString("FALSE")
			}
			return nil
		case neg && nullOK:
			c.b.WriteString("(" + col + " NOT IN (")
		case neg:
			c.b.WriteString(col + " NOT IN (")
		default:
			c.b.WriteString(col + " IN (")
		}
		if err := ids(); err != nil {
			return err
		}
		c.b.WriteString(")")
		if neg && nullOK {
			c.b.WriteString(" OR " + col + " IS NULL)")
		}
		return nil
	case One2many:
		inv, ok := field(cm, f.Inverse)
		if !ok || inv.Column == "" {
			return errs.Internalf("domain: one2many %s: inverse %s.%s is not a stored field", f.Name, cm.Name(), f.Inverse)
		}
		if neg {
			c.b.WriteString("NOT ")
		}
		a := c.newAlias()
		c.b.WriteString("EXISTS (SELECT 1 FROM " + c.d.QuoteIdent(cm.Table()) + " " + a +
			" WHERE " + a + "." + c.d.QuoteIdent(inv.Column) + " = " + alias + "." + c.id)
		if !trivial {
			c.b.WriteString(" AND ")
			if err := where(a); err != nil {
				return err
			}
		}
		c.b.WriteString(")")
		return nil
	case Many2many:
		if f.RelTable == "" || f.RelColumn == "" || f.RelComodelColumn == "" {
			return errs.Internalf("domain: many2many %s has no relation table", f.Name)
		}
		if neg {
			c.b.WriteString("NOT ")
		}
		r := c.newAlias()
		c.b.WriteString("EXISTS (SELECT 1 FROM " + c.d.QuoteIdent(f.RelTable) + " " + r +
			" WHERE " + r + "." + c.d.QuoteIdent(f.RelColumn) + " = " + alias + "." + c.id)
		if idc, ok := sub.(Condition); ok && filter == nil && idc.Field == "id" && idc.Operator == "in" {
			// Linked to one of these ids: the relation table answers alone.
			c.b.WriteString(" AND ")
			rel := &Field{Name: "id", Type: Integer, Column: f.RelComodelColumn, Required: true}
			if err := c.in(r, rel, false, idc.Value); err != nil {
				return err
			}
		} else if !trivial {
			c.b.WriteString(" AND " + r + "." + c.d.QuoteIdent(f.RelComodelColumn) + " IN (")
			if err := ids(); err != nil {
				return err
			}
			c.b.WriteString(")")
		}
		c.b.WriteString(")")
		return nil
	}
	return errs.Internalf("domain: 'any' on non-relational field %s", f.Name)
}

// hierarchy writes child_of/parent_of on m's id: a recursive walk over
// the parent field from the start records (ids, or names matched with
// ilike on the display name), start records included. UNION (not UNION
// ALL) makes the walk terminate on cycles. Names resolve under the
// caller's rules when rules is set (Odoo's _search of the names): a record
// the caller cannot read never starts a walk, so an answer cannot depend
// on its name. The walk itself runs as superuser, as in Odoo.
func (c *sqlBuilder) hierarchy(m ModelInfo, alias, op string, value any, rules bool) error {
	pf, ok := field(m, m.ParentField())
	if !ok || pf.Column == "" {
		return errs.Internalf("domain: model %s has no parent column", m.Name())
	}
	vals, _ := value.([]any)
	var ids []any
	var names []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			names = append(names, s)
		} else {
			ids = append(ids, v)
		}
	}
	table := c.d.QuoteIdent(m.Table())
	parent := c.d.QuoteIdent(pf.Column)
	cte, a, b := c.newAlias(), c.newAlias(), c.newAlias()
	c.b.WriteString(alias + "." + c.id + " IN (WITH RECURSIVE " + cte + "(" + c.id + ") AS (SELECT " + a + "." + c.id + " FROM " + table + " " + a + " WHERE ")
	var starts []string
	if len(ids) > 0 {
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = c.param(id)
		}
		starts = append(starts, a+"."+c.id+" IN ("+strings.Join(ph, ", ")+")")
	}
	if len(names) > 0 {
		rf, ok := field(m, m.RecName())
		if !ok || rf.Column == "" {
			return errs.Internalf("domain: model %s has no stored display name field", m.Name())
		}
		e := a + "." + c.d.QuoteIdent(rf.Column)
		if !textTypes[rf.Type] {
			e = c.d.CastText(e)
		}
		var byName []string
		for _, s := range names {
			byName = append(byName, c.d.ILike(e, c.param("%"+s+"%")))
		}
		var filter Node
		if rules {
			var err error
			if filter, err = c.filter(m.Name()); err != nil {
				return err
			}
		}
		if filter == nil {
			starts = append(starts, byName...)
		} else {
			// The filter writes into c.b: render it on its own.
			saved := c.b
			c.b = strings.Builder{}
			if err := c.expr(m, a, filter, false); err != nil {
				return err
			}
			starts = append(starts, "(("+strings.Join(byName, " OR ")+") AND "+c.b.String()+")")
			c.b = saved
		}
	}
	c.b.WriteString("(" + strings.Join(starts, " OR ") + ") UNION ")
	if op == "child_of" {
		c.b.WriteString("SELECT " + b + "." + c.id + " FROM " + table + " " + b + " JOIN " + cte + " ON " + b + "." + parent + " = " + cte + "." + c.id)
	} else {
		c.b.WriteString("SELECT " + b + "." + parent + " FROM " + table + " " + b + " JOIN " + cte + " ON " + b + "." + c.id + " = " + cte + "." + c.id + " WHERE " + b + "." + parent + " IS NOT NULL")
	}
	c.b.WriteString(") SELECT \"id\" FROM " + cte + ")")
	return nil
}

// compareOp evaluates a op b for canonical scalars, false when they are
// not comparable (as Python's type errors count as no match).
func compareOp(a any, op string, b any) bool {
	r, ok := compare(a, b)
	if !ok {
		return false
	}
	switch op {
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	case ">=":
		return r >= 0
	}
	return false
}

func compare(a, b any) (int, bool) {
	switch a := a.(type) {
	case int64:
		switch b := b.(type) {
		case int64:
			return cmp3(a, b), true
		case float64:
			return cmp3(float64(a), b), true
		}
	case float64:
		switch b := b.(type) {
		case int64:
			return cmp3(a, float64(b)), true
		case float64:
			return cmp3(a, b), true
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b), true
		}
	case bool:
		if b, ok := b.(bool); ok {
			x, y := 0, 0
			if a {
				x = 1
			}
			if b {
				y = 1
			}
			return cmp3(x, y), true
		}
	}
	return 0, false
}

func cmp3[T int | int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Compiler compiles domains for one Schema and caches the results: a
// repeated domain costs a map lookup and a copy of its arguments. It is
// safe for concurrent use. Call Reset when the schema changes.
type Compiler struct {
	s     Schema
	cache *lru
}

// DefaultCacheSize is the number of entries a Compiler keeps by default.
const DefaultCacheSize = 4096

// NewCompiler returns a Compiler for s keeping at most size entries
// (DefaultCacheSize if size <= 0).
func NewCompiler(s Schema, size int) *Compiler {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Compiler{s: s, cache: newLRU(size)}
}

// Reset empties the cache.
func (c *Compiler) Reset() { c.cache.reset() }

// normEntry is a cached normalization: the node and the comodels whose
// sub-filters its rule-checked 'any' conditions need.
type normEntry struct {
	n      Node
	models []string
}

type sqlEntry struct {
	sql  string
	args []any
}

// Normalize is the package-level Normalize, cached.
func (c *Compiler) Normalize(model string, n Node) (Node, error) {
	e, err := c.norm(model, n)
	if err != nil {
		return nil, err
	}
	return e.n, nil
}

func (c *Compiler) norm(model string, n Node) (*normEntry, error) {
	if n == nil {
		n = True
	}
	return c.normKeyed(model, n, n.String())
}

// normKeyed is norm with the domain's canonical text already computed.
func (c *Compiler) normKeyed(model string, n Node, text string) (*normEntry, error) {
	key := "n\x00" + model + "\x00" + text
	if v, ok := c.cache.get(key); ok {
		return v.(*normEntry), nil
	}
	norm, err := Normalize(c.s, model, n)
	if err != nil {
		return nil, err
	}
	e := &normEntry{n: norm, models: ruleModels(c.s, model, norm, nil)}
	c.cache.put(key, e)
	return e, nil
}

// hasName reports a string among a child_of/parent_of condition's values.
func hasName(v any) bool {
	l, _ := v.([]any)
	for _, x := range l {
		if _, ok := x.(string); ok {
			return true
		}
	}
	return false
}

// ruleModels lists the comodels of the rule-checked 'any' conditions in n.
func ruleModels(s Schema, model string, n Node, out []string) []string {
	switch n := n.(type) {
	case *NotNode:
		return ruleModels(s, model, n.x, out)
	case *AndNode:
		for _, x := range n.xs {
			out = ruleModels(s, model, x, out)
		}
	case *OrNode:
		for _, x := range n.xs {
			out = ruleModels(s, model, x, out)
		}
	case Condition:
		if (n.Operator == "child_of" || n.Operator == "parent_of") && hasName(n.Value) && !slices.Contains(out, model) {
			// Names in a walk resolve under model's rules.
			return append(out, model)
		}
		sub, ok := n.Value.(Node)
		if !ok {
			return out
		}
		m, ok := s.Model(model)
		if !ok {
			return out
		}
		f, ok := field(m, n.Field)
		if !ok || f.Comodel == "" {
			return out
		}
		if n.Operator == "any" || n.Operator == "not any" {
			if !slices.Contains(out, f.Comodel) {
				out = append(out, f.Comodel)
			}
		}
		return ruleModels(s, f.Comodel, sub, out)
	}
	return out
}

// Compile is the package-level Compile, cached by dialect, model, options
// and the canonical forms of the domain and of the sub-filters it uses.
func (c *Compiler) Compile(d store.Dialect, model string, n Node, o CompileOptions) (string, []any, error) {
	if n == nil {
		n = True
	}
	text := n.String()
	var key strings.Builder
	key.Grow(len(text) + len(model) + len(o.Alias) + 32)
	key.WriteString("s\x00")
	key.WriteString(d.Name())
	key.WriteByte(0)
	key.WriteString(model)
	key.WriteByte(0)
	key.WriteString(o.Alias)
	key.WriteByte(0)
	key.WriteString(strconv.Itoa(o.ArgOffset))
	key.WriteByte(0)
	key.WriteString(text)
	var e *normEntry
	var fetched map[string]Node
	if o.SubFilter != nil {
		// The sub-filters are part of the result: key on their text, so
		// users with different rules get different entries. Which comodels
		// matter is known from the (cached) normalization.
		var err error
		if e, err = c.normKeyed(model, n, text); err != nil {
			return "", nil, err
		}
		for _, cm := range e.models {
			f, err := o.SubFilter(cm)
			if err != nil {
				return "", nil, err
			}
			if fetched == nil {
				fetched = make(map[string]Node, len(e.models))
			}
			fetched[cm] = f
			key.WriteString("\x00" + cm + "=")
			if f != nil {
				key.WriteString(f.String())
			}
		}
	}
	k := key.String()
	if v, ok := c.cache.get(k); ok {
		se := v.(*sqlEntry)
		return se.sql, slices.Clone(se.args), nil
	}
	if e == nil {
		var err error
		if e, err = c.normKeyed(model, n, text); err != nil {
			return "", nil, err
		}
	}
	sql, args, err := compileNormalized(d, c.s, model, e.n, o, c.Normalize, fetched)
	if err != nil {
		return "", nil, err
	}
	c.cache.put(k, &sqlEntry{sql: sql, args: args})
	return sql, slices.Clone(args), nil
}

// lru is a bounded, mutex-guarded least-recently-used map.
type lru struct {
	mu    sync.Mutex
	size  int
	ll    *list.List
	items map[string]*list.Element
}

type lruItem struct {
	key string
	val any
}

func newLRU(size int) *lru {
	return &lru{size: size, ll: list.New(), items: make(map[string]*list.Element, size)}
}

// maxKeyLen bounds what the cache keeps: a domain whose canonical text is
// longer (typically a long id list) is compiled every time instead, so that
// the cache's memory stays around size × maxKeyLen.
const maxKeyLen = 8 << 10

func (l *lru) get(key string) (any, bool) {
	if len(key) > maxKeyLen {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[key]; ok {
		l.ll.MoveToFront(e)
		return e.Value.(*lruItem).val, true
	}
	return nil, false
}

func (l *lru) put(key string, val any) {
	if len(key) > maxKeyLen {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[key]; ok {
		e.Value.(*lruItem).val = val
		l.ll.MoveToFront(e)
		return
	}
	l.items[key] = l.ll.PushFront(&lruItem{key, val})
	for l.ll.Len() > l.size {
		last := l.ll.Back()
		l.ll.Remove(last)
		delete(l.items, last.Value.(*lruItem).key)
	}
}

func (l *lru) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ll.Init()
	clear(l.items)
}
