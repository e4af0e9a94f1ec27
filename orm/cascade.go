package orm

import (
	"github.com/rampart/rampart/store"
)

// cascaded is what deleting records takes with it through many2one fields
// declared ondelete cascade (the database deletes those rows): per model,
// the ids.
type cascaded struct {
	meta *Meta
	ids  []int64
}

// cascades lists the records that deleting ids of m deletes with them,
// following cascades through every model, so that the caller's key scopes
// apply to them (a delete the caller causes is its delete) and the audit
// trail names each of them.
func (m *Model) cascades(tx *store.Tx, ids []int64) ([]cascaded, error) {
	var out []cascaded
	seen := map[*Meta]map[int64]bool{m.meta: {}}
	for _, id := range ids {
		seen[m.meta][id] = true
	}
	frontier := []cascaded{{m.meta, ids}}
	for depth := 0; len(frontier) > 0 && depth <= maxHierarchyDepth; depth++ {
		var next []cascaded
		for _, parent := range frontier {
			for _, name := range m.env.reg.names {
				child := m.env.reg.models[name]
				if child.External {
					continue
				}
				for _, f := range child.list {
					if f.Type != Many2one || f.Comodel != parent.meta.Name || f.OnDelete != Cascade || !f.Stored() {
						continue
					}
					found, err := m.referencing(tx, child, f, parent.ids, seen)
					if err != nil {
						return nil, err
					}
					if len(found) > 0 {
						next = append(next, cascaded{child, found})
					}
				}
			}
		}
		out = append(out, next...)
		frontier = next
	}
	return out, nil
}

// referencing lists the records of child whose f points into ids and
// that seen does not hold yet (adding them).
func (m *Model) referencing(tx *store.Tx, child *Meta, f *Field, ids []int64, seen map[*Meta]map[int64]bool) ([]int64, error) {
	if seen[child] == nil {
		seen[child] = map[int64]bool{}
	}
	var found []int64
	for _, chunk := range chunks(ids) {
		q := newSQL(tx.Dialect())
		q.w("SELECT id FROM ", q.ident(child.Table), " WHERE ", q.ident(f.Column), " IN ", q.ids(chunk), " ORDER BY id")
		err := scanIDs(m.env, tx, q, func(id int64) {
			if !seen[child][id] {
				seen[child][id] = true
				found = append(found, id)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}
