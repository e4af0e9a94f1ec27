package domain

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/errs"
)

// Record is a loaded record the in-memory evaluator reads. The ORM feeds
// its records through it; tests use maps.
type Record interface {
	// ID is the record's id.
	ID() int64
	// Get returns a stored field's value in Odoo's forms: nil or false when
	// unset; bool; integers; floats; strings (dates "YYYY-MM-DD",
	// datetimes "YYYY-MM-DD HH:MM:SS" naive UTC; time.Time is accepted
	// too); a many2one as its id, [id, name] or a Record.
	Get(field string) (any, error)
	// Related returns the records a relational field points to: zero or
	// one for a many2one, the linked records for an x2many.
	Related(field string) ([]Record, error)
}

// Browser loads records by id and searches them by name. child_of and
// parent_of need it (from MatchOptions, or implemented by the Record).
type Browser interface {
	// Browse returns the record, or nil when it does not exist.
	Browse(model string, id int64) (Record, error)
	// NameSearch returns the ids of model's records whose display name
	// matches name with ilike (Odoo's name search for child_of values).
	NameSearch(model, name string) ([]int64, error)
}

// MatchOptions tune in-memory evaluation.
type MatchOptions struct {
	// SubFilter is CompileOptions.SubFilter for the evaluator.
	SubFilter func(model string) (Node, error)
	// Browser loads records for child_of/parent_of; if nil, the Record
	// itself is used when it implements Browser.
	Browser Browser
}

// Match reports whether rec, a record of model, satisfies n, with the
// same answer as the compiled SQL would give on the stored row.
func Match(s Schema, model string, n Node, rec Record) (bool, error) {
	p, err := NewPredicate(s, model, n, MatchOptions{})
	if err != nil {
		return false, err
	}
	return p.Match(rec)
}

// Predicate is a domain normalized once for evaluating many records.
type Predicate struct {
	s     Schema
	m     ModelInfo
	n     Node
	o     MatchOptions
	mu    sync.Mutex
	rules map[string]Node // normalized sub-filters, loaded on first use

	normalize normalizeFunc
}

// NewPredicate normalizes n on model for Match.
func NewPredicate(s Schema, model string, n Node, o MatchOptions) (*Predicate, error) {
	return newPredicate(s, model, n, o, func(model string, n Node) (Node, error) {
		return Normalize(s, model, n)
	})
}

// Predicate is NewPredicate with the Compiler's cached normalization (of
// the domain and of the sub-filters).
func (c *Compiler) Predicate(model string, n Node, o MatchOptions) (*Predicate, error) {
	return newPredicate(c.s, model, n, o, c.Normalize)
}

func newPredicate(s Schema, model string, n Node, o MatchOptions, normalize normalizeFunc) (*Predicate, error) {
	norm, err := normalize(model, n)
	if err != nil {
		return nil, err
	}
	m, _ := s.Model(model)
	return &Predicate{s: s, m: m, n: norm, o: o, normalize: normalize}, nil
}

// Match evaluates the predicate on rec. It is safe for concurrent use when
// the Records and the SubFilter are.
func (p *Predicate) Match(rec Record) (bool, error) {
	return p.eval(p.m, p.n, rec, p.o.SubFilter != nil)
}

func (p *Predicate) eval(m ModelInfo, n Node, rec Record, rules bool) (bool, error) {
	switch n := n.(type) {
	case Bool:
		return bool(n), nil
	case *NotNode:
		ok, err := p.eval(m, n.x, rec, rules)
		return !ok, err
	case *AndNode:
		for _, x := range n.xs {
			if ok, err := p.eval(m, x, rec, rules); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case *OrNode:
		for _, x := range n.xs {
			if ok, err := p.eval(m, x, rec, rules); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case Condition:
		return p.cond(m, n, rec, rules)
	}
	return false, errs.Internalf("domain: unknown node type %T", n)
}

func (p *Predicate) cond(m ModelInfo, n Condition, rec Record, rules bool) (bool, error) {
	f, ok := field(m, n.Field)
	if !ok {
		return false, errs.Internalf("domain: normalized condition on unknown field %s.%s", m.Name(), n.Field)
	}
	switch n.Operator {
	case "any", "not any", "any!", "not any!":
		sub, _ := n.Value.(Node)
		if sub == nil {
			sub = True
		}
		ok, err := p.any(f, n.Operator, sub, rec, rules)
		if strings.HasPrefix(n.Operator, "not ") {
			ok = !ok
		}
		return ok, err
	case "child_of", "parent_of":
		return p.hierarchy(m, n.Operator, n.Value, rec)
	}
	var raw any
	var err error
	if f.Name == "id" {
		raw = rec.ID()
	} else if raw, err = rec.Get(f.Name); err != nil {
		return false, err
	}
	v, null := recValue(f, raw)
	switch n.Operator {
	case "in":
		return inSet(f, v, null, n.Value), nil
	case "not in":
		return !inSet(f, v, null, n.Value), nil
	case "<", "<=", ">", ">=":
		if null {
			fv := falsyValue(f)
			return fv != nil && nullable(f) && compareOp(fv, n.Operator, n.Value), nil
		}
		return compareOp(v, n.Operator, n.Value), nil
	}
	neg := strings.HasPrefix(n.Operator, "not ")
	pos := strings.TrimPrefix(n.Operator, "not ")
	pattern, _ := n.Value.(string)
	if pos == "like" || pos == "ilike" {
		pattern = "%" + pattern + "%"
	}
	ok = false
	if !null {
		ok = likeMatch(textOf(v), pattern, pos == "ilike" || pos == "=ilike")
	}
	return ok != neg, nil
}

// inSet is the positive 'in' with the NULL/falsy rules of the SQL side.
func inSet(f *Field, v any, null bool, set any) bool {
	vals, _ := set.([]any)
	nullWanted := false
	fv := falsyValue(f)
	for _, x := range vals {
		if x == false && f.Type != Boolean {
			nullWanted = true
			continue
		}
		if fv != nil && f.Type != Boolean && equal(x, fv) {
			nullWanted = true
		}
	}
	if null {
		// A NOT NULL column never holds NULL; SQL skips the branch.
		return nullWanted && nullable(f) || f.Type == Boolean && containsEqual(vals, false)
	}
	if nullWanted && fv != nil && equal(v, fv) {
		return true
	}
	return containsEqual(vals, v)
}

func containsEqual(vals []any, v any) bool {
	for _, x := range vals {
		if equal(x, v) {
			return true
		}
	}
	return false
}

func equal(a, b any) bool {
	r, ok := compare(a, b)
	return ok && r == 0
}

// recValue canonicalises a record value for field f; null reports an
// unset value.
func recValue(f *Field, v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case bool:
		if f.Type == Boolean {
			return x, false
		}
		if !x {
			return nil, true
		}
	case []byte:
		v = string(x)
	case Record:
		return x.ID(), false
	case []any:
		if f.Type == Many2one && len(x) > 0 {
			v = x[0]
		}
	case time.Time:
		if f.Type == Date {
			return x.Format(dateLayout), false
		}
		return x.UTC().Format(datetimeLayout), false
	}
	switch f.Type {
	case Boolean:
		b, _ := toBool(canonOr(v))
		return b, false
	case Datetime:
		if s, ok := v.(string); ok {
			if t, _, ok := parseDatetime(s); ok {
				return t.Format(datetimeLayout), false
			}
		}
	case Date:
		if s, ok := v.(string); ok && len(s) >= 10 {
			return s[:10], false
		}
	case Float, Monetary:
		c := canonOr(v)
		if i, ok := c.(int64); ok {
			return float64(i), false
		}
		return c, false
	}
	return canonOr(v), false
}

func canonOr(v any) any {
	if c, err := canonValue(v, 1); err == nil {
		return c
	}
	return v
}

// textOf is the text SQL's cast gives a non-text column.
func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return pyStr(v)
}

// likeMatch matches s against a LIKE pattern anchored at both ends: '%' is
// any run, '_' one character, '\' escapes the next character. fold makes
// it case-insensitive.
func likeMatch(s, pattern string, fold bool) bool {
	if fold {
		s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	}
	p := []rune(pattern)
	r := []rune(s)
	// Iterative wildcard matching with backtracking to the last '%': linear
	// memory, O(len(s)*len(p)) worst case.
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(r) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '%':
				starP, starS = pi, si
				pi++
				continue
			case c == '_':
				pi++
				si++
				continue
			case c == '\\' && pi+1 < len(p):
				if p[pi+1] == r[si] {
					pi += 2
					si++
					continue
				}
			case c == r[si]:
				pi++
				si++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

func (p *Predicate) filter(model string) (Node, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.rules[model]; ok {
		return n, nil
	}
	raw, err := p.o.SubFilter(model)
	if err != nil {
		return nil, err
	}
	var n Node
	if raw != nil && raw != True {
		if n, err = p.normalize(model, raw); err != nil {
			return nil, err
		}
	}
	if p.rules == nil {
		p.rules = map[string]Node{}
	}
	p.rules[model] = n
	return n, nil
}

// any reports whether some related record matches sub (and the comodel's
// sub-filter when rules apply).
func (p *Predicate) any(f *Field, op string, sub Node, rec Record, rules bool) (bool, error) {
	cm, ok := p.s.Model(f.Comodel)
	if !ok {
		return false, errs.Internalf("domain: field %s: unknown comodel %q", f.Name, f.Comodel)
	}
	var filter Node
	if rules && !strings.HasSuffix(op, "!") {
		var err error
		if filter, err = p.filter(cm.Name()); err != nil {
			return false, err
		}
	}
	related, err := rec.Related(f.Name)
	if err != nil {
		return false, err
	}
	for _, r := range related {
		if r == nil {
			continue
		}
		ok, err := p.eval(cm, sub, r, rules)
		if err != nil {
			return false, err
		}
		if ok && filter != nil {
			if ok, err = p.eval(cm, filter, r, false); err != nil {
				return false, err
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (p *Predicate) browser(rec Record) (Browser, error) {
	if p.o.Browser != nil {
		return p.o.Browser, nil
	}
	if b, ok := rec.(Browser); ok {
		return b, nil
	}
	return nil, errs.Internalf("domain: child_of/parent_of needs a Browser to evaluate in memory")
}

// maxHierarchy bounds a parent walk, in case the data has a cycle.
const maxHierarchy = 10000

// hierarchy evaluates child_of/parent_of on rec's id, walking the parent
// field up: rec is a child of a start record if one is among its
// ancestors-or-self, and a parent of one if it is among the start
// records' ancestors-or-self.
func (p *Predicate) hierarchy(m ModelInfo, op string, value any, rec Record) (bool, error) {
	pf := m.ParentField()
	vals, _ := value.([]any)
	starts := map[int64]bool{}
	var b Browser
	for _, v := range vals {
		switch v := v.(type) {
		case int64:
			starts[v] = true
		case string:
			if b == nil {
				var err error
				if b, err = p.browser(rec); err != nil {
					return false, err
				}
			}
			ids, err := b.NameSearch(m.Name(), v)
			if err != nil {
				return false, err
			}
			for _, id := range ids {
				starts[id] = true
			}
		}
	}
	walk := func(r Record, visit func(int64) bool) error {
		seen := map[int64]bool{}
		for i := 0; r != nil && i < maxHierarchy; i++ {
			id := r.ID()
			if seen[id] {
				return nil
			}
			seen[id] = true
			if visit(id) {
				return nil
			}
			up, err := r.Related(pf)
			if err != nil {
				return err
			}
			r = nil
			if len(up) > 0 {
				r = up[0]
			}
		}
		return nil
	}
	found := false
	if op == "child_of" {
		err := walk(rec, func(id int64) bool { found = starts[id]; return found })
		return found, err
	}
	if b == nil {
		var err error
		if b, err = p.browser(rec); err != nil {
			return false, err
		}
	}
	target := rec.ID()
	for id := range starts {
		r, err := b.Browse(m.Name(), id)
		if err != nil {
			return false, err
		}
		if err := walk(r, func(id int64) bool { found = id == target; return found }); err != nil || found {
			return found, err
		}
	}
	return false, nil
}
