package domain

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// refEval is the differential test's reference: it evaluates the raw AST,
// as the caller wrote it, with Odoo 19's documented semantics (reference
// §6.4–§6.6, and odoo/orm/domains.py for child_of/parent_of), directly
// over memDB's rows. It shares nothing with the package under test but the
// AST and schema types: no Normalize, no value canonicalisation, no
// like-matcher of its own from match.go. Where Odoo raises for a domain,
// it returns errRefInvalid.
type refEval struct {
	db *memDB
	// rules, when set, is the comodel record-rule domain applied inside
	// 'any' (explicit, from a dotted path, or from a name lookup); Odoo
	// skips it for ids given to 'in' and for hierarchy walks.
	rules func(model string) Node
}

var errRefInvalid = errors.New("reference: Odoo refuses this domain")

func refInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRefInvalid, fmt.Sprintf(format, args...))
}

// ids returns the records of model that match n.
func (r *refEval) ids(model string, n Node) ([]int64, error) {
	// Validate once on a phantom record (all NULL, no links), so that an
	// invalid branch is reported whatever the data.
	if _, err := r.node(model, n, 0); err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range r.db.ids[model] {
		ok, err := r.node(model, n, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// node evaluates every child (no short cut), so errors do not depend on
// the data.
func (r *refEval) node(model string, n Node, id int64) (bool, error) {
	switch n := n.(type) {
	case nil:
		return true, nil
	case Bool:
		return bool(n), nil
	case *NotNode:
		// Every leaf below is two-valued (NULL decided by the falsy rules),
		// and Odoo's NOT push-down keeps the exact complement (§6.5).
		ok, err := r.node(model, n.Child(), id)
		return !ok, err
	case *AndNode:
		all := true
		for _, x := range n.Children() {
			ok, err := r.node(model, x, id)
			if err != nil {
				return false, err
			}
			all = all && ok
		}
		return all, nil
	case *OrNode:
		some := false
		for _, x := range n.Children() {
			ok, err := r.node(model, x, id)
			if err != nil {
				return false, err
			}
			some = some || ok
		}
		return some, nil
	case Condition:
		return r.cond(model, n, id)
	}
	return false, fmt.Errorf("reference: node %T", n)
}

// refField resolves a field name as Odoo does: id always exists,
// display_name searches the _rec_name field.
func (r *refEval) field(model, name string) (*Field, bool) {
	m := r.db.s[model]
	if name == "id" {
		return &Field{Name: "id", Type: Integer, Column: "id", Required: true}, true
	}
	if f, ok := m.fields[name]; ok && (f.Column != "" || f.Type == One2many || f.Type == Many2many) {
		return f, true
	}
	if name == "display_name" {
		return r.field(model, m.recName)
	}
	return nil, false
}

func (r *refEval) value(model string, id int64, f *Field) any {
	if f.Name == "id" {
		if id == 0 {
			return nil
		}
		return id
	}
	return r.db.rows[model][id][f.Name]
}

// linked returns the records a relational field points to (no rules).
func (r *refEval) linked(model string, id int64, f *Field) []int64 {
	switch f.Type {
	case Many2one:
		if v, ok := r.db.rows[model][id][f.Name].(int64); ok {
			if _, exists := r.db.rows[f.Comodel][v]; exists {
				return []int64{v}
			}
		}
	case One2many:
		var out []int64
		for _, co := range r.db.ids[f.Comodel] {
			if r.db.rows[f.Comodel][co][f.Inverse] == id && id != 0 {
				out = append(out, co)
			}
		}
		return out
	case Many2many:
		return r.db.rels[f.RelTable][id]
	}
	return nil
}

// allowed applies the comodel's rules (evaluated as superuser: no rules
// inside them).
func (r *refEval) allowed(model string, id int64) (bool, error) {
	if r.rules == nil {
		return true, nil
	}
	rule := r.rules(model)
	if rule == nil {
		return true, nil
	}
	return (&refEval{db: r.db}).node(model, rule, id)
}

// pyFalsy is Python truthiness of a domain value.
func pyFalsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case int64:
		return v == 0
	case int:
		return v == 0
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

func (r *refEval) cond(model string, c Condition, id int64) (bool, error) {
	op := strings.ToLower(c.Operator)
	switch op {
	case "<>":
		op = "!="
	case "==":
		op = "="
	}
	switch op {
	case "=", "!=", "<", "<=", ">", ">=", "=?", "in", "not in", "like", "not like", "ilike", "not ilike",
		"=like", "not =like", "=ilike", "not =ilike", "any", "not any", "child_of", "parent_of":
	default:
		return false, refInvalid("operator %q", c.Operator)
	}
	head, rest, dotted := strings.Cut(c.Field, ".")
	f, ok := r.field(model, head)
	if !ok {
		return false, refInvalid("field %s.%s", model, head)
	}
	v := c.Value
	if v == nil {
		v = false // None is False
	}
	if dotted {
		// ('a.b', op, v) is ('a', 'any', [('b', op, v)]): a negative
		// operator stays inside the existential.
		if !isRelational(f) {
			return false, refInvalid("path through non-relational %s", head)
		}
		return r.anyOf(model, f, "any", Condition{rest, c.Operator, c.Value}, id)
	}
	if op == "=?" {
		if pyFalsy(v) {
			return true, nil
		}
		op = "="
	}
	if op == "=" || op == "!=" {
		if l, ok := v.([]any); ok && len(l) == 0 {
			v = []any{false}
		}
		op = map[string]string{"=": "in", "!=": "not in"}[op]
	}
	switch op {
	case "in", "not in":
		l, ok := v.([]any)
		if !ok {
			l = []any{v}
		}
		in, err := r.in(model, f, l, id)
		return in != (op == "not in"), err
	case "<", "<=", ">", ">=":
		return r.compare(model, f, op, v, id)
	case "any", "not any":
		sub, ok := v.(Node)
		if !ok {
			return false, refInvalid("any needs a domain")
		}
		found, err := r.anyOf(model, f, "any", sub, id)
		return found != (op == "not any"), err
	case "child_of", "parent_of":
		return r.hierarchy(model, f, op, v, id)
	}
	return r.like(model, f, op, v, id)
}

// anyOf: some related record, allowed by the comodel's rules, matches sub.
func (r *refEval) anyOf(model string, f *Field, op string, sub Node, id int64) (bool, error) {
	if f.Name == "id" {
		return r.node(model, sub, id)
	}
	if !isRelational(f) {
		return false, refInvalid("any on non-relational %s", f.Name)
	}
	if _, err := r.node(f.Comodel, sub, 0); err != nil { // validate
		return false, err
	}
	found := false
	for _, co := range r.linked(model, id, f) {
		ok, err := r.allowed(f.Comodel, co)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		m, err := r.node(f.Comodel, sub, co)
		if err != nil {
			return false, err
		}
		found = found || m
	}
	return found, nil
}

// refFalsy is each type's falsy value (§6.5): NULL counts as it.
func refFalsy(t string) any {
	switch t {
	case Boolean:
		return false
	case Integer:
		return int64(0)
	case Float, Monetary:
		return float64(0)
	case Char, Text:
		return ""
	}
	return nil
}

// str2bool is Odoo's tools.str2bool.
func str2bool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "y", "yes", "1", "true", "t", "on":
		return true, true
	case "n", "no", "0", "false", "f", "off", "":
		return false, true
	}
	return false, false
}

// in is membership, §6.5/§6.6; not in is its complement.
func (r *refEval) in(model string, f *Field, vals []any, id int64) (bool, error) {
	if len(vals) == 0 {
		return false, nil
	}
	if isRelational(f) {
		var ids []int64
		var names []string
		hasFalse := false
		for _, v := range vals {
			switch v := v.(type) {
			case bool:
				if v {
					return false, refInvalid("True as a record id")
				}
				hasFalse = true
			case int64:
				ids = append(ids, v)
			case string:
				names = append(names, v)
			default:
				return false, refInvalid("record id %v", v)
			}
		}
		linked := r.linked(model, id, f)
		if f.Type == Many2one {
			if v, ok := r.db.rows[model][id][f.Name].(int64); ok {
				linked = []int64{v} // the column, even if dangling
			}
		}
		match := hasFalse && len(linked) == 0
		for _, l := range linked {
			match = match || slices.Contains(ids, l)
		}
		if len(names) > 0 {
			// Names search the comodel's display name, with its rules.
			var name any = names[0]
			if len(names) > 1 {
				l := make([]any, len(names))
				for i, n := range names {
					l[i] = n
				}
				name = l
			}
			found, err := r.anyOf(model, f, "any", Condition{r.db.s[f.Comodel].recName, "in", name}, id)
			if err != nil {
				return false, err
			}
			match = match || found
		}
		return match, nil
	}
	rec := r.value(model, id, f)
	switch f.Type {
	case Boolean:
		want := map[bool]bool{}
		for _, v := range vals {
			var b bool
			switch v := v.(type) {
			case bool:
				b = v
			case int64:
				b = v != 0
			case float64:
				b = v != 0
			case string:
				var ok bool
				if b, ok = str2bool(v); !ok {
					return false, refInvalid("%q is not a boolean", v)
				}
			default:
				return false, refInvalid("boolean value %v", v)
			}
			want[b] = true
		}
		have, _ := rec.(bool) // NULL is False
		return want[have], nil
	case JSON:
		for _, v := range vals {
			if v != false {
				return false, refInvalid("json compared with %v", v)
			}
		}
		return rec == nil, nil
	}
	falsy := refFalsy(f.Type)
	nullWanted := false
	var params []any
	for _, v := range vals {
		if v == false {
			nullWanted = true
			continue
		}
		cv, err := refCoerce(f, v)
		if err != nil {
			return false, err
		}
		if falsy != nil && cv == falsy {
			nullWanted = true
		}
		params = append(params, cv)
	}
	if rec == nil {
		return nullWanted, nil
	}
	if nullWanted && falsy != nil && rec == falsy {
		return true, nil
	}
	for _, p := range params {
		if refEqual(f, rec, p) {
			return true, nil
		}
	}
	return false, nil
}

// refEqual compares a stored value with a coerced parameter. A datetime
// parameter given as a date covers that whole (UTC) day.
func refEqual(f *Field, rec, p any) bool {
	if f.Type == Datetime {
		if d, ok := p.(refDay); ok {
			s := rec.(string)
			return s >= string(d)+" 00:00:00" && s < nextDay(string(d))+" 00:00:00"
		}
	}
	if x, ok := rec.(float64); ok {
		y, _ := p.(float64)
		return x == y
	}
	return rec == p
}

// refDay is a date given to a datetime field.
type refDay string

func nextDay(d string) string {
	t, _ := time.Parse("2006-01-02", d)
	return t.AddDate(0, 0, 1).Format("2006-01-02")
}

// refCoerce converts a domain value to the column's type, as PostgreSQL's
// casts and Odoo's field converters do.
func refCoerce(f *Field, v any) (any, error) {
	switch f.Type {
	case Integer, Many2one:
		switch v := v.(type) {
		case int64:
			return v, nil
		case string:
			if i, err := strconv.ParseInt(v, 10, 64); err == nil {
				return i, nil
			}
		}
	case Float, Monetary:
		switch v := v.(type) {
		case int64:
			return float64(v), nil
		case float64:
			return v, nil
		}
	case Char, Text, Selection:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Date:
		if s, ok := v.(string); ok {
			if _, err := time.Parse("2006-01-02", s); err == nil {
				return s, nil
			}
		}
	case Datetime:
		if s, ok := v.(string); ok {
			if _, err := time.Parse("2006-01-02 15:04:05", s); err == nil {
				return s, nil
			}
			if _, err := time.Parse("2006-01-02", s); err == nil {
				return refDay(s), nil
			}
		}
	}
	return nil, refInvalid("value %v for %s field %s", v, f.Type, f.Name)
}

// compare is <, <=, >, >= (§6.5, §6.7 for datetimes): a NULL counts as
// the falsy value when the type has one, and matches nothing otherwise.
func (r *refEval) compare(model string, f *Field, op string, v any, id int64) (bool, error) {
	if _, ok := v.([]any); ok {
		return false, refInvalid("list with %s", op)
	}
	switch f.Type {
	case Boolean, One2many, Many2many, JSON:
		return false, refInvalid("%s on %s", op, f.Type)
	}
	if v == false {
		if f.Type == Date || f.Type == Datetime {
			return false, nil // documented: FALSE
		}
		return false, refInvalid("inequality with False on %s (not generated)", f.Type)
	}
	if _, isStr := v.(string); isStr && f.Type == Many2one {
		return false, refInvalid("many2one compared with a string")
	}
	p, err := refCoerce(f, v)
	if err != nil {
		return false, err
	}
	rec := r.value(model, id, f)
	if rec == nil {
		rec = refFalsy(f.Type)
		if rec == nil || f.Name == "id" {
			return false, nil
		}
	}
	if f.Type == Datetime {
		if d, ok := p.(refDay); ok {
			// A date means its midnight for < and >=, the next midnight
			// for > and <=.
			switch op {
			case "<", ">=":
				p = string(d) + " 00:00:00"
			default:
				p = nextDay(string(d)) + " 00:00:00"
				op = map[string]string{">": ">=", "<=": "<"}[op]
			}
		}
	}
	var c int
	switch x := rec.(type) {
	case int64:
		c = cmp.Compare(float64(x), toF(p))
	case float64:
		c = cmp.Compare(x, toF(p))
	case string:
		c = strings.Compare(x, p.(string))
	default:
		return false, fmt.Errorf("reference: stored %T", rec)
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func toF(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// like is the like family (§6.5): % and _ are wildcards, backslash
// escapes, like/ilike search anywhere, =like/=ilike the whole value;
// negative forms are the complement (NULL included).
func (r *refEval) like(model string, f *Field, op string, v any, id int64) (bool, error) {
	neg := strings.HasPrefix(op, "not ")
	pos := strings.TrimPrefix(op, "not ")
	if _, ok := v.([]any); ok {
		return false, refInvalid("list with %s", op)
	}
	if pyFalsy(v) {
		// _optimize_like_str: result = (negative) == ('=' in operator);
		// on a relational field or for =like it is "!= False" when result
		// holds and "= False" otherwise; else the constant result. So
		// like '' is TRUE, =like '' is "= False", and on relational
		// fields like '' is "is set" but =like '' "is not set".
		eq := strings.Contains(op, "=")
		result := neg == eq
		if isRelational(f) || eq {
			in, err := r.in(model, f, []any{false}, id)
			return in != result, err
		}
		return result, nil
	}
	s, isStr := v.(string)
	if !isStr {
		if pos == "=like" || pos == "=ilike" {
			return false, refInvalid("The pattern to match must be a string")
		}
		s = fmt.Sprint(v) // str(): the generator gives ints only
	}
	pattern := s
	if pos == "like" || pos == "ilike" {
		pattern = "%" + s + "%"
	}
	if strings.HasSuffix(strings.ReplaceAll(pattern, `\\`, ""), `\`) {
		return false, refInvalid("pattern ends with an escape")
	}
	re := likeRegexp(pattern, pos == "ilike" || pos == "=ilike")
	if isRelational(f) {
		found, err := r.anyOf(model, f, "any", Condition{r.db.s[f.Comodel].recName, pos, s}, id)
		return found != neg, err
	}
	var text string
	switch rec := r.value(model, id, f).(type) {
	case nil:
		return neg, nil
	case string:
		text = rec
	case int64:
		if f.Type != Integer {
			return false, refInvalid("like on %s", f.Type)
		}
		text = strconv.FormatInt(rec, 10)
	default:
		return false, refInvalid("like on %s", f.Type)
	}
	switch f.Type {
	case Char, Text, Selection, Integer, Date, Datetime:
	default:
		// Odoo casts to text, whose form differs per database for
		// floats and booleans; rampart refuses them (not generated).
		return false, refInvalid("like on %s", f.Type)
	}
	return re.MatchString(text) != neg, nil
}

// likeRegexp translates a SQL LIKE pattern as Odoo's Python predicate does.
func likeRegexp(p string, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i+1 < len(rs) {
				i++
				b.WriteString(regexp.QuoteMeta(string(rs[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// hierarchy is child_of/parent_of after odoo/orm/domains.py
// (_operator_hierarchy): start ids as given, names found with
// display_name ilike on the comodel under its rules, then the walk over
// the parent field as superuser. On the model itself the result is stated
// on id.
func (r *refEval) hierarchy(model string, f *Field, op string, v any, id int64) (bool, error) {
	if v == false {
		return false, nil
	}
	if v == true {
		return false, refInvalid("True is not a valid hierarchy value")
	}
	target := model
	if f.Name != "id" {
		if !isRelational(f) {
			return false, refInvalid("%s on non-relational %s", op, f.Name)
		}
		target = f.Comodel
	}
	tm := r.db.s[target]
	pf, ok := tm.fields[tm.parent]
	if tm.parent == "" || !ok || pf.Type != Many2one || pf.Comodel != target {
		return false, refInvalid("%s has no hierarchy", target)
	}
	l, isList := v.([]any)
	if !isList {
		l = []any{v}
	}
	var start []int64
	for _, x := range l {
		switch x := x.(type) {
		case bool:
			if x {
				return false, refInvalid("True is not a valid hierarchy value")
			}
		case int64:
			if f.Type == Many2many {
				// Odoo searches the given ids on the comodel first.
				if ok, err := r.allowed(target, x); err != nil || !ok || r.db.rows[target][x] == nil {
					continue
				}
			}
			start = append(start, x)
		case string:
			for _, co := range r.db.ids[target] {
				ok, err := r.allowed(target, co)
				if err != nil {
					return false, err
				}
				name, _ := r.db.rows[target][co][tm.recName].(string)
				if ok && likeRegexp("%"+x+"%", true).MatchString(name) {
					start = append(start, co)
				}
			}
		default:
			return false, refInvalid("hierarchy value %v", x)
		}
	}
	if len(start) == 0 {
		return false, nil
	}
	parentOf := func(x int64) int64 {
		p, _ := r.db.rows[target][x][tm.parent].(int64)
		return p
	}
	in := func(x int64) bool {
		for seen := 0; x != 0 && seen <= len(r.db.ids[target]); seen++ {
			if op == "child_of" && slices.Contains(start, x) {
				return true
			}
			if op == "parent_of" {
				// x is a parent of a start record: walk up from each.
				for _, s := range start {
					for y, n := s, 0; y != 0 && n <= len(r.db.ids[target]); y, n = parentOf(y), n+1 {
						if y == x && r.db.rows[target][s] != nil {
							return true
						}
					}
				}
				return false
			}
			x = parentOf(x)
		}
		return false
	}
	if target == model && (f.Name == "id" || f.Type == Many2one) {
		return id != 0 && in(id), nil
	}
	for _, co := range r.linked(model, id, f) {
		if in(co) {
			return true, nil
		}
	}
	return false, nil
}
