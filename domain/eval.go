package domain

import (
	"fmt"
	"math"

	"github.com/rampart/rampart/errs"
)

// pyTuple is a Python tuple: a sequence like a list, kept distinct so that
// '+' refuses to mix them as Python does.
type pyTuple []any

// placeholder stands for the value of an unresolved name while a template
// is checked.
type placeholder struct{}

func (t *Template) errAt(off int, format string, args ...any) *errs.Error {
	return invalid(fmt.Sprintf(format, args...) + " at " + where(t.src, off))
}

// eval computes the value of e. With ev nil, names evaluate to
// placeholders.
func (t *Template) eval(e expr, ev EvalContext) (any, error) {
	switch e := e.(type) {
	case *litExpr:
		return e.v, nil
	case *seqExpr:
		out := make([]any, len(e.items))
		for i, x := range e.items {
			v, err := t.eval(x, ev)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if e.tuple {
			return pyTuple(out), nil
		}
		return out, nil
	case *nameExpr:
		if ev == nil {
			return &placeholder{}, nil
		}
		v, ok := ev.Lookup(e.name)
		if !ok {
			return nil, t.errAt(e.p, "unknown name %q", e.name)
		}
		return fromGo(v), nil
	case *attrExpr:
		x, err := t.eval(e.x, ev)
		if err != nil {
			return nil, err
		}
		switch x := x.(type) {
		case *placeholder:
			return x, nil
		case Attributer:
			v, err := x.Attr(e.name)
			if err != nil {
				// The resolver's text may describe internals: keep it
				// as the hidden cause only.
				ve := t.errAt(e.p, "cannot read attribute %q", e.name)
				ve.Err = err
				return nil, ve
			}
			return fromGo(v), nil
		}
		return nil, t.errAt(e.p, "cannot read attribute %q of %s", e.name, typeName(x))
	case *negExpr:
		x, err := t.eval(e.x, ev)
		if err != nil {
			return nil, err
		}
		switch x := x.(type) {
		case *placeholder:
			return x, nil
		case int64:
			if e.op == '+' {
				return x, nil
			}
			if x == math.MinInt64 {
				return nil, t.errAt(e.p, "integer out of range")
			}
			return -x, nil
		case float64:
			if e.op == '+' {
				return x, nil
			}
			return -x, nil
		}
		return nil, t.errAt(e.p, "unary %c needs a number, not %s", e.op, typeName(x))
	case *addExpr:
		l, err := t.eval(e.l, ev)
		if err != nil {
			return nil, err
		}
		r, err := t.eval(e.r, ev)
		if err != nil {
			return nil, err
		}
		return t.arith(e, l, r)
	}
	return nil, t.errAt(e.pos(), "unsupported expression")
}

func (t *Template) arith(e *addExpr, l, r any) (any, error) {
	if _, ok := l.(*placeholder); ok {
		return l, nil
	}
	if _, ok := r.(*placeholder); ok {
		return r, nil
	}
	switch l := l.(type) {
	case []any:
		if r, ok := r.([]any); ok && e.op == '+' {
			if len(l)+len(r) > t.lim.MaxValues {
				return nil, t.errAt(e.p, "list longer than %d", t.lim.MaxValues)
			}
			return append(append(make([]any, 0, len(l)+len(r)), l...), r...), nil
		}
	case pyTuple:
		if r, ok := r.(pyTuple); ok && e.op == '+' {
			if len(l)+len(r) > t.lim.MaxValues {
				return nil, t.errAt(e.p, "tuple longer than %d", t.lim.MaxValues)
			}
			return append(append(make(pyTuple, 0, len(l)+len(r)), l...), r...), nil
		}
	case string:
		if r, ok := r.(string); ok && e.op == '+' {
			if len(l)+len(r) > t.lim.MaxSource {
				return nil, t.errAt(e.p, "string longer than %d", t.lim.MaxSource)
			}
			return l + r, nil
		}
	case int64:
		switch r := r.(type) {
		case int64:
			if e.op == '-' {
				r = -r
			}
			s := l + r
			// Overflow iff both operands have the same sign and the sum's
			// sign differs.
			if (l >= 0) == (r >= 0) && (s >= 0) != (l >= 0) {
				return nil, t.errAt(e.p, "integer out of range")
			}
			return s, nil
		case float64:
			return addFloat(float64(l), r, e.op), nil
		}
	case float64:
		switch r := r.(type) {
		case int64:
			return addFloat(l, float64(r), e.op), nil
		case float64:
			return addFloat(l, r, e.op), nil
		}
	}
	return nil, t.errAt(e.p, "unsupported operand types for %c: %s and %s", e.op, typeName(l), typeName(r))
}

func addFloat(l, r float64, op byte) float64 {
	if op == '-' {
		return l - r
	}
	return l + r
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case pyTuple:
		return "tuple"
	case Attributer:
		return "record"
	}
	return fmt.Sprintf("%T", v)
}

// fromGo converts a context value to the evaluator's types.
func fromGo(v any) any {
	switch v := v.(type) {
	case nil, bool, string, int64, float64, []any, pyTuple, Attributer:
		return v
	case float32:
		return float64(v)
	}
	if i, ok := asInt(v); ok {
		return i
	}
	if c, err := canonValue(v, 0); err == nil {
		return c
	}
	return v
}
