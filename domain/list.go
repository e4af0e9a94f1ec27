package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/rampart/rampart/errs"
)

// Limits bound what the parsers accept, so that a hostile domain costs
// bounded time and memory before anything else looks at it. The zero value
// of a field means its default.
type Limits struct {
	// MaxSource is the maximum length in bytes of a string-form domain
	// (default 64 KiB).
	MaxSource int
	// MaxLeaves is the maximum number of conditions, sub-domains included
	// (default 1000).
	MaxLeaves int
	// MaxDepth is the maximum nesting of brackets in the source, of lists in
	// JSON, and of operators and 'any' sub-domains in the result (default 32).
	MaxDepth int
	// MaxValues is the maximum number of values in all value lists together
	// (default 10000).
	MaxValues int
}

// Default limits.
const (
	DefaultMaxSource = 64 << 10
	DefaultMaxLeaves = 1000
	DefaultMaxDepth  = 32
	DefaultMaxValues = 10000
)

func (l Limits) withDefaults() Limits {
	if l.MaxSource <= 0 {
		l.MaxSource = DefaultMaxSource
	}
	if l.MaxLeaves <= 0 {
		l.MaxLeaves = DefaultMaxLeaves
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxValues
	}
	return l
}

// invalid builds the ValidationError every malformed domain produces.
func invalid(format string, args ...any) *errs.Error {
	return errs.Ef(errs.ValidationError, "Invalid domain: "+format, args...)
}

// short renders an input item for an error message, truncated so that a
// huge hostile item does not make a huge error.
func short(v any) string {
	var b strings.Builder
	if c, ok := v.(Condition); ok {
		c.writeTo(&b) // conditions read as Odoo prints them: (f, op, v)
	} else {
		writeValue(&b, v)
	}
	s := b.String()
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// FromJSON converts the JSON list form clients send, e.g.
// ["|", ["state","=","sale"], ["user_id","in",[1,false]]], as decoded by
// encoding/json (numbers as float64 or json.Number) or built by Go code.
// nil and [] are TRUE; a bare true/false is TRUE/FALSE. Errors are
// *errs.Error of kind ValidationError.
func FromJSON(v any) (Node, error) { return Limits{}.FromJSON(v) }

// FromJSON is the package-level FromJSON with these limits.
func (l Limits) FromJSON(v any) (Node, error) {
	st := &convState{lim: l.withDefaults()}
	switch v := v.(type) {
	case nil:
		return True, nil
	case bool:
		return Bool(v), nil
	case Node:
		return v, nil
	case []any:
		return st.list(v, 0)
	}
	return nil, invalid("a domain must be a list, not %s", short(v))
}

// convState carries the limits and counters through one conversion.
type convState struct {
	lim    Limits
	leaves int
	values int
	// internal accepts 'any!'/'not any!', which Odoo refuses in list form
	// from outside.
	internal bool
}

// errUnresolved reports that a template placeholder stands where the
// domain's structure is decided, so it cannot be checked before binding.
var errUnresolved = errors.New("domain: structure depends on unresolved names")

// list parses the prefix (Polish) list form right to left with a stack, as
// Odoo does: leaves push, '&'/'|' pop two, '!' pops one, and whatever
// remains is AND-ed in order (implicit AND).
func (st *convState) list(items []any, depth int) (Node, error) {
	if depth > st.lim.MaxDepth {
		return nil, invalid("nested deeper than %d levels", st.lim.MaxDepth)
	}
	stack := make([]Node, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- {
		switch it := items[i].(type) {
		case string:
			switch it {
			case "&", "|":
				if len(stack) < 2 {
					return nil, invalid("malformed domain: operator %q needs two operands (item %d)", it, i)
				}
				a, b := stack[len(stack)-1], stack[len(stack)-2]
				stack = stack[:len(stack)-2]
				var n Node
				if it == "&" {
					n = And(a, b)
				} else {
					n = Or(a, b)
				}
				if err := st.checkDepth(n, depth); err != nil {
					return nil, err
				}
				stack = append(stack, n)
			case "!":
				if len(stack) < 1 {
					return nil, invalid("malformed domain: operator '!' needs an operand (item %d)", i)
				}
				stack[len(stack)-1] = Not(stack[len(stack)-1])
			default:
				return nil, invalid("invalid item in domain: %s", short(it))
			}
		case []any:
			n, err := st.leaf(it, depth)
			if err != nil {
				return nil, err
			}
			stack = append(stack, n)
		case pyTuple:
			n, err := st.leaf(it, depth)
			if err != nil {
				return nil, err
			}
			stack = append(stack, n)
		case Node:
			stack = append(stack, it)
		case *placeholder:
			return nil, errUnresolved
		default:
			return nil, invalid("invalid item in domain: %s", short(it))
		}
	}
	// The stack top is the leftmost item.
	for i, j := 0, len(stack)-1; i < j; i, j = i+1, j-1 {
		stack[i], stack[j] = stack[j], stack[i]
	}
	n := And(stack...)
	if err := st.checkDepth(n, depth); err != nil {
		return nil, err
	}
	return n, nil
}

// checkDepth bounds the operator nesting of a built node. It is cheap: the
// tree only deepens when operators alternate, and it is measured once per
// operator on the new root's first levels only.
func (st *convState) checkDepth(n Node, depth int) error {
	if depth+nodeDepth(n, st.lim.MaxDepth+1) > st.lim.MaxDepth {
		return invalid("nested deeper than %d levels", st.lim.MaxDepth)
	}
	return nil
}

// nodeDepth is the operator depth of n, counting 'any' sub-domains, capped
// at limit so that it stays cheap on deep trees.
func nodeDepth(n Node, limit int) int {
	if limit <= 0 {
		return 0
	}
	switch n := n.(type) {
	case *NotNode:
		return 1 + nodeDepth(n.x, limit-1)
	case *AndNode:
		return 1 + maxDepth(n.xs, limit-1)
	case *OrNode:
		return 1 + maxDepth(n.xs, limit-1)
	case Condition:
		if sub, ok := n.Value.(Node); ok {
			return 1 + nodeDepth(sub, limit-1)
		}
	}
	return 0
}

func maxDepth(xs []Node, limit int) int {
	d := 0
	for _, x := range xs {
		d = max(d, nodeDepth(x, limit))
		if d >= limit {
			break
		}
	}
	return d
}

// operators maps every accepted spelling (lowercased) to its Odoo 19 name.
var operators = map[string]string{
	"=": "=", "!=": "!=", "<>": "!=", "==": "=",
	"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=?": "=?",
	"like": "like", "not like": "not like", "ilike": "ilike", "not ilike": "not ilike",
	"=like": "=like", "=ilike": "=ilike", "not =like": "not =like", "not =ilike": "not =ilike",
	"in": "in", "not in": "not in", "child_of": "child_of", "parent_of": "parent_of",
	"any": "any", "not any": "not any", "any!": "any!", "not any!": "not any!",
}

// canonOperator lowercases op and resolves the deprecated aliases.
func canonOperator(op string) (string, bool) {
	if o, ok := operators[op]; ok {
		return o, true
	}
	o, ok := operators[strings.ToLower(op)]
	return o, ok
}

func (st *convState) leaf(it []any, depth int) (Node, error) {
	if len(it) != 3 {
		return nil, invalid("invalid item in domain: %s", short(it))
	}
	st.leaves++
	if st.leaves > st.lim.MaxLeaves {
		return nil, invalid("more than %d conditions", st.lim.MaxLeaves)
	}
	for _, x := range it[:2] {
		if _, ok := x.(*placeholder); ok {
			return nil, errUnresolved
		}
	}
	field, ok := it[0].(string)
	if !ok {
		// (1, '=', 1) is TRUE and (0, '=', 1) is FALSE; nothing else may
		// have a non-string field.
		a, aok := asInt(it[0])
		c, cok := asInt(it[2])
		if aok && cok && it[1] == "=" && c == 1 && (a == 0 || a == 1) {
			return Bool(a == 1), nil
		}
		return nil, invalid("a condition's field must be a string in %s", short(it))
	}
	opRaw, ok := it[1].(string)
	if !ok {
		return nil, invalid("Invalid operator in condition %s", short(it))
	}
	return st.condition(field, opRaw, it[2], depth)
}

func (st *convState) condition(field, opRaw string, value any, depth int) (Node, error) {
	cond := func() string { return short(Condition{field, opRaw, value}) }
	if field == "" {
		return nil, invalid("empty field name in condition %s", cond())
	}
	op, ok := canonOperator(opRaw)
	if !ok || (!st.internal && (op == "any!" || op == "not any!")) {
		return nil, invalid("Invalid operator in condition %s", cond())
	}
	if op == "any" || op == "not any" || op == "any!" || op == "not any!" {
		var sub Node
		switch v := value.(type) {
		case []any:
			n, err := st.list(v, depth+1)
			if err != nil {
				return nil, err
			}
			sub = n
		case pyTuple:
			n, err := st.list(v, depth+1)
			if err != nil {
				return nil, err
			}
			sub = n
		case Node:
			sub = v
		case *placeholder:
			return nil, errUnresolved
		default:
			return nil, invalid("the value of %q must be a domain in condition %s", op, cond())
		}
		return Condition{field, op, sub}, nil
	}
	v, err := canonValue(value, 0)
	if err != nil {
		return nil, invalid("%s in condition %s", err.Error(), cond())
	}
	if l, ok := v.([]any); ok {
		st.values += len(l)
	} else {
		st.values++
	}
	if st.values > st.lim.MaxValues {
		return nil, invalid("more than %d values", st.lim.MaxValues)
	}
	return Condition{field, op, v}, nil
}

// NewCondition builds a condition from untrusted parts: the operator is
// checked and lowercased, the value canonicalised (None is False, numbers
// become int64/float64, sequences []any, sub-domains of 'any' converted).
func NewCondition(field, op string, value any) (Node, error) {
	st := &convState{lim: Limits{}.withDefaults()}
	return st.condition(field, op, value, 0)
}

// valueError is a reason a value was refused, wrapped into the caller's
// message.
type valueError string

func (e valueError) Error() string { return string(e) }

// canonValue converts a value to its canonical Go form. depth 0 accepts one
// level of list; nested lists are refused (no operator takes them).
func canonValue(v any, depth int) (any, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool, string, int64:
		return v, nil
	case *placeholder:
		return v, nil
	case Node:
		return nil, valueError("a domain is only allowed as the value of 'any'/'not any'")
	case []any:
		return canonSlice(v, depth)
	case pyTuple:
		return canonSlice([]any(v), depth)
	case []int64:
		return canonSlice(v, depth)
	case []int:
		return canonSlice(v, depth)
	case []string:
		return canonSlice(v, depth)
	case []float64:
		return canonSlice(v, depth)
	case float64:
		return canonFloat(v)
	case float32:
		return canonFloat(float64(v))
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, valueError("invalid number " + short(string(v)))
		}
		return canonFloat(f)
	}
	if i, ok := asInt(v); ok {
		return i, nil
	}
	if _, ok := v.(Attributer); ok {
		return nil, valueError("a record is not allowed as a value (use its .id)")
	}
	return nil, valueError(fmt.Sprintf("unsupported value of type %T", v))
}

func canonFloat(f float64) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, valueError("non-finite number")
	}
	return f, nil
}

func canonSlice[T any](v []T, depth int) (any, error) {
	if depth > 0 {
		return nil, valueError("nested lists are not allowed as values")
	}
	out := make([]any, len(v))
	for i, x := range v {
		c, err := canonValue(x, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// asInt converts every Go integer type (and json.Number holding one) to
// int64.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
	}
	return 0, false
}
