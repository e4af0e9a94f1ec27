package domain

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
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

// pyTuple is a Python tuple: a sequence like a list, kept distinct so that
// '+' refuses to mix them as Python does.
type pyTuple []any

// placeholder stands for the value of an unresolved name while a template
// is checked.
type placeholder struct{}

// Expression tree of the accepted Python subset.
type expr interface{ pos() int }

type (
	litExpr struct {
		p int
		v any
	}
	seqExpr struct {
		p     int
		items []expr
		tuple bool
	}
	nameExpr struct {
		p    int
		name string
	}
	attrExpr struct {
		p    int
		x    expr
		name string
	}
	addExpr struct {
		p    int
		op   byte
		l, r expr
	}
	negExpr struct {
		p  int
		op byte
		x  expr
	}
)

func (e *litExpr) pos() int  { return e.p }
func (e *seqExpr) pos() int  { return e.p }
func (e *nameExpr) pos() int { return e.p }
func (e *attrExpr) pos() int { return e.p }
func (e *addExpr) pos() int  { return e.p }
func (e *negExpr) pos() int  { return e.p }

// where renders a byte offset as "line L, column C" for error messages.
func where(src string, off int) string {
	off = min(max(off, 0), len(src))
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

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

// Tokens of the accepted subset.
type tokKind uint8

const (
	tEOF tokKind = iota
	tName
	tInt
	tFloat
	tString
	tPunct
)

type token struct {
	kind tokKind
	pos  int
	text string // name, punctuation
	str  string // decoded string literal
	i    int64
	f    float64
	err  *errs.Error
}

type pyParser struct {
	src   string
	off   int
	tok   token
	lim   Limits
	depth int
	names []string
}

func (p *pyParser) errAt(off int, format string, args ...any) *errs.Error {
	return invalid(fmt.Sprintf(format, args...) + " at " + where(p.src, off))
}

// keywords are Python reserved words: none is part of the accepted subset
// except the three constants.
var keywords = map[string]bool{
	"and": true, "as": true, "assert": true, "async": true, "await": true, "break": true,
	"class": true, "continue": true, "def": true, "del": true, "elif": true, "else": true,
	"except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true,
	"or": true, "pass": true, "raise": true, "return": true, "try": true, "while": true,
	"with": true, "yield": true,
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// next scans the next token into p.tok.
func (p *pyParser) next() {
	s := p.src
	for p.off < len(s) {
		c := s[p.off]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			p.off++
			continue
		}
		if c == '\\' && p.off+1 < len(s) && s[p.off+1] == '\n' {
			p.off += 2 // explicit line continuation
			continue
		}
		if c == '#' {
			for p.off < len(s) && s[p.off] != '\n' {
				p.off++
			}
			continue
		}
		break
	}
	start := p.off
	if p.off >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := s[p.off]
	switch {
	case c == '\'' || c == '"':
		p.tok = p.scanString(start, start)
	case isIdentStart(c):
		for p.off < len(s) && isIdent(s[p.off]) {
			p.off++
		}
		name := s[start:p.off]
		// String prefixes: u'' and r'' are plain strings in Python 3;
		// b'' and f'' are not part of the subset.
		if p.off < len(s) && (s[p.off] == '\'' || s[p.off] == '"') {
			switch strings.ToLower(name) {
			case "u":
				p.tok = p.scanString(start, p.off)
				return
			case "r":
				p.tok = p.scanRaw(start, p.off)
				return
			}
			p.tok = token{kind: tPunct, pos: start, err: p.errAt(start, "string prefix %q is not allowed", name)}
			return
		}
		p.tok = token{kind: tName, pos: start, text: name}
	case '0' <= c && c <= '9' || c == '.' && p.off+1 < len(s) && '0' <= s[p.off+1] && s[p.off+1] <= '9':
		p.tok = p.scanNumber(start)
	case c >= utf8.RuneSelf:
		r, _ := utf8.DecodeRuneInString(s[p.off:])
		p.tok = token{kind: tPunct, pos: start, err: p.errAt(start, "unexpected character %q", r)}
	default:
		// Two-character operators first, so errors name them whole.
		if p.off+1 < len(s) {
			switch op := s[p.off : p.off+2]; op {
			case "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "->", ":=":
				p.off += 2
				p.tok = token{kind: tPunct, pos: start, text: op}
				return
			}
		}
		p.off++
		p.tok = token{kind: tPunct, pos: start, text: s[start:p.off]}
	}
}

func (p *pyParser) scanNumber(start int) token {
	s := p.src
	isFloat := false
	if s[p.off] == '0' && p.off+1 < len(s) && strings.ContainsRune("xXoObB", rune(s[p.off+1])) {
		p.off += 2
		for p.off < len(s) && (isIdent(s[p.off])) {
			p.off++
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(s[start:p.off], "_", ""), 0, 64)
		if err != nil {
			return token{kind: tInt, pos: start, err: p.errAt(start, "invalid or out-of-range integer %s", short(s[start:p.off]))}
		}
		return token{kind: tInt, pos: start, i: i}
	}
	digits := func() {
		for p.off < len(s) && ('0' <= s[p.off] && s[p.off] <= '9' || s[p.off] == '_') {
			p.off++
		}
	}
	digits()
	if p.off < len(s) && s[p.off] == '.' {
		isFloat = true
		p.off++
		digits()
	}
	if p.off < len(s) && (s[p.off] == 'e' || s[p.off] == 'E') {
		isFloat = true
		p.off++
		if p.off < len(s) && (s[p.off] == '+' || s[p.off] == '-') {
			p.off++
		}
		digits()
	}
	if p.off < len(s) && isIdent(s[p.off]) {
		// 1j, 1L, 12abc: not a number of the subset.
		for p.off < len(s) && isIdent(s[p.off]) {
			p.off++
		}
		return token{kind: tInt, pos: start, err: p.errAt(start, "invalid number %s", short(s[start:p.off]))}
	}
	text := strings.ReplaceAll(s[start:p.off], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			return token{kind: tFloat, pos: start, err: p.errAt(start, "invalid or out-of-range number %s", short(text))}
		}
		return token{kind: tFloat, pos: start, f: f}
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return token{kind: tInt, pos: start, err: p.errAt(start, "leading zeros in an integer are not allowed")}
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{kind: tInt, pos: start, err: p.errAt(start, "integer out of range")}
	}
	return token{kind: tInt, pos: start, i: i}
}

// tripleAt reports three quote characters at i.
func tripleAt(s string, i int, quote byte) bool {
	return i+2 < len(s) && s[i] == quote && s[i+1] == quote && s[i+2] == quote
}

// scanString scans a quoted string (one or three quotes) with Python's
// escapes, the opening quote at q. A string without escapes is a slice of
// the source.
func (p *pyParser) scanString(start, q int) token {
	s := p.src
	quote := s[q]
	triple := tripleAt(s, q, quote)
	p.off = q + 1
	if triple {
		p.off = q + 3
	}
	from := p.off
	var b strings.Builder
	escaped := false
	for {
		if p.off >= len(s) {
			return token{kind: tString, pos: start, err: p.errAt(start, "unterminated string")}
		}
		c := s[p.off]
		switch {
		case c == quote && (!triple || tripleAt(s, p.off, quote)):
			str := s[from:p.off]
			if escaped {
				str = b.String()
			}
			if triple {
				p.off += 3
			} else {
				p.off++
			}
			return token{kind: tString, pos: start, str: str}
		case c == '\n' && !triple:
			return token{kind: tString, pos: start, err: p.errAt(start, "unterminated string")}
		case c == '\\':
			if !escaped {
				escaped = true
				b.WriteString(s[from:p.off])
			}
			if err := p.escape(&b); err != nil {
				return token{kind: tString, pos: start, err: err}
			}
		default:
			if escaped {
				b.WriteByte(c)
			}
			p.off++
		}
	}
}

// escape decodes one backslash escape at p.off.
func (p *pyParser) escape(b *strings.Builder) *errs.Error {
	s := p.src
	at := p.off
	if p.off+1 >= len(s) {
		return p.errAt(at, "unterminated string")
	}
	c := s[p.off+1]
	p.off += 2
	octal := p.off < len(s) && '0' <= s[p.off] && s[p.off] <= '7'
	if r, ok := simpleEscape(c); ok && !(c == '0' && octal) {
		b.WriteString(r)
		return nil
	}
	hexN := 0
	switch c {
	case 'x':
		hexN = 2
	case 'u':
		hexN = 4
	case 'U':
		hexN = 8
	case '0', '1', '2', '3', '4', '5', '6', '7', 'N':
		// Octal and named escapes would mean something else than the
		// verbatim text: refuse rather than differ from Python.
		return p.errAt(at, "escape \\%c is not allowed", c)
	default:
		// Python keeps unknown escapes verbatim, backslash included.
		b.WriteByte('\\')
		b.WriteByte(c)
		return nil
	}
	if p.off+hexN > len(s) {
		return p.errAt(at, "truncated \\%c escape", c)
	}
	v, err := strconv.ParseUint(s[p.off:p.off+hexN], 16, 32)
	if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return p.errAt(at, "invalid \\%c escape", c)
	}
	p.off += hexN
	b.WriteRune(rune(v))
	return nil
}

// simpleEscape decodes the one-character escapes.
func simpleEscape(c byte) (string, bool) {
	switch c {
	case '\\', '\'', '"':
		return string(c), true
	case 'n':
		return "\n", true
	case 't':
		return "\t", true
	case 'r':
		return "\r", true
	case 'a':
		return "\a", true
	case 'b':
		return "\b", true
	case 'f':
		return "\f", true
	case 'v':
		return "\v", true
	case '0':
		return "\x00", true
	case '\n':
		return "", true // line continuation inside a string
	}
	return "", false
}

// scanRaw scans an r” string: backslashes are kept, and only protect a
// following quote from ending the string.
func (p *pyParser) scanRaw(start, q int) token {
	s := p.src
	quote := s[q]
	triple := tripleAt(s, q, quote)
	p.off = q + 1
	if triple {
		p.off = q + 3
	}
	from := p.off
	for p.off < len(s) {
		c := s[p.off]
		switch {
		case c == '\\' && p.off+1 < len(s):
			p.off += 2
		case c == quote && (!triple || tripleAt(s, p.off, quote)):
			str := s[from:p.off]
			if triple {
				p.off += 3
			} else {
				p.off++
			}
			return token{kind: tString, pos: start, str: str}
		case c == '\n' && !triple:
			return token{kind: tString, pos: start, err: p.errAt(start, "unterminated string")}
		default:
			p.off++
		}
	}
	return token{kind: tString, pos: start, err: p.errAt(start, "unterminated string")}
}

func (p *pyParser) parseTop() (expr, error) {
	if p.tok.kind == tEOF {
		return nil, p.errAt(0, "empty domain")
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tPunct && p.tok.text == "," && p.tok.err == nil {
		// A bare top-level tuple "a, b" is a tuple in Python.
		items := []expr{e}
		for p.tok.kind == tPunct && p.tok.text == "," {
			p.next()
			if p.tok.kind == tEOF {
				break
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			items = append(items, x)
		}
		e = &seqExpr{p: 0, items: items, tuple: true}
	}
	if p.tok.err != nil {
		return nil, p.tok.err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected()
	}
	return e, nil
}

// unexpected explains why the current token cannot continue the
// expression, naming the refused construct where there is one.
func (p *pyParser) unexpected() *errs.Error {
	t := p.tok
	if t.err != nil {
		return t.err
	}
	switch t.kind {
	case tEOF:
		return p.errAt(t.pos, "unexpected end of domain")
	case tName:
		switch t.text {
		case "for":
			return p.errAt(t.pos, "comprehensions are not allowed")
		case "if", "else":
			return p.errAt(t.pos, "conditional expressions are not allowed")
		case "and", "or", "not", "in", "is":
			return p.errAt(t.pos, "operator %q is not allowed", t.text)
		}
		return p.errAt(t.pos, "unexpected name %q", t.text)
	case tPunct:
		switch t.text {
		case "(":
			return p.errAt(t.pos, "function calls are not allowed")
		case "[":
			return p.errAt(t.pos, "subscripts are not allowed")
		case "{", "}":
			return p.errAt(t.pos, "dicts and sets are not allowed")
		case ")", "]":
			return p.errAt(t.pos, "unbalanced %q", t.text)
		case ":":
			return p.errAt(t.pos, "slices and dicts are not allowed")
		case "*", "/", "%", "**", "//", "@", "&", "|", "^", "~", "<<", ">>":
			return p.errAt(t.pos, "operator %q is not allowed (only + and - are)", t.text)
		case "==", "!=", "<", ">", "<=", ">=":
			return p.errAt(t.pos, "comparisons are not allowed")
		case "=", ":=":
			return p.errAt(t.pos, "assignments are not allowed")
		}
		return p.errAt(t.pos, "unexpected %q", t.text)
	}
	return p.errAt(t.pos, "unexpected token")
}

func (p *pyParser) isPunct(s string) bool {
	return p.tok.kind == tPunct && p.tok.err == nil && p.tok.text == s
}

// parseExpr: unary (('+'|'-') unary)*
func (p *pyParser) parseExpr() (expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for n := 0; p.isPunct("+") || p.isPunct("-"); n++ {
		at, op := p.tok.pos, p.tok.text[0]
		if n >= p.lim.MaxLeaves {
			// The chain is evaluated recursively: keep it bounded.
			return nil, p.errAt(at, "more than %d operands of + and -", p.lim.MaxLeaves)
		}
		p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &addExpr{p: at, op: op, l: l, r: r}
	}
	return l, nil
}

func (p *pyParser) enter(at int) error {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		return p.errAt(at, "nested deeper than %d levels", p.lim.MaxDepth)
	}
	return nil
}

func (p *pyParser) parseUnary() (expr, error) {
	if p.isPunct("-") || p.isPunct("+") {
		at, op := p.tok.pos, p.tok.text[0]
		if err := p.enter(at); err != nil {
			return nil, err
		}
		p.next()
		x, err := p.parseUnary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &negExpr{p: at, op: op, x: x}, nil
	}
	return p.parsePostfix()
}

func (p *pyParser) parsePostfix() (expr, error) {
	x, err := p.parseAtom()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			if p.tok.kind != tName || p.tok.err != nil {
				return nil, p.errAt(p.tok.pos, "expected an attribute name after '.'")
			}
			name, at := p.tok.text, p.tok.pos
			if strings.HasPrefix(name, "_") {
				return nil, p.errAt(at, "private attribute %q is not allowed", name)
			}
			if keywords[name] {
				return nil, p.errAt(at, "invalid attribute name %q", name)
			}
			if _, ok := x.(*nameExpr); !ok {
				if _, ok := x.(*attrExpr); !ok {
					return nil, p.errAt(at, "attributes can only be read from names")
				}
			}
			x = &attrExpr{p: at, x: x, name: name}
			p.next()
		case p.isPunct("("):
			return nil, p.errAt(p.tok.pos, "function calls are not allowed")
		case p.isPunct("["):
			return nil, p.errAt(p.tok.pos, "subscripts are not allowed")
		default:
			return x, nil
		}
	}
}

func (p *pyParser) parseAtom() (expr, error) {
	t := p.tok
	if t.err != nil {
		return nil, t.err
	}
	switch t.kind {
	case tInt:
		p.next()
		return &litExpr{p: t.pos, v: t.i}, nil
	case tFloat:
		p.next()
		return &litExpr{p: t.pos, v: t.f}, nil
	case tString:
		s := t.str
		p.next()
		// Adjacent literals concatenate, as in Python.
		for p.tok.kind == tString {
			if p.tok.err != nil {
				return nil, p.tok.err
			}
			s += p.tok.str
			p.next()
		}
		return &litExpr{p: t.pos, v: s}, nil
	case tName:
		switch t.text {
		case "True":
			p.next()
			return &litExpr{p: t.pos, v: true}, nil
		case "False":
			p.next()
			return &litExpr{p: t.pos, v: false}, nil
		case "None":
			p.next()
			return &litExpr{p: t.pos, v: nil}, nil
		case "lambda":
			return nil, p.errAt(t.pos, "lambda is not allowed")
		}
		if keywords[t.text] {
			return nil, p.unexpected()
		}
		if strings.HasPrefix(t.text, "__") {
			return nil, p.errAt(t.pos, "name %q is not allowed", t.text)
		}
		p.names = appendUnique(p.names, t.text)
		p.next()
		return &nameExpr{p: t.pos, name: t.text}, nil
	case tPunct:
		switch t.text {
		case "[":
			return p.parseSeq("]", false)
		case "(":
			return p.parseSeq(")", true)
		}
	}
	return nil, p.unexpected()
}

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}

// parseSeq parses a list or a parenthesised tuple/expression after its
// opening bracket, trailing comma allowed.
func (p *pyParser) parseSeq(closing string, paren bool) (expr, error) {
	at := p.tok.pos
	if err := p.enter(at); err != nil {
		return nil, err
	}
	p.next()
	var items []expr
	sawComma := false
	for !p.isPunct(closing) {
		if p.tok.kind == tEOF {
			return nil, p.errAt(at, "unbalanced %q", p.src[at:at+1])
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		if p.isPunct(",") {
			sawComma = true
			p.next()
			continue
		}
		if !p.isPunct(closing) {
			if p.tok.kind == tEOF {
				return nil, p.errAt(at, "unbalanced %q", p.src[at:at+1])
			}
			return nil, p.unexpected()
		}
	}
	p.next()
	p.depth--
	if paren && len(items) == 1 && !sawComma {
		return items[0], nil // (x) is x
	}
	return &seqExpr{p: at, items: items, tuple: paren}, nil
}
