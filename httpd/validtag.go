package httpd

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The validation tag language of Route.Params fields.
//
// A custom route declares its input as a Go struct rather than a JSON
// Schema: the struct is what the handler reads anyway, so the declaration
// cannot drift from the code, the compiler checks field use, and the rules
// are checked once at registration. The `validate` tag holds a
// comma-separated list of rules:
//
//	required         present, not null; a string or list must not be empty
//	min=N, max=N     numeric bounds (integers and floats)
//	minlen=N         at least N characters (strings) or items (lists)
//	maxlen=N         at most N characters (strings) or items (lists)
//	oneof=a|b|c      one of the listed values (strings and integers)
//	email            a bare address, user@host (no display name)
//
// Input names come from the `json` tag (or the Go field name); the same
// names are used for JSON bodies, JSON-RPC params and form fields.

// ruleKind is one rule of a validate tag.
type ruleKind uint8

const (
	ruleMin ruleKind = iota + 1
	ruleMax
	ruleMinLen
	ruleMaxLen
	ruleOneOf
	ruleEmail
)

var ruleNames = map[string]ruleKind{
	"min": ruleMin, "max": ruleMax, "minlen": ruleMinLen, "maxlen": ruleMaxLen,
	"oneof": ruleOneOf, "email": ruleEmail,
}

// rule is a parsed rule; num holds min/max, n the lengths, set the oneof values.
type rule struct {
	kind ruleKind
	num  float64
	n    int
	set  []string
}

// tagRules is a parsed validate tag.
type tagRules struct {
	required bool
	rules    []rule
}

// maxTagLen bounds a tag: tags are written by programmers, but the parser
// is fuzzed and must not be a way to burn memory.
const maxTagLen = 4096

// parseTag parses a validate tag. Every problem is an error: a typo in a
// rule must stop start-up, not silently validate nothing.
func parseTag(tag string) (tagRules, error) {
	var tr tagRules
	if tag == "" {
		return tr, nil
	}
	if len(tag) > maxTagLen {
		return tr, fmt.Errorf("validate tag longer than %d bytes", maxTagLen)
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(tag, ",") {
		name, val, hasVal := strings.Cut(strings.TrimSpace(item), "=")
		if name == "" {
			return tr, fmt.Errorf("empty rule in %q", tag)
		}
		if seen[name] {
			return tr, fmt.Errorf("rule %q given twice", name)
		}
		seen[name] = true
		if name == "required" {
			if hasVal {
				return tr, fmt.Errorf("rule required takes no value")
			}
			tr.required = true
			continue
		}
		kind, ok := ruleNames[name]
		if !ok {
			return tr, fmt.Errorf("unknown rule %q (want required, min, max, minlen, maxlen, oneof, email)", name)
		}
		r := rule{kind: kind}
		switch kind {
		case ruleEmail:
			if hasVal {
				return tr, fmt.Errorf("rule email takes no value")
			}
		case ruleMin, ruleMax:
			f, err := strconv.ParseFloat(val, 64)
			if !hasVal || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return tr, fmt.Errorf("rule %s needs a finite number, got %q", name, val)
			}
			r.num = f
		case ruleMinLen, ruleMaxLen:
			n, err := strconv.Atoi(val)
			if !hasVal || err != nil || n < 0 {
				return tr, fmt.Errorf("rule %s needs a non-negative integer, got %q", name, val)
			}
			r.n = n
		case ruleOneOf:
			if !hasVal || val == "" {
				return tr, fmt.Errorf("rule oneof needs values separated by |")
			}
			r.set = strings.Split(val, "|")
			for _, v := range r.set {
				if v == "" {
					return tr, fmt.Errorf("rule oneof has an empty value in %q", val)
				}
			}
		}
		tr.rules = append(tr.rules, r)
	}
	if lo, hi, ok := tr.bounds(ruleMin, ruleMax); ok && lo.num > hi.num {
		return tr, fmt.Errorf("min %v is greater than max %v", lo.num, hi.num)
	}
	if lo, hi, ok := tr.bounds(ruleMinLen, ruleMaxLen); ok && lo.n > hi.n {
		return tr, fmt.Errorf("minlen %d is greater than maxlen %d", lo.n, hi.n)
	}
	return tr, nil
}

func (tr tagRules) bounds(lo, hi ruleKind) (rule, rule, bool) {
	var l, h rule
	for _, r := range tr.rules {
		switch r.kind {
		case lo:
			l = r
		case hi:
			h = r
		}
	}
	return l, h, l.kind != 0 && h.kind != 0
}
