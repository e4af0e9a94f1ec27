package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
)

// Normalize validates n against model in s and rewrites it into the
// standard form Compile and Match consume, as Odoo 19's optimize does:
//
//   - operators are lowercased, '<>'/'==' resolved, None is False;
//   - '=?' with a falsy value is TRUE, otherwise '=';
//   - '='/'!=' become 'in'/'not in' (an empty collection means {False});
//   - dotted paths through relational fields become 'any' conditions, so a
//     negative operator stays inside the existential;
//   - many2one conditions on strings and like-operators on relational
//     fields search the comodel's display name (its RecName) with 'any';
//   - x2many 'in'/'not in' become 'any!'/'not any!' on ids, False meaning
//     "no linked record";
//   - boolean sets are reduced to 'in [True]' / 'not in [True]' (so
//     ('b','=',False) matches false and NULL);
//   - empty like-patterns follow _optimize_like_str;
//   - date values are ISO dates, datetime values naive UTC
//     "YYYY-MM-DD HH:MM:SS", a date given to a datetime becomes a day range;
//   - child_of/parent_of are stated on the id of the hierarchy's model;
//   - negations are pushed down to the leaves (De Morgan, operator
//     inverses, NULL kept on the right side of inequalities), so that a NOT
//     only remains around child_of/parent_of.
//
// Errors are *errs.Error of kind ValidationError naming the condition.
func Normalize(s Schema, model string, n Node) (Node, error) {
	m, ok := s.Model(model)
	if !ok {
		return nil, errs.Ef(errs.ValidationError, "Invalid domain: unknown model %s", short(model))
	}
	z := &normalizer{s: s}
	return z.node(m, n, 0)
}

type normalizer struct{ s Schema }

// maxNormDepth guards recursion over trees built by Go code, which the
// parsers' limits never saw.
const maxNormDepth = 200

func (z *normalizer) node(m ModelInfo, n Node, depth int) (Node, error) {
	if depth > maxNormDepth {
		return nil, invalid("nested deeper than %d levels", maxNormDepth)
	}
	switch n := n.(type) {
	case nil:
		return True, nil
	case Bool:
		return n, nil
	case *NotNode:
		x, err := z.node(m, n.x, depth+1)
		if err != nil {
			return nil, err
		}
		return z.negate(m, x), nil
	case *AndNode:
		xs, err := z.nodes(m, n.xs, depth)
		if err != nil {
			return nil, err
		}
		return And(xs...), nil
	case *OrNode:
		xs, err := z.nodes(m, n.xs, depth)
		if err != nil {
			return nil, err
		}
		return Or(xs...), nil
	case Condition:
		return z.cond(m, n, depth)
	}
	return nil, errs.Internalf("domain: unknown node type %T", n)
}

func (z *normalizer) nodes(m ModelInfo, xs []Node, depth int) ([]Node, error) {
	out := make([]Node, len(xs))
	for i, x := range xs {
		y, err := z.node(m, x, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = y
	}
	return out, nil
}

// negatedOp maps each standard operator to its complement.
var negatedOp = map[string]string{
	"in": "not in", "not in": "in",
	"like": "not like", "not like": "like", "ilike": "not ilike", "not ilike": "ilike",
	"=like": "not =like", "not =like": "=like", "=ilike": "not =ilike", "not =ilike": "=ilike",
	"any": "not any", "not any": "any", "any!": "not any!", "not any!": "any!",
	"<": ">=", ">=": "<", ">": "<=", "<=": ">",
}

// negate returns the complement of a normalized node. Every standard leaf
// is two-valued (NULL is decided by the falsy rules), so the complement is
// exact: an inequality on a field without a falsy value gains "OR is not
// set", because NULL satisfied neither side.
func (z *normalizer) negate(m ModelInfo, n Node) Node {
	switch n := n.(type) {
	case Bool:
		return !n
	case *NotNode:
		return n.x
	case *AndNode:
		xs := make([]Node, len(n.xs))
		for i, x := range n.xs {
			xs[i] = z.negate(m, x)
		}
		return Or(xs...)
	case *OrNode:
		xs := make([]Node, len(n.xs))
		for i, x := range n.xs {
			xs[i] = z.negate(m, x)
		}
		return And(xs...)
	case Condition:
		op, ok := negatedOp[n.Operator]
		if !ok {
			return &NotNode{x: n}
		}
		c := Condition{n.Field, op, n.Value}
		switch n.Operator {
		case "<", "<=", ">", ">=":
			f, _ := field(m, n.Field)
			if f != nil && falsyValue(f) == nil && nullable(f) {
				return Or(c, Condition{n.Field, "in", []any{false}})
			}
		}
		return c
	}
	return &NotNode{x: n}
}

// field finds a field, synthesising id when a hand-written schema omits it
// and resolving display_name to the RecName field.
func field(m ModelInfo, name string) (*Field, bool) {
	if f, ok := m.Field(name); ok && f != nil && (f.Column != "" || name != "display_name") {
		return f, true
	}
	switch name {
	case "id":
		return &Field{Name: "id", Type: Integer, Column: "id", Required: true}, true
	case "display_name":
		// Odoo searches display_name through _rec_name; a schema without
		// a stored display_name gets the same.
		if rn := m.RecName(); rn != "" && rn != name {
			if f, ok := m.Field(rn); ok && f != nil && f.Column != "" {
				return f, true
			}
		}
	}
	return nil, false
}

// nullable reports whether the column can hold NULL: required fields and
// id cannot, so their NULL branches are skipped.
func nullable(f *Field) bool { return !f.Required && f.Name != "id" }

// falsyValue is the value a NULL counts as (§6.5), nil when only NULL is
// "not set".
func falsyValue(f *Field) any {
	switch f.Type {
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

func isRelational(f *Field) bool {
	return f.Type == Many2one || f.Type == One2many || f.Type == Many2many
}

// isFalsy is Python truthiness of a canonical value.
func isFalsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case int64:
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

// condError names the model, field and condition as Odoo's messages do.
type condCtx struct {
	m ModelInfo
	c Condition
}

func (cc condCtx) errf(format string, args ...any) *errs.Error {
	return errs.Ef(errs.ValidationError, "Invalid domain: %s in condition %s on %s",
		fmt.Sprintf(format, args...), short(cc.c), cc.m.Name())
}

// clip shortens a name from the input for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func (z *normalizer) cond(m ModelInfo, c Condition, depth int) (Node, error) {
	cc := condCtx{m, c}
	op, ok := canonOperator(c.Operator)
	if !ok {
		return nil, errs.Ef(errs.ValidationError, "Invalid domain: Invalid operator in condition %s", short(c))
	}
	if c.Field == "" {
		return nil, cc.errf("empty field name")
	}
	head, rest, dotted := strings.Cut(c.Field, ".")
	f, ok := field(m, head)
	if !ok {
		return nil, errs.Ef(errs.ValidationError, "Invalid field %s.%s in condition %s",
			m.Name(), clip(head), short(c))
	}
	if f.Column == "" && f.Type != One2many && f.Type != Many2many && f.Name != "id" {
		return nil, cc.errf("field %s is not stored and cannot be searched", f.Name)
	}
	value := c.Value
	if op == "any" || op == "not any" || op == "any!" || op == "not any!" {
		if _, isNode := value.(Node); !isNode {
			n, err := (&convState{lim: Limits{}.withDefaults(), internal: true}).condition(c.Field, op, value, 0)
			if err != nil {
				return nil, err
			}
			value = n.(Condition).Value
		}
	} else {
		v, err := canonValue(value, 0)
		if err != nil {
			return nil, cc.errf("%s", err.Error())
		}
		if err := checkText(v); err != nil {
			return nil, cc.errf("field %s: %s", clip(c.Field), err.Error())
		}
		value = v
	}
	if dotted {
		if !isRelational(f) {
			return nil, cc.errf("field %s is not relational, a path cannot continue after it", f.Name)
		}
		return z.any(m, cc, f, "any", Condition{rest, op, value}, depth)
	}
	switch op {
	case "=?":
		if isFalsy(value) {
			return True, nil
		}
		op = "="
	}
	switch op {
	case "=", "!=":
		if l, ok := value.([]any); ok && len(l) == 0 {
			value = []any{false}
		}
		op = map[string]string{"=": "in", "!=": "not in"}[op]
		fallthrough
	case "in", "not in":
		l, ok := value.([]any)
		if !ok {
			l = []any{value}
		}
		return z.in(m, cc, f, op == "not in", l, depth)
	case "<", "<=", ">", ">=":
		return z.ineq(cc, f, op, value)
	case "like", "not like", "ilike", "not ilike", "=like", "not =like", "=ilike", "not =ilike":
		return z.like(m, cc, f, op, value, depth)
	case "any", "not any", "any!", "not any!":
		return z.any(m, cc, f, op, value.(Node), depth)
	case "child_of", "parent_of":
		return z.hierarchy(m, cc, f, op, value, depth)
	}
	return nil, errs.Ef(errs.ValidationError, "Invalid domain: Invalid operator in condition %s", short(c))
}

// any builds an existential condition; sub is a domain on f's comodel (on
// m itself for id).
func (z *normalizer) any(m ModelInfo, cc condCtx, f *Field, op string, sub Node, depth int) (Node, error) {
	if f.Name == "id" {
		n, err := z.node(m, sub, depth+1)
		if err != nil {
			return nil, err
		}
		if op == "not any" || op == "not any!" {
			return z.negate(m, n), nil
		}
		return n, nil
	}
	if !isRelational(f) {
		return nil, cc.errf("Cannot use 'any' with non-relational fields")
	}
	cm, ok := z.s.Model(f.Comodel)
	if !ok {
		return nil, errs.Internalf("domain: field %s.%s: unknown comodel %q", m.Name(), f.Name, f.Comodel)
	}
	n, err := z.node(cm, sub, depth+1)
	if err != nil {
		return nil, err
	}
	if n == False {
		return Bool(op == "not any" || op == "not any!"), nil
	}
	return Condition{f.Name, op, n}, nil
}

func (z *normalizer) in(m ModelInfo, cc condCtx, f *Field, neg bool, vals []any, depth int) (Node, error) {
	finish := func(n Node) Node {
		if neg {
			return z.negate(m, n)
		}
		return n
	}
	if len(vals) == 0 {
		return Bool(neg), nil
	}
	switch f.Type {
	case Many2one, One2many, Many2many:
		ids, names, hasFalse, err := refs(cc, vals)
		if err != nil {
			return nil, err
		}
		if len(names) > 0 {
			if len(ids) > 0 || hasFalse {
				return nil, cc.errf("ids and names cannot be mixed")
			}
			// Names search the comodel's display name, with its rules.
			return z.recName(m, cc, f, "in", names, neg, depth)
		}
		if f.Type == Many2one {
			if hasFalse && f.Required {
				hasFalse = false
			}
			if hasFalse {
				ids = append(ids, false)
			}
			if len(ids) == 0 {
				return Bool(neg), nil
			}
			return finish(Condition{f.Name, "in", ids}), nil
		}
		// x2many: "linked to one of ids" runs on the sudo comodel (any!);
		// False means "no linked record at all".
		var parts []Node
		if len(ids) > 0 {
			parts = append(parts, Condition{f.Name, "any!", Condition{"id", "in", ids}})
		}
		if hasFalse {
			parts = append(parts, Condition{f.Name, "not any!", True})
		}
		return finish(Or(parts...)), nil
	case Boolean:
		var t, fl bool
		for _, v := range vals {
			b, ok := toBool(v)
			if !ok {
				return nil, cc.errf("value %s is not a boolean", short(v))
			}
			if b {
				t = true
			} else {
				fl = true
			}
		}
		var n Node
		switch {
		case t && fl:
			n = True
		case t:
			n = Condition{f.Name, "in", []any{true}}
		default:
			// A single falsy value is flipped: false and NULL match.
			n = Condition{f.Name, "not in", []any{true}}
		}
		return finish(n), nil
	case JSON:
		for _, v := range vals {
			if v != false {
				return nil, cc.errf("json fields can only be compared with False")
			}
		}
		return finish(Condition{f.Name, "in", []any{false}}), nil
	}
	out := make([]any, 0, len(vals))
	var ranges []Node
	for _, v := range vals {
		if v == false {
			if !f.Required && f.Name != "id" {
				out = append(out, false)
			}
			continue
		}
		cv, day, err := coerce(f, v)
		if err != nil {
			return nil, cc.errf("%s", err.Error())
		}
		if day != "" {
			// A date given to a datetime means that whole day.
			ranges = append(ranges, And(Condition{f.Name, ">=", cv}, Condition{f.Name, "<", day}))
			continue
		}
		out = append(out, cv)
	}
	var n Node = False
	if len(out) > 0 {
		n = Condition{f.Name, "in", out}
	}
	if len(ranges) > 0 {
		n = Or(append([]Node{n}, ranges...)...)
	}
	return finish(n), nil
}

// recName rewrites a condition on a relational field's display name into
// an existential search of the comodel, as Odoo does for names and
// like-operators.
func (z *normalizer) recName(m ModelInfo, cc condCtx, f *Field, op string, v any, neg bool, depth int) (Node, error) {
	cm, ok := z.s.Model(f.Comodel)
	if !ok {
		return nil, errs.Internalf("domain: field %s.%s: unknown comodel %q", m.Name(), f.Name, f.Comodel)
	}
	anyOp := "any"
	if neg {
		anyOp = "not any"
	}
	return z.any(m, cc, f, anyOp, Condition{cm.RecName(), op, v}, depth)
}

// refs splits the values of a relational condition into record ids, names
// (searched on the display name) and False ("not set").
func refs(cc condCtx, vals []any) (ids, names []any, hasFalse bool, err error) {
	for _, v := range vals {
		switch v := v.(type) {
		case bool:
			if v {
				return nil, nil, false, cc.errf("True is not a record id")
			}
			hasFalse = true
		case string:
			names = append(names, v)
		default:
			id, ok := asInt(v)
			if !ok {
				return nil, nil, false, cc.errf("value %s is not a record id or name", short(v))
			}
			ids = append(ids, id)
		}
	}
	return ids, names, hasFalse, nil
}

func toBool(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case int64:
		return v != 0, true
	case float64:
		return v != 0, true
	case string:
		// Odoo's str2bool.
		switch strings.ToLower(v) {
		case "y", "yes", "1", "true", "t", "on":
			return true, true
		case "n", "no", "0", "false", "f", "off", "":
			return false, true
		}
	}
	return false, false
}

const (
	dateLayout     = "2006-01-02"
	datetimeLayout = "2006-01-02 15:04:05"
)

// coerce converts one non-False value to the field's canonical type. For a
// datetime field given a plain date it also returns the next day's
// midnight, so callers can build the day's range.
func coerce(f *Field, v any) (cv any, nextDay string, err error) {
	switch f.Type {
	case Integer, Many2one:
		if s, ok := v.(string); ok && f.Type == Integer {
			// PostgreSQL casts '5' to an integer column's type, so Odoo
			// accepts numeric strings; rampart converts them up front.
			if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				return i, "", nil
			}
		}
		if i, ok := asInt(v); ok {
			return i, "", nil
		}
		return nil, "", valueError("value " + short(v) + " is not an integer for field " + f.Name)
	case Float, Monetary:
		switch v := v.(type) {
		case int64:
			return float64(v), "", nil
		case float64:
			return v, "", nil
		case string:
			if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
				return x, "", nil
			}
		}
		return nil, "", valueError("value " + short(v) + " is not a number for field " + f.Name)
	case Char, Text, Selection:
		if s, ok := v.(string); ok {
			return s, "", nil
		}
		return nil, "", valueError("value " + short(v) + " is not a string for field " + f.Name)
	case Date:
		if s, ok := v.(string); ok {
			if t, err := time.Parse(dateLayout, s); err == nil && t.Year() >= 1 {
				return t.Format(dateLayout), "", nil
			}
			// A datetime given to a date is cut to its date, as Odoo's
			// Date.to_date does.
			if _, _, ok := parseDatetime(s); ok && len(s) > 10 {
				return s[:10], "", nil
			}
		}
		return nil, "", valueError("value " + short(v) + " is not a date (YYYY-MM-DD) for field " + f.Name)
	case Datetime:
		if s, ok := v.(string); ok {
			if t, day, ok := parseDatetime(s); ok {
				if day {
					return t.Format(datetimeLayout), t.AddDate(0, 0, 1).Format(datetimeLayout), nil
				}
				return t.Format(datetimeLayout), "", nil
			}
		}
		return nil, "", valueError("value " + short(v) + " is not a datetime (YYYY-MM-DD HH:MM:SS) for field " + f.Name)
	}
	return nil, "", valueError("field " + f.Name + " of type " + f.Type + " cannot be compared")
}

// MaxPattern bounds a like-operator's pattern, in bytes.
const MaxPattern = 10000

// checkText refuses what no database stores or compares: NUL characters
// in strings (PostgreSQL text cannot hold them), in a value or a list.
func checkText(v any) error {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return valueError("a value contains a NUL character")
		}
	case []any:
		for _, e := range x {
			if err := checkText(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseDatetime accepts Odoo's naive UTC form, ISO 8601 with a 'T' and
// optional fraction or zone (converted to naive UTC, fraction dropped as
// Odoo drops microseconds), and a plain date (day reports it).
func parseDatetime(s string) (t time.Time, day bool, ok bool) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return t, true, t.Year() >= 1
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			// Year 0 does not exist in PostgreSQL (nor in Python).
			t = t.UTC().Truncate(time.Second)
			return t, false, t.Year() >= 1 && t.Year() <= 9999
		}
	}
	return time.Time{}, false, false
}

func (z *normalizer) ineq(cc condCtx, f *Field, op string, v any) (Node, error) {
	if _, ok := v.([]any); ok {
		return nil, cc.errf("operator %s needs a single value, not a list", op)
	}
	if v == false {
		// Comparing with "not set" matches nothing (Odoo does this for
		// dates and datetimes; rampart does it for every type).
		return False, nil
	}
	switch f.Type {
	case Boolean, One2many, Many2many, JSON:
		return nil, cc.errf("operator %s is not supported on %s field %s", op, f.Type, f.Name)
	case Many2one:
		if _, ok := v.(string); ok {
			return nil, cc.errf("operator %s cannot compare many2one field %s with a string", op, f.Name)
		}
	}
	cv, day, err := coerce(f, v)
	if err != nil {
		return nil, cc.errf("%s", err.Error())
	}
	if f.Type == Datetime {
		// Odoo: '>' v becomes '>=' v+1s and '<=' v becomes '<' v+1s; with a
		// date, v+1 day. Stored values are whole seconds, so this is the
		// same set, stated on half-open bounds.
		if day == "" && (op == ">" || op == "<=") {
			t, _ := time.Parse(datetimeLayout, cv.(string))
			day = t.Add(time.Second).Format(datetimeLayout)
		}
		switch op {
		case ">":
			return Condition{f.Name, ">=", day}, nil
		case "<=":
			return Condition{f.Name, "<", day}, nil
		}
	}
	if i, ok := cv.(int64); ok && f.Type == Integer {
		cv = i
	}
	return Condition{f.Name, op, cv}, nil
}

// likeTypes are the field types the like family applies to. Floats,
// monetary and booleans are refused: their text form differs between
// SQLite and PostgreSQL, so the answer would depend on the database.
var likeTypes = map[string]bool{Char: true, Text: true, Selection: true, Integer: true, Date: true, Datetime: true}

func (z *normalizer) like(m ModelInfo, cc condCtx, f *Field, op string, v any, depth int) (Node, error) {
	neg := strings.HasPrefix(op, "not ")
	pos := strings.TrimPrefix(op, "not ")
	if _, ok := v.([]any); ok {
		return nil, cc.errf("operator %s needs a single pattern, not a list", op)
	}
	if isFalsy(v) {
		// Odoo's _optimize_like_str: result = negative == ('=' in op);
		// "!= False" when it holds and "= False" otherwise, for =like on
		// every field and for like on relational fields; the constant
		// result for like on the others.
		switch {
		case pos == "=like" || pos == "=ilike": // "is not set"
			return z.in(m, cc, f, neg, []any{false}, depth)
		case isRelational(f): // like '': "is set"
			return z.in(m, cc, f, !neg, []any{false}, depth)
		default:
			return Bool(!neg), nil
		}
	}
	s, ok := v.(string)
	if !ok {
		if pos == "=like" || pos == "=ilike" {
			return nil, cc.errf("The pattern to match must be a string")
		}
		s = pyStr(v)
	}
	if len(s) > MaxPattern {
		// SQLite refuses patterns over 50,000 bytes ("LIKE or GLOB
		// pattern too complex"); refuse long ones on both databases.
		return nil, cc.errf("the pattern for field %s is longer than %d bytes", f.Name, MaxPattern)
	}
	if isRelational(f) {
		return z.recName(m, cc, f, pos, s, neg, depth)
	}
	if !likeTypes[f.Type] {
		return nil, cc.errf("operator %s is not supported on %s field %s", op, f.Type, f.Name)
	}
	pattern := s
	if pos == "like" || pos == "ilike" {
		pattern = "%" + s + "%"
	}
	if trailingEscape(pattern) {
		return nil, cc.errf("the pattern ends with an escape character")
	}
	return Condition{f.Name, op, s}, nil
}

// trailingEscape reports a pattern ending in an unpaired backslash, which
// PostgreSQL rejects with an error.
func trailingEscape(p string) bool {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// pyStr is Python's str() of a canonical scalar.
func pyStr(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e16 {
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	}
	return short(v)
}

// hierarchy states child_of/parent_of on the id of the model that holds
// the hierarchy: on m itself when f is id or points to m, otherwise on the
// comodel inside an any! (the walk runs as superuser, as in Odoo).
func (z *normalizer) hierarchy(m ModelInfo, cc condCtx, f *Field, op string, v any, depth int) (Node, error) {
	l, ok := v.([]any)
	if !ok {
		l = []any{v}
	}
	ids, names, _, err := refs(cc, l)
	if err != nil {
		return nil, err
	}
	vals := append(ids, names...)
	target := m
	if f.Name != "id" {
		if !isRelational(f) {
			return nil, cc.errf("operator %s needs a relational field", op)
		}
		cm, ok := z.s.Model(f.Comodel)
		if !ok {
			return nil, errs.Internalf("domain: field %s.%s: unknown comodel %q", m.Name(), f.Name, f.Comodel)
		}
		target = cm
	}
	pf, ok := field(target, target.ParentField())
	if target.ParentField() == "" || !ok || pf.Type != Many2one || pf.Comodel != target.Name() {
		return nil, cc.errf("model %s has no parent hierarchy for %s", target.Name(), op)
	}
	if len(vals) == 0 {
		return False, nil
	}
	n := Condition{"id", op, vals}
	if target.Name() == m.Name() {
		return n, nil
	}
	return z.any(m, cc, f, "any!", n, depth)
}
