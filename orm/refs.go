package orm

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// checkRefs verifies that every many2one value names an existing record,
// so the caller gets an error naming the field rather than the database's
// generic foreign-key refusal — and so that references into tables without
// a foreign key (res.users, owned by package identity) cannot dangle. It
// does not check that the caller may read the target: like Odoo, linking
// by id needs only the right to write the linking record.
func (m *Model) checkRefs(tx *store.Tx, preps []prepared) error {
	want := map[*Field][]int64{}
	for _, p := range preps {
		for i, f := range p.cols {
			if id, ok := p.vals[i].(int64); ok && f.Type == Many2one {
				want[f] = append(want[f], id)
			}
		}
	}
	var problems []errs.FieldError
	for _, f := range m.meta.list { // declaration order: stable messages
		ids := want[f]
		if len(ids) == 0 {
			continue
		}
		ids, _ = uniqueIDs(ids)
		co := &Model{env: m.env, meta: m.env.reg.models[f.Comodel]}
		found, err := co.filterIDs(tx, ids, nil)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !found[id] {
				problems = append(problems, errs.FieldError{Field: f.Name, Message: "no " + f.Comodel + " record with id " + itoa(id)})
				break
			}
		}
	}
	if len(problems) > 0 {
		return validationError(m.meta.Name, problems)
	}
	return nil
}
