package orm

import (
	"strings"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// SearchOptions page and sort a search.
type SearchOptions struct {
	Offset int
	// Limit is the maximum number of records; 0 means "no limit": every
	// match, as in Odoo. An answer over the Registry's Budget is refused,
	// never shortened.
	Limit int
	// Order is an order-by string ("name desc, id"); "" is the model's
	// default order.
	Order string
}

// where compiles n on alias into q. Rule domains (rule=true) compile as
// Odoo evaluates them, in superuser mode: no comodel rules in their
// sub-queries. A caller's domain gets, unless the Env is in sudo, the
// comodels' read ACL check and read rules in every rule-checked sub-query
// (dotted paths, any); integer ids on relational fields bypass them, as in
// Odoo.
func (m *Model) where(q *sqlBuf, alias string, n domain.Node, rule bool) (string, error) {
	o := domain.CompileOptions{Alias: alias, ArgOffset: len(q.args)}
	if !rule && m.checked() {
		o.SubFilter = func(model string) (domain.Node, error) {
			co := &Model{env: m.env, meta: m.env.reg.models[model]}
			if co.meta == nil {
				return nil, nil
			}
			// Searching through a comodel is reading it: Odoo's
			// comodel._search checks its read ACL too.
			if err := m.env.checkModel("search", model, OpRead); err != nil {
				return nil, err
			}
			return co.ruleDomain(OpRead)
		}
	}
	sql, args, err := m.env.reg.compile(q.d, m.meta.Name, n, o)
	if err != nil {
		return "", err
	}
	q.args = append(q.args, args...)
	return sql, nil
}

// compile is the one call into package domain's compiler (cached per
// registry).
func (r *Registry) compile(d store.Dialect, model string, n domain.Node, o domain.CompileOptions) (string, []any, error) {
	sql, args, err := r.compiler.Compile(d, model, n, o)
	if err != nil {
		if e := errs.As(err); e.Kind != errs.Internal {
			return "", nil, e
		}
		return "", nil, errs.Wrap(errs.Internal, err, "")
	}
	return sql, args, nil
}

// searchDomain is the caller's domain with Odoo's implicit filters: the
// active test (unless the domain names the active field or the context
// turns it off).
func (m *Model) searchDomain(d domain.Node) domain.Node {
	if m.meta.HasActive() && m.env.ActiveTest() && !mentions(d, "active") {
		d = domain.And(d, domain.Condition{Field: "active", Operator: "=", Value: true})
	}
	return d
}

// mentions reports a top-level condition on field (or a path starting
// with it).
func mentions(n domain.Node, field string) bool {
	switch x := n.(type) {
	case domain.Condition:
		return x.Field == field || strings.HasPrefix(x.Field, field+".")
	case *domain.NotNode:
		return mentions(x.Child(), field)
	case *domain.AndNode:
		for _, c := range x.Children() {
			if mentions(c, field) {
				return true
			}
		}
	case *domain.OrNode:
		for _, c := range x.Children() {
			if mentions(c, field) {
				return true
			}
		}
	}
	return false
}

// checkDomainFields refuses a domain that names a field the user's groups
// exclude, on the model or along a dotted path or 'any' sub-domain
// (Odoo checks field access when it turns a condition into SQL). Unknown
// names are left to the compiler, which reports them.
func (m *Model) checkDomainFields(method string, meta *Meta, n domain.Node) error {
	if !m.checked() {
		return nil
	}
	switch x := n.(type) {
	case domain.Condition:
		cur := meta
		for _, part := range strings.Split(x.Field, ".") {
			if cur == nil {
				break
			}
			f, ok := cur.fields[part]
			if !ok {
				break
			}
			if !m.fieldAllowed(cur, f) {
				return m.env.denied(method, m.meta.Name, nil, fieldAccessError(cur, f, OpRead))
			}
			cur = m.env.reg.models[f.Comodel] // nil for non-relational
		}
		if sub, ok := x.Value.(domain.Node); ok && cur != nil {
			return m.checkDomainFields(method, cur, sub)
		}
	case *domain.NotNode:
		return m.checkDomainFields(method, meta, x.Child())
	case *domain.AndNode:
		for _, c := range x.Children() {
			if err := m.checkDomainFields(method, meta, c); err != nil {
				return err
			}
		}
	case *domain.OrNode:
		for _, c := range x.Children() {
			if err := m.checkDomainFields(method, meta, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// order parses an order string, checking field access on every term and
// along many2one paths, and the comodels' read ACL (sorting by a
// comodel's field reads it, as in a domain path).
func (m *Model) order(method, s string) ([]orderTerm, error) {
	if strings.TrimSpace(s) == "" {
		return m.meta.order, nil
	}
	terms, err := parseRequestOrder(m.meta, s, func(name string) *Meta { return m.env.reg.models[name] })
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		meta := m.meta
		for _, f := range t.path {
			if !m.fieldAllowed(meta, f) {
				return nil, m.env.denied(method, m.meta.Name, nil, fieldAccessError(meta, f, OpRead))
			}
			meta = m.env.reg.models[f.Comodel]
			// Ordering through a comodel reads it: its ACL and the key's
			// scopes apply (checkModel is a no-op under sudo).
			if err := m.env.checkModel(method, meta.Name, OpRead); err != nil {
				return nil, err
			}
		}
		if !m.fieldAllowed(meta, t.field) {
			return nil, m.env.denied(method, m.meta.Name, nil, fieldAccessError(meta, t.field, OpRead))
		}
	}
	return terms, nil
}

// selectIDs builds "SELECT t.id FROM table t WHERE <domain> AND <rule>".
func (m *Model) selectIDs(method string, tx *store.Tx, d domain.Node) (*sqlBuf, error) {
	return m.selectWhere(method, tx, d, func(q *sqlBuf) { q.w("t.id") })
}

// selectWhere builds "SELECT <list> FROM table t WHERE <domain> AND
// <rule>", list written by sel.
func (m *Model) selectWhere(method string, tx *store.Tx, d domain.Node, sel func(*sqlBuf)) (*sqlBuf, error) {
	if err := m.checkDomainFields(method, m.meta, d); err != nil {
		return nil, err
	}
	rule, err := m.ruleDomain(OpRead)
	if err != nil {
		return nil, err
	}
	q := newSQL(tx.Dialect())
	q.model, q.method = m.meta.Name, method
	// The rule's text is for the slow-query log only: rendered there,
	// when a statement is slow, not on every request.
	q.rule = rule
	q.w("SELECT ")
	sel(q)
	q.w(" FROM ", q.ident(m.meta.Table), " t")
	var conds []string
	if d = m.searchDomain(d); d != nil && d != domain.Node(domain.True) {
		w, err := m.where(q, "t", d, false)
		if err != nil {
			return nil, err
		}
		conds = append(conds, "("+w+")")
	}
	if rule != nil {
		w, err := m.where(q, "t", rule, true)
		if err != nil {
			return nil, err
		}
		conds = append(conds, "("+w+")")
	}
	if len(conds) > 0 {
		q.w(" WHERE ", strings.Join(conds, " AND "))
	}
	return q, nil
}

// sqlLimit is the LIMIT a search runs with: the caller's, or one more
// than the row budget when there is none or it is larger, so that an
// answer over the budget is seen (and refused) rather than cut.
func (m *Model) sqlLimit(limit int) (int, error) {
	if limit < 0 {
		return 0, errs.Validation("Invalid limit", errs.FieldError{Field: "limit", Message: "must not be negative"})
	}
	if max := m.env.reg.Budget.rows(); limit == 0 || limit > max {
		limit = max + 1
	}
	return limit, nil
}

// overBudget refuses n records when they exceed the row budget.
func (m *Model) overBudget(method string, n int) error {
	if max := m.env.reg.Budget.rows(); n > max {
		return tooManyRows(method, m.meta.Name, max)
	}
	return nil
}

// Search returns the ids of the records matching d (nil: all) that the
// user may read, sorted and paged. ACL read is required; the read rules
// are ANDed into the query, silently filtering.
func (m *Model) Search(d domain.Node, o SearchOptions) ([]int64, error) {
	tx, err := m.start("search", OpRead, false)
	if err != nil {
		return nil, err
	}
	ids, err := m.search("search", tx, d, o)
	if err == nil {
		m.auditSudo("search", ids)
	}
	return ids, err
}

func (m *Model) search(method string, tx *store.Tx, d domain.Node, o SearchOptions) ([]int64, error) {
	q, err := m.searchQuery(method, tx, d, o, func(q *sqlBuf) { q.w("t.id") })
	if err != nil {
		return nil, err
	}
	// A search is one statement; name_search reads names after it.
	q.sole = method == "search"
	ids := []int64{}
	if err = scanIDs(m.env, tx, q, func(id int64) { ids = append(ids, id) }); err != nil {
		return nil, err
	}
	if err = m.overBudget(method, len(ids)); err != nil {
		return nil, err
	}
	mt := m.meter(method)
	mt.used = approxSize(ids)
	if mt.used > mt.max {
		return nil, tooManyBytes(method, m.meta.Name, mt.max)
	}
	return ids, nil
}

// searchQuery is the paged, sorted, rule-filtered query of a search.
func (m *Model) searchQuery(method string, tx *store.Tx, d domain.Node, o SearchOptions, sel func(*sqlBuf)) (*sqlBuf, error) {
	if o.Offset < 0 {
		return nil, errs.Validation("Invalid offset", errs.FieldError{Field: "offset", Message: "must not be negative"})
	}
	limit, err := m.sqlLimit(o.Limit)
	if err != nil {
		return nil, err
	}
	terms, err := m.order(method, o.Order)
	if err != nil {
		return nil, err
	}
	q, err := m.selectWhere(method, tx, d, sel)
	if err != nil {
		return nil, err
	}
	q.w(" ORDER BY ", orderSQL(q.d, "t", terms), " LIMIT ", q.arg(int64(limit)))
	if o.Offset > 0 {
		q.w(" OFFSET ", q.arg(int64(o.Offset)))
	}
	return q, nil
}

// SearchRead is Search followed by Read of fields on the result, in one
// access check.
func (m *Model) SearchRead(d domain.Node, fields []string, o SearchOptions) ([]map[string]any, error) {
	r, err := m.SearchReadRecords(d, fields, o)
	if err != nil {
		return nil, err
	}
	return r.All()
}

// SearchReadRecords is SearchRead as an answer that need not be held
// whole: see Records.
func (m *Model) SearchReadRecords(d domain.Node, fields []string, o SearchOptions) (*Records, error) {
	tx, err := m.start("search_read", OpRead, false)
	if err != nil {
		return nil, err
	}
	fl, err := m.readFields("search_read", fields)
	if err != nil {
		return nil, err
	}
	limit, err := m.sqlLimit(o.Limit)
	if err != nil {
		return nil, err
	}
	if limit > fetchBatch {
		// Maybe large: the ids first (8 bytes a record), then the records
		// a batch at a time.
		return m.searchReadLarge(tx, d, o, fl)
	}
	// A page: one query selects the rows themselves, not ids to fetch
	// again.
	p := m.plan(fl)
	q, err := m.searchQuery("search_read", tx, d, o, p.selectList)
	if err != nil {
		return nil, err
	}
	q.sole = p.oneStatement()
	byID := make(map[int64][]any, min(limit, 64))
	ids, err := m.scan(tx, q, p, byID)
	if err != nil {
		return nil, err
	}
	if err = m.overBudget("search_read", len(ids)); err != nil {
		return nil, err
	}
	m.auditSudo("search_read", ids)
	if len(ids) == 0 {
		return HeldRecords(nil), nil
	}
	recs, err := m.format(tx, p, ids, byID)
	if err != nil {
		return nil, err
	}
	if err = m.meter("search_read").add(recs); err != nil {
		return nil, err
	}
	return HeldRecords(recs), nil
}

// searchReadLarge answers a search_read that may be large: the ids first
// (8 bytes a record), then the records a batch at a time (Records).
func (m *Model) searchReadLarge(tx *store.Tx, d domain.Node, o SearchOptions, fl []*Field) (*Records, error) {
	ids, err := m.search("search_read", tx, d, o)
	if err != nil {
		return nil, err
	}
	m.auditSudo("search_read", ids)
	return m.records("search_read", tx, ids, fl)
}

// SearchCount counts the records matching d that the user may read, up to
// limit when limit > 0.
func (m *Model) SearchCount(d domain.Node, limit int) (int64, error) {
	tx, err := m.start("search_count", OpRead, false)
	if err != nil {
		return 0, err
	}
	if limit < 0 {
		return 0, errs.Validation("Invalid limit", errs.FieldError{Field: "limit", Message: "must not be negative"})
	}
	inner, err := m.selectIDs("search_count", tx, d)
	if err != nil {
		return 0, err
	}
	q := newSQL(tx.Dialect())
	q.args, q.sole = inner.args, true
	q.model, q.method, q.rules, q.rule = inner.model, inner.method, inner.rules, inner.rule
	q.w("SELECT count(*) FROM (", inner.String())
	if limit > 0 {
		q.w(" LIMIT ", q.arg(int64(limit)))
	}
	q.w(") sub")
	var n int64
	if err := scanIDs(m.env, tx, q, func(c int64) { n = c }); err != nil {
		return 0, err
	}
	m.auditSudo("search_count", nil)
	return n, nil
}

// NameSearch finds records whose display name matches name with operator
// (ilike when empty), within args, and returns [id, display_name] pairs.
// An empty name matches every record.
func (m *Model) NameSearch(name string, args domain.Node, operator string, limit int) ([][2]any, error) {
	tx, err := m.start("name_search", OpRead, false)
	if err != nil {
		return nil, err
	}
	if operator == "" {
		operator = "ilike"
	}
	if limit <= 0 {
		limit = 100 // Odoo's name_search default
	}
	d := args
	if name != "" || operator != "ilike" {
		field := m.meta.RecName
		if field == "" {
			field = "id"
		}
		cond, cerr := domain.NewCondition(field, operator, name)
		if cerr != nil {
			return nil, cerr
		}
		d = domain.And(args, cond)
	}
	ids, err := m.search("name_search", tx, d, SearchOptions{Limit: limit})
	if err != nil {
		return nil, err
	}
	m.auditSudo("name_search", ids)
	out := make([][2]any, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := m.fetch(tx, ids, []*Field{m.meta.fields["id"], m.meta.fields["display_name"]})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		out = append(out, [2]any{r["id"], r["display_name"]})
	}
	return out, nil
}
