package orm

import (
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Order-by limits: an order string is user input.
const (
	maxOrderLen   = 512
	maxOrderTerms = 16
)

// orderTerm is one parsed "field [asc|desc] [nulls first|last]".
type orderTerm struct {
	field *Field
	desc  bool
	nulls string // "", "first" or "last"
}

// parseOrder parses an order-by string against the model's declared
// fields. Only stored, non-x2many fields may be named (display_name means
// the rec_name field); anything else — SQL fragments, functions, unknown
// or hidden fields — is a ValidationError. Many2one fields sort by the
// target's id, not by the comodel's own order as Odoo does: that would
// need a join per term and reveal the order of records the caller may not
// read.
func parseOrder(m *Meta, s string) ([]orderTerm, error) {
	if len(s) > maxOrderLen {
		return nil, errs.Validation("Invalid order: too long")
	}
	var terms []orderTerm
	for _, part := range strings.Split(s, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			if strings.TrimSpace(s) == "" {
				return nil, nil
			}
			return nil, errs.Validation("Invalid order: empty term")
		}
		name := words[0]
		if name == "display_name" && m.RecName != "" {
			name = m.RecName
		}
		f, ok := m.fields[name]
		if !ok || !f.Stored() {
			return nil, errs.Validation("Invalid order: unknown or unsortable field", errs.FieldError{Field: safeName(words[0]), Message: "not a sortable field of " + m.Name})
		}
		t := orderTerm{field: f}
		rest := words[1:]
		if len(rest) > 0 {
			switch strings.ToLower(rest[0]) {
			case "asc":
				rest = rest[1:]
			case "desc":
				t.desc = true
				rest = rest[1:]
			}
		}
		if len(rest) == 2 && strings.EqualFold(rest[0], "nulls") {
			switch strings.ToLower(rest[1]) {
			case "first", "last":
				t.nulls = strings.ToLower(rest[1])
				rest = nil
			}
		}
		if len(rest) != 0 {
			return nil, errs.Validation("Invalid order: expected \"field [asc|desc] [nulls first|last]\"", errs.FieldError{Field: f.Name, Message: "unexpected words after the field"})
		}
		terms = append(terms, t)
		if len(terms) > maxOrderTerms {
			return nil, errs.Validation("Invalid order: too many terms")
		}
	}
	return terms, nil
}

// safeName keeps an echoed field name harmless and short.
func safeName(s string) string {
	if validIdent(s) {
		return s
	}
	return "(invalid name)"
}

// orderSQL renders terms for table alias a, ending with id so that pages
// are stable. NULL placement is made explicit so both databases agree
// (PostgreSQL's defaults: last when ascending, first when descending).
func orderSQL(d store.Dialect, alias string, terms []orderTerm) string {
	var b strings.Builder
	hasID := false
	for i, t := range terms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + "." + d.QuoteIdent(t.field.Column))
		nulls := t.nulls
		if t.desc {
			b.WriteString(" DESC")
			if nulls == "" {
				nulls = "first"
			}
		} else if nulls == "" {
			nulls = "last"
		}
		if t.field.Name != "id" {
			b.WriteString(" NULLS " + strings.ToUpper(nulls))
		} else {
			hasID = true
		}
	}
	if !hasID {
		if len(terms) > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + "." + d.QuoteIdent("id"))
	}
	return b.String()
}

// errMessage is the client-safe text of err.
func errMessage(err error) string { return errs.As(err).Message() }
