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

// orderTerm is one parsed "field [asc|desc] [nulls first|last]". path,
// when set, is the chain of many2one fields a request's "partner_id.name"
// or "partner_id" (the comodel's own order) goes through; field is then
// the comodel's.
type orderTerm struct {
	path  []*Field
	field *Field
	desc  bool
	nulls string // "", "first" or "last"
}

// maxOrderDepth bounds many2one paths in an order ("a_id.b_id.name").
const maxOrderDepth = 3

// parseRequestOrder parses a caller's order string: as parseOrder, plus
// Odoo's many2one forms, "partner_id.name" (a field of the comodel,
// through many2one fields) and a bare many2one, which sorts by the
// comodel's own order. lookup finds comodels.
func parseRequestOrder(m *Meta, s string, lookup func(string) *Meta) ([]orderTerm, error) {
	if len(s) > maxOrderLen {
		return nil, errs.Validation("Invalid order: too long")
	}
	var out []orderTerm
	for _, part := range strings.Split(s, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || (!strings.Contains(words[0], ".") && !isMany2one(m, words[0])) {
			terms, err := parseOrder(m, part)
			if err != nil || (len(terms) == 0 && strings.TrimSpace(s) != "") {
				if err == nil {
					err = errs.Validation("Invalid order: empty term")
				}
				return nil, err
			}
			out = append(out, terms...)
			continue
		}
		names := strings.Split(words[0], ".")
		if len(names) > maxOrderDepth+1 {
			return nil, errs.Validation("Invalid order: path too long", errs.FieldError{Field: safeName(names[0]), Message: "at most 3 many2one steps"})
		}
		cur := m
		var path []*Field
		for _, n := range names[:len(names)-1] {
			f, ok := cur.fields[n]
			if !ok || f.Type != Many2one || lookup(f.Comodel) == nil {
				return nil, errs.Validation("Invalid order: not a many2one path", errs.FieldError{Field: safeName(n), Message: "not a many2one field of " + cur.Name})
			}
			path = append(path, f)
			cur = lookup(f.Comodel)
		}
		last := names[len(names)-1]
		rest := strings.Join(words[1:], " ")
		var terms []orderTerm
		var err error
		if f, ok := cur.fields[last]; ok && f.Type == Many2one && lookup(f.Comodel) != nil && len(path) < maxOrderDepth {
			// A bare many2one: the comodel's order, in the direction
			// asked (Odoo reverses each term for desc).
			path = append(path, f)
			co := lookup(f.Comodel)
			terms, err = parseOrder(co, "id "+rest) // validates the direction words
			if err == nil {
				terms = append([]orderTerm(nil), co.order...)
				desc := strings.Contains(strings.ToLower(rest), "desc")
				for i := range terms {
					terms[i].desc = terms[i].desc != desc
				}
			}
		} else {
			terms, err = parseOrder(cur, last+" "+rest)
		}
		if err != nil {
			return nil, err
		}
		for _, t := range terms {
			t.path = path
			out = append(out, t)
		}
		if len(out) > maxOrderTerms {
			return nil, errs.Validation("Invalid order: too many terms")
		}
	}
	return out, nil
}

func isMany2one(m *Meta, name string) bool {
	f, ok := m.fields[name]
	return ok && f.Type == Many2one
}

// termSQL is the value a term sorts by: the column on alias, or through
// its many2one path a scalar sub-query per step.
func termSQL(d store.Dialect, alias string, t orderTerm) string {
	if len(t.path) == 0 {
		return alias + "." + d.QuoteIdent(t.field.Column)
	}
	expr := ""
	for i := len(t.path) - 1; i >= 0; i-- {
		a := "o" + string(rune('1'+i))
		if expr == "" {
			expr = a + "." + d.QuoteIdent(t.field.Column)
		}
		from := alias
		if i > 0 {
			from = "o" + string(rune('1'+i-1))
		}
		expr = "(SELECT " + expr + " FROM " + d.QuoteIdent(strings.ReplaceAll(t.path[i].Comodel, ".", "_")) + " " + a +
			" WHERE " + a + ".id = " + from + "." + d.QuoteIdent(t.path[i].Column) + ")"
	}
	return expr
}

// parseOrder parses an order-by string against the model's declared
// fields. Only stored, non-x2many fields may be named (display_name means
// the rec_name field); anything else — SQL fragments, functions, unknown
// or hidden fields — is a ValidationError. Here (a model's declared
// order) many2one fields sort by the target's id; a request's order
// (parseRequestOrder) follows the comodel's order as Odoo does, after the
// comodel's read ACL and field groups are checked. Like Odoo's join, it
// does not apply the comodel's record rules: a caller learns the relative
// order of linked records, never their values.
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
		b.WriteString(termSQL(d, alias, t))
		nulls := t.nulls
		if t.desc {
			b.WriteString(" DESC")
			if nulls == "" {
				nulls = "first"
			}
		} else if nulls == "" {
			nulls = "last"
		}
		if t.field.Name != "id" || len(t.path) > 0 {
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
