package orm

import (
	"errors"
	"fmt"
	"maps"
)

// Extend is Odoo's _inherit by name: each def names a registered model
// (built-in ones included) and declares fields to add to it. The batch is
// checked as a whole and applied only if every extension is valid; the
// schema sync then adds the columns. External models (res.users, owned by
// package identity) cannot be extended.
func (r *Registry) Extend(defs ...ModelDef) error {
	var problems []error
	next := map[string]*Meta{}
	for _, d := range defs {
		bad := func(format string, a ...any) {
			problems = append(problems, fmt.Errorf("%s: inherit %q: %s", d.Source, d.Name, fmt.Sprintf(format, a...)))
		}
		cur := next[d.Name]
		if cur == nil {
			cur = r.models[d.Name]
		}
		if cur == nil {
			bad("no such model (declare it, or load the app that does, first)")
			continue
		}
		if cur.External {
			bad("the model is managed by its own service and cannot be extended")
			continue
		}
		m := *cur // a copy: the registered Meta stays as it is until the batch is valid
		m.fields = maps.Clone(cur.fields)
		m.list = append([]*Field(nil), cur.list...)
		for i := range d.Fields {
			f := d.Fields[i]
			switch {
			case !validIdent(f.Name):
				bad("field %q: invalid name (want lower-case letters, digits, _)", f.Name)
				continue
			case isMagic(f.Name):
				bad("field %q: reserved name (every model has it)", f.Name)
				continue
			case m.fields[f.Name] != nil:
				bad("field %q: the model already has it", f.Name)
				continue
			}
			for _, e := range checkField(&f) {
				bad("field %q: %v", f.Name, e)
			}
			f.Model = m.Name
			m.fields[f.Name] = &f
			m.list = append(m.list, &f)
		}
		next[d.Name] = &m
	}
	lookup := func(name string) *Meta {
		if m := next[name]; m != nil {
			return m
		}
		return r.models[name]
	}
	for _, m := range next {
		for _, e := range linkMeta(m, lookup) {
			problems = append(problems, fmt.Errorf("%s: inherit %q: %w", m.Source, m.Name, e))
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	for name, m := range next {
		r.models[name] = m
	}
	r.compiler.Reset()
	return nil
}
