package domain

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
)

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
