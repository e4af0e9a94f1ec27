// Package jsonx decodes JSON strictly: one value, no trailing data, no
// duplicate object keys, a bounded nesting depth, valid UTF-8 only. Numbers
// become int64 when they are integers that fit, float64 otherwise, so ids
// survive exactly and callers never see json.Number.
//
// encoding/json accepts duplicate keys (last wins) and silently replaces
// invalid UTF-8; both let two parsers disagree about what a request says,
// which is how smuggling and filter-bypass bugs start.
//
// The decoder is a hand-written recursive descent over the byte slice:
// encoding/json's token API (used before) allocated a token interface per
// value, a json.Number string per number and a growing slice per array,
// about sixty allocations for W1's small body. FuzzDecode holds it to
// encoding/json's grammar and values.
package jsonx

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// DefaultMaxDepth bounds nesting when Options.MaxDepth is zero.
const DefaultMaxDepth = 64

// Options tune Decode.
type Options struct {
	MaxDepth int
}

// SyntaxError describes why a body was refused. Its text is safe to show.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

// Decode parses data as exactly one JSON value.
func Decode(data []byte, opt Options) (any, error) {
	if !utf8.Valid(data) {
		return nil, &SyntaxError{"body is not valid UTF-8"}
	}
	maxDepth := opt.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	d := decoder{data: data, maxDepth: maxDepth}
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, &SyntaxError{"unexpected data after the JSON value"}
	}
	return v, nil
}

// decoder walks data. stack is scratch space shared by every array being
// built: elements are collected there and copied once into a slice of the
// exact length, instead of growing one slice per array.
type decoder struct {
	data     []byte
	pos      int
	maxDepth int
	stack    []any
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// errAt is a syntax error at the current offset, worded like
// encoding/json's.
func (d *decoder) errAt(context string) error {
	if d.pos >= len(d.data) {
		return &SyntaxError{"unexpected end of JSON input"}
	}
	return &SyntaxError{fmt.Sprintf("invalid JSON at offset %d: invalid character %s %s", d.pos+1, quoteChar(d.data[d.pos]), context)}
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// value parses one value starting at d.pos (whitespace already skipped).
func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.errAt("")
	}
	switch c := d.data[d.pos]; c {
	case '{':
		if depth >= d.maxDepth {
			return nil, &SyntaxError{fmt.Sprintf("JSON nested deeper than %d levels", d.maxDepth)}
		}
		return d.object(depth)
	case '[':
		if depth >= d.maxDepth {
			return nil, &SyntaxError{fmt.Sprintf("JSON nested deeper than %d levels", d.maxDepth)}
		}
		return d.array(depth)
	case '"':
		return d.str()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.errAt("looking for beginning of value")
	}
}

func (d *decoder) literal(word string, v any) (any, error) {
	for i := 0; i < len(word); i++ {
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		if d.data[d.pos] != word[i] {
			return nil, d.errAt("in literal " + word + " (expecting " + quoteChar(word[i]) + ")")
		}
		d.pos++
	}
	return v, nil
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // '{'
	m := make(map[string]any, 4)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		if d.data[d.pos] != '"' {
			return nil, d.errAt("looking for beginning of object key string")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		if d.data[d.pos] != ':' {
			return nil, d.errAt("after object key")
		}
		d.pos++
		d.skipSpace()
		if _, dup := m[k]; dup {
			return nil, &SyntaxError{fmt.Sprintf("duplicate key %q", truncate(k))}
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			return m, nil
		default:
			return nil, d.errAt("after object key:value pair")
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // '['
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	base := len(d.stack)
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			a := make([]any, len(d.stack)-base)
			copy(a, d.stack[base:])
			clear(d.stack[base:]) // drop references for the collector
			d.stack = d.stack[:base]
			return a, nil
		default:
			return nil, d.errAt("after array element")
		}
	}
}

// str parses a string at d.pos (on its opening quote). Escapes decode as
// encoding/json decodes them: a lone or broken UTF-16 surrogate becomes
// U+FFFD. The body was checked as valid UTF-8 as a whole.
func (d *decoder) str() (string, error) {
	d.pos++ // '"'
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := string(d.data[start:d.pos])
			d.pos++
			return s, nil
		case c == '\\':
			return d.strEscaped(start)
		case c < 0x20:
			return "", d.errAt("in string literal")
		}
		d.pos++
	}
	return "", d.errAt("")
}

// strEscaped finishes a string that has an escape at d.pos.
func (d *decoder) strEscaped(start int) (string, error) {
	b := make([]byte, 0, d.pos-start+16)
	b = append(b, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b), nil
		case c < 0x20:
			return "", d.errAt("in string literal")
		case c != '\\':
			b = append(b, c)
			d.pos++
			continue
		}
		d.pos++ // '\\'
		if d.pos >= len(d.data) {
			return "", d.errAt("")
		}
		switch e := d.data[d.pos]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			d.pos++
			r, err := d.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				// A valid pair is consumed whole; anything else leaves
				// the next escape alone and reads as U+FFFD.
				if r2, ok := d.peekHex4Escape(); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						d.pos += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue // hex4 left d.pos after the digits
		default:
			return "", d.errAt("in string escape code")
		}
		d.pos++
	}
	return "", d.errAt("")
}

// hex4 reads four hex digits at d.pos.
func (d *decoder) hex4() (rune, error) {
	var r rune
	for range 4 {
		if d.pos >= len(d.data) {
			return 0, d.errAt("")
		}
		h := unhex(d.data[d.pos])
		if h < 0 {
			return 0, d.errAt("in \\u hexadecimal character escape")
		}
		r = r<<4 | h
		d.pos++
	}
	return r, nil
}

// peekHex4Escape reads a following "\uXXXX" without consuming it.
func (d *decoder) peekHex4Escape() (rune, bool) {
	p := d.pos
	if p+6 > len(d.data) || d.data[p] != '\\' || d.data[p+1] != 'u' {
		return 0, false
	}
	var r rune
	for i := p + 2; i < p+6; i++ {
		h := unhex(d.data[i])
		if h < 0 {
			return 0, false
		}
		r = r<<4 | h
	}
	return r, true
}

func unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// number parses JSON's number grammar at d.pos: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos >= len(d.data) {
		return nil, d.errAt("")
	}
	switch c := d.data[d.pos]; {
	case c == '0':
		d.pos++
	case c >= '1' && c <= '9':
		for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
			d.pos++
		}
	default:
		return nil, d.errAt("in numeric literal")
	}
	integer := true
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		integer = false
		d.pos++
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		if !isDigit(d.data[d.pos]) {
			return nil, d.errAt("after decimal point in numeric literal")
		}
		for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
			d.pos++
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		integer = false
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return nil, d.errAt("")
		}
		if !isDigit(d.data[d.pos]) {
			return nil, d.errAt("in exponent of numeric literal")
		}
		for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
			d.pos++
		}
	}
	lit := d.data[start:d.pos]
	if integer && len(lit) <= 18 {
		// Fits in int64 whatever the digits: no string, no strconv.
		var n int64
		digits := lit
		if lit[0] == '-' {
			digits = lit[1:]
		}
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		if lit[0] == '-' {
			n = -n
		}
		return n, nil
	}
	return parseNumber(string(lit))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Number converts a JSON number to int64 when it is an integer that fits,
// else float64.
func Number(n json.Number) (any, error) { return parseNumber(string(n)) }

func parseNumber(s string) (any, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, &SyntaxError{"number out of range"}
	}
	return f, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
