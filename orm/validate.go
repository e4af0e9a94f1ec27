package orm

import (
	"sort"
	"strconv"

	"github.com/rampart/rampart/errs"
)

// prepared is a create or write's values, validated and converted.
type prepared struct {
	cols   []*Field // stored fields to set, in declaration order
	vals   []any    // their SQL parameters
	x2m    []x2mWrite
	fields []string // every field name set, sorted (for the audit trail)
}

// x2mWrite is one x2many field's commands.
type x2mWrite struct {
	field *Field
	cmds  []command
}

// prepare validates vals against the declarations: unknown fields, magic
// and readonly fields (readonly ones are settable under sudo, by server
// code), types, sizes, selection keys, ranges, and on create the required
// fields after defaults. Every problem is collected, each naming its field
// (prefixed by prefix for nested x2many values); skip names a field the
// caller sets itself (a one2many's inverse).
func (m *Model) prepare(vals map[string]any, create bool, prefix, skip string) (prepared, []errs.FieldError) {
	var p prepared
	var problems []errs.FieldError
	bad := func(name, msg string) {
		problems = append(problems, errs.FieldError{Field: prefix + name, Message: msg})
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := map[string]any{}
	for _, k := range keys {
		f, ok := m.meta.fields[k]
		switch {
		case !ok:
			bad(safeName(k), "unknown field of "+m.meta.Name)
			continue
		case f.Magic:
			bad(k, "is set by the system and cannot be written")
			continue
		case f.Maintained:
			bad(k, "is computed by the database and cannot be written")
			continue
		case f.Readonly && !m.env.su:
			bad(k, "is read-only")
			continue
		}
		if f.X2many() {
			cmds, err := parseCommands(f, vals[k])
			if err != nil {
				bad(k, err.Error())
				continue
			}
			problems = append(problems, m.prepareCommands(f, cmds, prefix)...)
			p.x2m = append(p.x2m, x2mWrite{field: f, cmds: cmds})
			p.fields = append(p.fields, k)
			continue
		}
		v, err := convertScalar(f, vals[k])
		if err != nil {
			bad(k, err.Error())
			continue
		}
		if v == nil && f.Required && k != skip {
			bad(k, "is required")
			continue
		}
		set[k] = v
		p.fields = append(p.fields, k)
	}
	if create {
		for _, f := range m.meta.list {
			if _, given := vals[f.Name]; given || f.Magic || !f.Stored() || f.Name == skip {
				continue
			}
			if f.Default != nil {
				v, _ := convertScalar(f, f.Default) // checked at registration
				set[f.Name] = v
				continue
			}
			if f.Required {
				bad(f.Name, "is required")
			}
		}
	}
	for _, f := range m.meta.list {
		if v, ok := set[f.Name]; ok {
			p.cols = append(p.cols, f)
			p.vals = append(p.vals, v)
		}
	}
	return p, problems
}

// prepareCommands validates the values nested in create and update
// commands against the comodel, so that a bad line refuses the whole
// write before anything is stored.
func (m *Model) prepareCommands(f *Field, cmds []command, prefix string) []errs.FieldError {
	co := &Model{env: m.env, meta: m.env.reg.models[f.Comodel]}
	var problems []errs.FieldError
	for i, c := range cmds {
		if c.op != cmdCreate && c.op != cmdUpdate {
			continue
		}
		skip := ""
		if f.Type == One2many {
			skip = f.Inverse
		}
		sub := prefix + f.Name + "[" + strconv.Itoa(i) + "]."
		_, ps := co.prepare(c.vals, c.op == cmdCreate, sub, skip)
		problems = append(problems, ps...)
	}
	return problems
}

// validationError wraps field problems into the one error callers get.
func validationError(model string, problems []errs.FieldError) error {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
	return errs.Validation("Invalid values for "+model, problems...)
}
