package orm

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Dynamic defaults: DefaultFrom (user, company, now, today), Sequence
// and DefaultFunc, and Odoo's default_<field> context keys. Static
// defaults (Field.Default) are applied by prepare; these are computed per
// create, before validation, so that their values are checked like any.

// DefaultFunc computes a field's default for a create or default_get in
// e (the caller's Env).
type DefaultFunc func(e *Env) (any, error)

func checkDynamicDefault(f *Field) []error {
	var problems []error
	n := 0
	if f.Default != nil {
		n++
	}
	switch f.DefaultFrom {
	case "":
	case "user", "company":
		n++
		if f.Type != Many2one && f.Type != Integer {
			problems = append(problems, fmt.Errorf("default_from %q needs a many2one or integer field", f.DefaultFrom))
		}
	case "now", "today":
		n++
		if f.Type != Datetime && f.Type != Date {
			problems = append(problems, fmt.Errorf("default_from %q needs a date or datetime field", f.DefaultFrom))
		}
	default:
		problems = append(problems, fmt.Errorf("unknown default_from %q (want user, company, now or today)", f.DefaultFrom))
	}
	if f.Sequence != nil {
		n++
		if f.Type != Char {
			problems = append(problems, fmt.Errorf("a sequence default needs a char field"))
		}
		if !validSequenceCode(f.Sequence.Code) || f.Sequence.Padding < 0 || f.Sequence.Padding > 32 {
			problems = append(problems, fmt.Errorf("sequence: code must be a dotted lower-case name and padding 0 to 32"))
		}
	}
	if f.DefaultFunc != nil {
		n++
	}
	if n > 1 {
		problems = append(problems, fmt.Errorf("give one of default, default_from, sequence and a default function"))
	}
	if f.dynamic() && (f.Readonly || f.X2many()) {
		problems = append(problems, fmt.Errorf("dynamic defaults apply to writable scalar fields"))
	}
	return problems
}

func validSequenceCode(s string) bool { return s != "" && validModelName(s) }

// dynamic reports a dynamic default.
func (f *Field) dynamic() bool {
	return f.DefaultFrom != "" || f.Sequence != nil || f.DefaultFunc != nil
}

// contextDefault is the context's default_<name> for a field the caller
// may write (Odoo ignores the others): a stored or x2many field, not
// magic, not readonly, allowed by its groups.
func (m *Model) contextDefault(f *Field) (any, bool) {
	v, ok := m.env.Context["default_"+f.Name]
	if !ok || f.Magic || (f.Readonly && !m.env.su) || !m.fieldAllowed(m.meta, f) {
		return nil, false
	}
	return v, true
}

// dynamicDefault computes f's dynamic default; consume says a sequence
// may take its next number (create) or not (default_get: no value).
func (m *Model) dynamicDefault(tx *store.Tx, f *Field, consume bool) (any, bool, error) {
	switch {
	case f.DefaultFrom == "user":
		return m.env.UID(), m.env.UID() > 0, nil
	case f.DefaultFrom == "company":
		c := m.env.Company()
		return c, c > 0, nil
	case f.DefaultFrom == "now":
		return m.env.reg.now().Format("2006-01-02 15:04:05"), true, nil
	case f.DefaultFrom == "today":
		return m.env.reg.now().Format("2006-01-02"), true, nil
	case f.Sequence != nil:
		if !consume {
			return nil, false, nil
		}
		s, err := m.env.nextSequence(tx, f.Sequence)
		return s, err == nil, err
	case f.DefaultFunc != nil:
		v, err := f.DefaultFunc(m.env)
		if err != nil {
			return nil, false, err
		}
		return v, v != nil, nil
	}
	return nil, false, nil
}

// withDefaults returns vals with, for each field a record's values do not
// name, the context's default_<field> or the field's dynamic default.
// vals themselves are not changed.
func (m *Model) withDefaults(tx *store.Tx, vals []map[string]any, skip string) ([]map[string]any, error) {
	out := make([]map[string]any, len(vals))
	for i, v := range vals {
		var added map[string]any
		for _, f := range m.meta.list {
			if _, given := v[f.Name]; given || f.Name == skip {
				continue
			}
			val, ok := m.contextDefault(f)
			if !ok && f.dynamic() {
				var err error
				if val, ok, err = m.dynamicDefault(tx, f, true); err != nil {
					return nil, err
				}
			}
			if !ok {
				continue
			}
			if added == nil {
				added = make(map[string]any, len(v)+4)
				for k, x := range v {
					added[k] = x
				}
			}
			added[f.Name] = val
		}
		if added != nil {
			v = added
		}
		out[i] = v
	}
	return out, nil
}

// DefaultGet is Odoo's default_get(fields_list): for each named field the
// caller may see, the context's default_<field>, else the static or
// dynamic default (a sequence's number is taken at create only, so it has
// none here). Unknown names are skipped, as in Odoo.
func (m *Model) DefaultGet(fields []string) (map[string]any, error) {
	tx, err := m.start("default_get", OpRead, false)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, name := range fields {
		f, ok := m.meta.fields[name]
		if !ok || !m.fieldAllowed(m.meta, f) {
			continue
		}
		if v, ok := m.contextDefault(f); ok {
			out[name] = v
			continue
		}
		if f.Default != nil {
			v, _ := convertScalar(f, f.Default) // checked at registration
			out[name] = v
			continue
		}
		if f.dynamic() {
			v, ok, err := m.dynamicDefault(tx, f, false)
			if err != nil {
				return nil, err
			}
			if ok {
				out[name] = v
			}
		}
	}
	return out, nil
}

// errNoCompany is the error of a per-company sequence without a company.
func errNoCompany(code string) error {
	return errs.Ef(errs.UserError, "The sequence %s is per company and the request has no current company.", strings.ToValidUTF8(code, "?"))
}
