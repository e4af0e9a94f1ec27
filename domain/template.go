package domain

// The string form of a domain: Odoo writes domains as Python literals
// (XML domain_force, YAML rules). This file is the API; the lexer is in
// lex.go, the parser in parse.go, the evaluator in eval.go, and the same
// parser evaluates plain Python literals for other packages in literal.go.

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// EvalContext resolves the free names of a string domain (Odoo's rule
// evaluation context: user, company_ids, company_id). Lookup returns Go
// values: nil, bool, integers, floats, strings, slices of those, or an
// Attributer for records whose attributes the domain may read.
type EvalContext interface {
	Lookup(name string) (any, bool)
}

// Attributer is a value whose attributes a string domain may read
// (user.partner_id.id). Names starting with '_' are refused before Attr is
// ever called. Attr may load lazily; an unknown attribute is an error.
type Attributer interface {
	Attr(name string) (any, error)
}

// MapContext is an EvalContext over a map.
type MapContext map[string]any

// Lookup implements EvalContext.
func (m MapContext) Lookup(name string) (any, bool) { v, ok := m[name]; return v, ok }

// AttrMap is an Attributer over a map, for tests and simple contexts.
type AttrMap map[string]any

// Attr implements Attributer.
func (m AttrMap) Attr(name string) (any, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("no attribute %q", name)
	}
	return v, nil
}

// Parse parses Odoo's string form of a domain (a Python list literal as in
// XML domain_force) and resolves its names through ev, which may be nil for
// a pure literal. Errors are *errs.Error of kind ValidationError and name
// the position.
func Parse(src string, ev EvalContext) (Node, error) { return Limits{}.Parse(src, ev) }

// Parse is the package-level Parse with these limits.
func (l Limits) Parse(src string, ev EvalContext) (Node, error) {
	// No dry run with placeholders: the names are resolved right away.
	t, err := l.parse(src)
	if err != nil {
		return nil, err
	}
	return t.Bind(ev)
}

// parse reads src into an unchecked template (syntax and limits only).
func (l Limits) parse(src string) (*Template, error) {
	l = l.withDefaults()
	if len(src) > l.MaxSource {
		return nil, invalid("longer than %d bytes", l.MaxSource)
	}
	if !utf8.ValidString(src) {
		return nil, invalid("not valid UTF-8")
	}
	p := &pyParser{src: src, lim: l}
	p.next()
	e, err := p.parseTop()
	if err != nil {
		return nil, err
	}
	return &Template{src: src, expr: e, lim: l, names: p.names}, nil
}

// Template is a parsed string domain whose names are not yet resolved:
// parse and check a rule once when it is loaded, bind it per user. A
// Template is immutable and safe for concurrent use.
type Template struct {
	src     string
	expr    expr
	lim     Limits
	literal Node // the domain, when the source names nothing
	names   []string
}

// ParseTemplate parses src without resolving names. Everything that does
// not depend on the names' values is checked now: syntax, the refused
// constructs, limits and, where the names only stand for values, the
// domain's structure and operators.
func ParseTemplate(src string) (*Template, error) { return Limits{}.ParseTemplate(src) }

// ParseTemplate is the package-level ParseTemplate with these limits.
func (l Limits) ParseTemplate(src string) (*Template, error) {
	t, err := l.parse(src)
	if err != nil {
		return nil, err
	}
	// Evaluate once with placeholders: a pure literal yields the domain
	// itself, built once; otherwise this still catches structural errors.
	v, err := t.eval(t.expr, nil)
	if err != nil {
		return nil, err
	}
	n, err := toNode(v, t.lim)
	if errors.Is(err, errUnresolved) {
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	if len(t.names) == 0 {
		t.literal = n
	}
	return t, nil
}

// String is the source text.
func (t *Template) String() string { return t.src }

// Names lists the free names the source uses, in order of appearance.
func (t *Template) Names() []string { return append([]string(nil), t.names...) }

// Literal returns the domain of a source that names nothing.
func (t *Template) Literal() (Node, bool) { return t.literal, t.literal != nil }

// Bind resolves the names through ev and builds the domain. ev may be nil
// when the template is a literal.
func (t *Template) Bind(ev EvalContext) (Node, error) {
	if t.literal != nil {
		return t.literal, nil
	}
	if ev == nil {
		ev = MapContext(nil)
	}
	v, err := t.eval(t.expr, ev)
	if err != nil {
		return nil, err
	}
	return toNode(v, t.lim)
}

func toNode(v any, l Limits) (Node, error) {
	st := &convState{lim: l}
	switch v := v.(type) {
	case []any:
		return st.list(v, 0)
	case pyTuple:
		return st.list(v, 0)
	case bool:
		return Bool(v), nil
	case nil:
		return True, nil
	case *placeholder:
		return nil, errUnresolved
	}
	return nil, invalid("a domain must be a list, not %s", short(v))
}
