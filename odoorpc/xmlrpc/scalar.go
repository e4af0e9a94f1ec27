package xmlrpc

import (
	"encoding/xml"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The scalar parsers of the decoder, and the helpers that keep its error
// messages short.

// parseInt reads int, i4, i8 and the Apache integer types into int64.
func parseInt(s string) (any, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// Distinguish an integer too large for rampart from garbage.
	if _, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10); ok && len(s) < 1000 {
		return nil, &Error{Msg: "integer out of range"}
	}
	return nil, &Error{Msg: "bad integer value"}
}

// dateTimeLayouts are what clients send: Python's xmlrpc.client uses the
// first; other libraries use the extended ISO forms.
var dateTimeLayouts = []string{
	"20060102T15:04:05",
	"20060102T150405",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"20060102T15:04:05Z07:00",
}

func parseDateTime(s string) (any, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return nil, &Error{Msg: "bad dateTime.iso8601 value"}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

func describe(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		return "<" + clip(t.Name.Local) + ">"
	case xml.EndElement:
		return "</" + clip(t.Name.Local) + ">"
	}
	return "text"
}

// clip keeps error messages short: never echo much of a hostile input.
func clip(s string) string { return clipN(s, 40) }

func clipN(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:n], "?") + "…"
}
