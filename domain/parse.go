package domain

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/errs"
)

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
