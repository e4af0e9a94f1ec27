// Package jsonx decodes JSON strictly: one value, no trailing data, no
// duplicate object keys, a bounded nesting depth, valid UTF-8 only. Numbers
// become int64 when they are integers that fit, float64 otherwise, so ids
// survive exactly and callers never see json.Number.
//
// encoding/json accepts duplicate keys (last wins) and silently replaces
// invalid UTF-8; both let two parsers disagree about what a request says,
// which is how smuggling and filter-bypass bugs start.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
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
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := value(d, 0, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &SyntaxError{"unexpected data after the JSON value"}
	}
	return v, nil
}

func value(d *json.Decoder, depth, maxDepth int) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, syntax(err)
	}
	switch t := t.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, &SyntaxError{fmt.Sprintf("JSON nested deeper than %d levels", maxDepth)}
		}
		switch t {
		case '{':
			m := map[string]any{}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, syntax(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &SyntaxError{"object key is not a string"}
				}
				if _, dup := m[k]; dup {
					return nil, &SyntaxError{fmt.Sprintf("duplicate key %q", truncate(k))}
				}
				v, err := value(d, depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := d.Token(); err != nil {
				return nil, syntax(err)
			}
			return m, nil
		case '[':
			a := []any{}
			for d.More() {
				v, err := value(d, depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, syntax(err)
			}
			return a, nil
		}
		return nil, &SyntaxError{"unexpected " + t.String()}
	case json.Number:
		return Number(t)
	default: // string, bool, nil
		return t, nil
	}
}

// Number converts a JSON number to int64 when it is an integer that fits,
// else float64.
func Number(n json.Number) (any, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, &SyntaxError{"number out of range"}
	}
	return f, nil
}

func syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &SyntaxError{fmt.Sprintf("invalid JSON at offset %d: %s", se.Offset, se.Error())}
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		return &SyntaxError{"unexpected end of JSON input"}
	}
	return &SyntaxError{"invalid JSON"}
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
