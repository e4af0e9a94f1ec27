package orm

import (
	"slices"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
)

// The rest of Odoo's public model API that clients call: exists, copy,
// get_metadata, check_access/has_access, name_create, action_archive and
// action_unarchive. Each goes through the same checks as the CRUD method
// it amounts to.

// Exists returns the ids that exist and that the caller may read (a
// record hidden by the read rules is reported as missing everywhere, so
// here too), in the order given.
func (m *Model) Exists(ids []int64) ([]int64, error) {
	tx, err := m.start("exists", OpRead, false)
	if err != nil {
		return nil, err
	}
	ids, err = uniqueIDs(ids)
	if err != nil || len(ids) == 0 {
		return []int64{}, err
	}
	rule, err := m.ruleDomain(OpRead)
	if err != nil {
		return nil, err
	}
	found, err := m.filterIDs(tx, ids, rule)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if found[id] {
			out = append(out, id)
		}
	}
	m.auditSudo("exists", out)
	return out, nil
}

// CheckAccess is the recordset's check_access(operation): the model ACL,
// then the records against op's rules (unreadable ones are missing). With
// no ids, only the ACL.
func (m *Model) CheckAccess(ids []int64, op Op) error {
	switch op {
	case OpRead, OpWrite, OpCreate, OpUnlink:
	default:
		return errs.Ef(errs.UserError, "Invalid access mode %q", string(op))
	}
	tx, err := m.start("check_access", op, false)
	if err != nil {
		return err
	}
	ids, err = uniqueIDs(ids)
	if err != nil || len(ids) == 0 {
		return err
	}
	if op == OpCreate {
		op = OpWrite // existing records: create rules do not apply; Odoo checks write
	}
	return m.checkRecords("check_access", tx, ids, op)
}

// NameCreate is name_create(name): a record with its rec_name set to name
// (and the defaults), returned as [id, display_name].
func (m *Model) NameCreate(name string) ([2]any, error) {
	if m.meta.RecName == "" {
		return [2]any{}, errs.Ef(errs.UserError, "Cannot execute name_create, no _rec_name defined on %s", m.meta.Name)
	}
	ids, err := m.Create([]map[string]any{{m.meta.RecName: name}})
	if err != nil {
		return [2]any{}, err
	}
	recs, err := m.Read(ids, []string{"display_name"})
	if err != nil || len(recs) == 0 {
		return [2]any{}, err
	}
	return [2]any{ids[0], recs[0]["display_name"]}, nil
}

// SetActive is action_archive (active=false) and action_unarchive
// (active=true): a write of the records whose active differs.
func (m *Model) SetActive(ids []int64, active bool) error {
	if !m.meta.HasActive() {
		return errs.Ef(errs.UserError, "No 'active' field on model %s", m.meta.Name)
	}
	recs, err := m.env.WithContext(map[string]any{"active_test": false}).modelOf(m).Read(ids, []string{"active"})
	if err != nil {
		return err
	}
	var change []int64
	for _, r := range recs {
		if r["active"] != active {
			change = append(change, r["id"].(int64))
		}
	}
	if len(change) == 0 {
		return nil
	}
	return m.Write(change, map[string]any{"active": active})
}

// modelOf is m bound to e.
func (e *Env) modelOf(m *Model) *Model { return &Model{env: e, meta: m.meta} }

// Copy is copy(default): per record, a new one with the values of the
// copyable fields (stored, not magic, not readonly, not one2many, not
// declared NoCopy, not numbered by a sequence; many2many links kept) the caller may read, overridden
// by defaults; fields not copied get their defaults as on create.
func (m *Model) Copy(ids []int64, defaults map[string]any) ([]int64, error) {
	var names []string
	for _, f := range m.meta.list {
		if f.Magic || f.Readonly || f.NoCopy || f.Sequence != nil || f.Type == One2many || !(f.Stored() || f.Type == Many2many) || !m.fieldAllowed(m.meta, f) {
			continue
		}
		names = append(names, f.Name)
	}
	recs, err := m.env.WithContext(map[string]any{"active_test": false}).modelOf(m).Read(ids, append(names, "id"))
	if err != nil {
		return nil, err
	}
	vals := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		v := make(map[string]any, len(names)+len(defaults))
		for _, n := range names {
			f := m.meta.fields[n]
			switch x := r[n].(type) {
			case []any: // many2one [id, name]
				v[n] = x[0]
			case []int64:
				v[n] = []any{[]any{int64(6), int64(0), x}}
			default:
				if f.Type == Many2one || x == nil {
					continue
				}
				if x == false && f.Type != Boolean {
					continue // unset: left to the defaults
				}
				v[n] = x
			}
		}
		for k, d := range defaults {
			v[k] = d
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return []int64{}, nil
	}
	return m.Create(vals)
}

// Metadata is get_metadata(): per record id, create/write uid ([id,
// name]) and date, the external id (xmlid, xmlids, noupdate), after the
// read check.
func (m *Model) Metadata(ids []int64) ([]map[string]any, error) {
	var log []string
	for _, n := range []string{"create_uid", "create_date", "write_uid", "write_date"} {
		if _, ok := m.meta.fields[n]; ok {
			log = append(log, n)
		}
	}
	recs, err := m.Read(ids, append(log, "id"))
	if err != nil {
		return nil, err
	}
	xml, err := m.env.externalIDs(m.meta.Name, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		id := r["id"].(int64)
		list := xml[id]
		r["xmlid"], r["noupdate"] = false, false
		xs := make([]any, 0, len(list))
		for i, x := range list {
			if i == 0 {
				r["xmlid"], r["noupdate"] = x, true
			}
			xs = append(xs, map[string]any{"xmlid": x, "noupdate": true})
		}
		r["xmlids"] = xs
	}
	return recs, nil
}

// externalIDs are the ir.model.data names of model's ids (read with the
// server's rights: the caller already read the records).
func (e *Env) externalIDs(model string, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	// Same transaction: the derived Env is not finished here.
	sudo := e.Sudo("orm: external ids of records the caller has read (get_metadata)")
	md, err := sudo.modelByName("ir.model.data")
	if err != nil || md == nil {
		return out, err
	}
	anyIDs := make([]any, len(ids))
	for i, id := range ids {
		anyIDs[i] = id
	}
	recs, err := md.SearchRead(domain.And(
		domain.Condition{Field: "model", Operator: "=", Value: model},
		domain.Condition{Field: "res_id", Operator: "in", Value: anyIDs}), []string{"complete_name", "res_id"}, SearchOptions{Order: "id"})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		id, _ := r["res_id"].(int64)
		name, _ := r["complete_name"].(string)
		if !slices.Contains(out[id], name) {
			out[id] = append(out[id], name)
		}
	}
	return out, nil
}

// modelByName is Model without the unknown-model error (nil instead).
func (e *Env) modelByName(name string) (*Model, error) {
	meta, ok := e.reg.models[name]
	if !ok {
		return nil, nil
	}
	return &Model{env: e, meta: meta}, nil
}
