package orm

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// checkRefs verifies that every many2one value names an existing record
// the caller may read, so the caller gets an error naming the field rather
// than the database's generic foreign-key refusal, references into tables
// without a foreign key (res.users, owned by package identity) cannot
// dangle, and a link cannot be used to read a hidden record's display name
// back. A hidden target gets exactly the error of a missing one: no
// existence oracle. skip names a field the ORM fills in itself (a
// one2many's inverse); fields declared LinkUnreadable are checked for
// existence only.
func (m *Model) checkRefs(tx *store.Tx, preps []prepared, skip string) error {
	want := map[*Field][]int64{}
	for _, p := range preps {
		for i, f := range p.cols {
			if id, ok := p.vals[i].(int64); ok && f.Type == Many2one && f.Name != skip {
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
		found, err := co.targets(tx, ids, !f.LinkUnreadable)
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

// targets returns which of ids exist and, when readable is set, which the
// caller may read (read ACL, key scope and read rules; everything under
// sudo). A refused ACL or scope hides every id, as a missing record.
func (m *Model) targets(tx *store.Tx, ids []int64, readable bool) (map[int64]bool, error) {
	if !readable || !m.checked() {
		return m.filterIDs(tx, ids, nil)
	}
	if !m.env.scopeAllows(m.meta.Name, OpRead) || m.env.reg.policy.CheckModel(m.env, m.meta.Name, OpRead) != nil {
		return map[int64]bool{}, nil
	}
	rule, err := m.ruleDomain(OpRead)
	if err != nil {
		return nil, err
	}
	return m.filterIDs(tx, ids, rule)
}
