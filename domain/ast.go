package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Node is a domain: a boolean formula over conditions. Nodes are immutable;
// the only implementations are Bool, *NotNode, *AndNode, *OrNode and
// Condition.
type Node interface {
	// String is the canonical Python-literal list form, e.g.
	// "['|', ('a', '=', 1), ('b', 'in', [1, 2])]". It is parseable by Parse
	// and identifies the domain in caches and explain output.
	String() string
	// List is the JSON/list form: operator strings and 3-item []any leaves.
	List() []any

	writeTo(b *strings.Builder)
	appendList(out []any) []any
}

// Bool is the constant domain TRUE or FALSE.
type Bool bool

// The constant domains. TRUE matches every record, FALSE none.
const (
	True  Bool = true
	False Bool = false
)

// NotNode is the negation of a domain. Build it with Not.
type NotNode struct{ x Node }

// AndNode is the conjunction of at least two domains. Build it with And.
type AndNode struct{ xs []Node }

// OrNode is the disjunction of at least two domains. Build it with Or.
type OrNode struct{ xs []Node }

// Condition is a leaf (field_expr, operator, value). Field may be a dotted
// path ("partner_id.country_id.code"). Value holds canonical Go values:
// bool (None is False), int64, float64, string, []any of those, or a Node
// for 'any'/'not any'. Build conditions from untrusted input with
// NewCondition, which canonicalises the value; literal Conditions written
// by Go code are canonicalised when normalised.
type Condition struct {
	Field    string
	Operator string
	Value    any
}

// Child is the negated domain.
func (n *NotNode) Child() Node { return n.x }

// Children returns a copy of the conjuncts.
func (n *AndNode) Children() []Node { return slices.Clone(n.xs) }

// Children returns a copy of the disjuncts.
func (n *OrNode) Children() []Node { return slices.Clone(n.xs) }

// And is the conjunction of xs: nested ANDs are flattened, TRUE children
// dropped, and a FALSE child makes the whole FALSE. And() is TRUE.
func And(xs ...Node) Node { return nary(true, xs) }

// Or is the disjunction of xs: nested ORs are flattened, FALSE children
// dropped, and a TRUE child makes the whole TRUE. Or() is FALSE.
func Or(xs ...Node) Node { return nary(false, xs) }

func nary(and bool, xs []Node) Node {
	unit, absorb := Bool(and), Bool(!and)
	out := make([]Node, 0, len(xs))
	for _, x := range xs {
		switch x := x.(type) {
		case nil:
			// A nil domain means "no restriction" (the ORM's rule hook
			// returns nil), i.e. TRUE: neutral in AND, absorbing in OR.
			if !and {
				return True
			}
		case Bool:
			if x == absorb {
				return absorb
			}
		case *AndNode:
			if and {
				out = append(out, x.xs...)
			} else {
				out = append(out, x)
			}
		case *OrNode:
			if !and {
				out = append(out, x.xs...)
			} else {
				out = append(out, x)
			}
		default:
			out = append(out, x)
		}
	}
	switch len(out) {
	case 0:
		return unit
	case 1:
		return out[0]
	}
	if and {
		return &AndNode{xs: out}
	}
	return &OrNode{xs: out}
}

// Not is the negation of x. Not(Not(x)) is x and constants are inverted;
// pushing a negation into conditions needs field types and is done by
// Normalize.
func Not(x Node) Node {
	switch x := x.(type) {
	case nil:
		return False
	case Bool:
		return !x
	case *NotNode:
		return x.x
	}
	return &NotNode{x: x}
}

func nodeString(n Node) string {
	var b strings.Builder
	b.Grow(128)
	b.WriteByte('[')
	n.writeTo(&b)
	b.WriteByte(']')
	return b.String()
}

func (n Bool) String() string      { return nodeString(n) }
func (n *NotNode) String() string  { return nodeString(n) }
func (n *AndNode) String() string  { return nodeString(n) }
func (n *OrNode) String() string   { return nodeString(n) }
func (n Condition) String() string { return nodeString(n) }

func (n Bool) writeTo(b *strings.Builder) {
	if n {
		b.WriteString("(1, '=', 1)")
	} else {
		b.WriteString("(0, '=', 1)")
	}
}

func (n *NotNode) writeTo(b *strings.Builder) {
	b.WriteString("'!', ")
	n.x.writeTo(b)
}

func writeNary(b *strings.Builder, op string, xs []Node) {
	for range len(xs) - 1 {
		b.WriteString(op)
	}
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		x.writeTo(b)
	}
}

func (n *AndNode) writeTo(b *strings.Builder) { writeNary(b, "'&', ", n.xs) }
func (n *OrNode) writeTo(b *strings.Builder)  { writeNary(b, "'|', ", n.xs) }

func (n Condition) writeTo(b *strings.Builder) {
	b.WriteByte('(')
	writePyString(b, n.Field)
	b.WriteString(", ")
	writePyString(b, n.Operator)
	b.WriteString(", ")
	writeValue(b, n.Value)
	b.WriteByte(')')
}

// writeValue writes v as a Python literal. Ints and floats stay distinct
// (1 versus 1.0) so the canonical form is injective.
func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("False")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		writePyString(b, v)
	case int64:
		if v == math.MinInt64 {
			// Its literal overflows before the minus applies.
			b.WriteString("(-9223372036854775807 - 1)")
			return
		}
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], v, 10))
	case float64:
		b.WriteString(formatFloat(v))
	case Node:
		b.WriteByte('[')
		v.writeTo(b)
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, x)
		}
		b.WriteByte(']')
	default:
		if c, err := canonValue(v, 0); err == nil {
			switch c := c.(type) {
			case int64, float64, []any, bool, string:
				writeValue(b, c)
				return
			}
		}
		// Unrepresentable values (rejected by NewCondition and Normalize)
		// still get a deterministic, clearly invalid spelling.
		b.WriteString("<invalid>")
	}
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "<invalid>"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func writePyString(b *strings.Builder, s string) {
	b.WriteByte('\'')
	if plainString(s) {
		b.WriteString(s)
		b.WriteByte('\'')
		return
	}
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\x`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&15])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('\'')
}

// plainString reports a string needing no escape in a Python literal.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

func (n Bool) List() []any      { return n.appendList(nil) }
func (n *NotNode) List() []any  { return n.appendList(nil) }
func (n *AndNode) List() []any  { return n.appendList(nil) }
func (n *OrNode) List() []any   { return n.appendList(nil) }
func (n Condition) List() []any { return n.appendList(nil) }

func (n Bool) appendList(out []any) []any {
	if n {
		return append(out, []any{int64(1), "=", int64(1)})
	}
	return append(out, []any{int64(0), "=", int64(1)})
}

func (n *NotNode) appendList(out []any) []any { return n.x.appendList(append(out, "!")) }

func appendNary(out []any, op string, xs []Node) []any {
	for range len(xs) - 1 {
		out = append(out, op)
	}
	for _, x := range xs {
		out = x.appendList(out)
	}
	return out
}

func (n *AndNode) appendList(out []any) []any { return appendNary(out, "&", n.xs) }
func (n *OrNode) appendList(out []any) []any  { return appendNary(out, "|", n.xs) }

func (n Condition) appendList(out []any) []any {
	return append(out, []any{n.Field, n.Operator, listValue(n.Value)})
}

func listValue(v any) any {
	switch v := v.(type) {
	case Node:
		return v.List()
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = listValue(x)
		}
		return out
	case nil:
		return false
	}
	if c, err := canonValue(v, 0); err == nil {
		return c
	}
	return v
}
