package odoorpc

import (
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
)

// ORMData is the production Data: the ORM, with its access policy. A nil
// env (no factory configured) yields a Data on which every model is
// unknown.
func ORMData(env *orm.Env) Data { return ormData{env} }

type ormData struct{ env *orm.Env }

func (d ormData) Env() *orm.Env { return d.env }

func (d ormData) Models() []string {
	if d.env == nil {
		return nil
	}
	return d.env.Registry().Models()
}

func (d ormData) WithContext(ctx map[string]any) Data {
	if d.env == nil {
		return d
	}
	return ormData{d.env.WithContext(ctx)}
}

func (d ormData) Model(name string) (Model, error) {
	if d.env == nil {
		return nil, errs.Ef(errs.NotFound, "Object %s doesn't exist", clipName(name))
	}
	m, err := d.env.Model(name)
	if err != nil {
		return nil, err
	}
	return ormModel{m: m, env: d.env}, nil
}

type ormModel struct {
	m   *orm.Model
	env *orm.Env
}

// dom converts a JSON-form domain; a malformed one is the client's
// mistake (422), with the parser's message.
func dom(v []any) (domain.Node, error) {
	n, err := domain.FromJSON(v)
	if err != nil {
		if e, ok := err.(*errs.Error); ok {
			return nil, e
		}
		return nil, errs.Wrap(errs.ValidationError, err, "Invalid domain: "+err.Error())
	}
	return n, nil
}

func (o ormModel) Create(vals []map[string]any) ([]int64, error) { return o.m.Create(vals) }
func (o ormModel) Read(ids []int64, fields []string) ([]map[string]any, error) {
	return o.m.Read(ids, fields)
}
func (o ormModel) Write(ids []int64, vals map[string]any) error { return o.m.Write(ids, vals) }
func (o ormModel) Unlink(ids []int64) error                     { return o.m.Unlink(ids) }

func (o ormModel) Search(d []any, offset, limit int, order string) ([]int64, error) {
	n, err := dom(d)
	if err != nil {
		return nil, err
	}
	return o.m.Search(n, orm.SearchOptions{Offset: offset, Limit: limit, Order: order})
}

func (o ormModel) ReadRecords(ids []int64, fields []string) (*orm.Records, error) {
	return o.m.ReadRecords(ids, fields)
}

func (o ormModel) SearchReadRecords(d []any, fields []string, offset, limit int, order string) (*orm.Records, error) {
	n, err := dom(d)
	if err != nil {
		return nil, err
	}
	return o.m.SearchReadRecords(n, fields, orm.SearchOptions{Offset: offset, Limit: limit, Order: order})
}

func (o ormModel) SearchRead(d []any, fields []string, offset, limit int, order string) ([]map[string]any, error) {
	n, err := dom(d)
	if err != nil {
		return nil, err
	}
	return o.m.SearchRead(n, fields, orm.SearchOptions{Offset: offset, Limit: limit, Order: order})
}

func (o ormModel) SearchCount(d []any, limit int) (int64, error) {
	n, err := dom(d)
	if err != nil {
		return 0, err
	}
	return o.m.SearchCount(n, limit)
}

func (o ormModel) FieldsGet(fields, attributes []string) (map[string]map[string]any, error) {
	return o.m.FieldsGet(fields, attributes)
}

func (o ormModel) NameSearch(name string, d []any, operator string, limit int) ([][2]any, error) {
	n, err := dom(d)
	if err != nil {
		return nil, err
	}
	return o.m.NameSearch(name, n, operator, limit)
}

func (o ormModel) DefaultGet(fields []string) (map[string]any, error) { return o.m.DefaultGet(fields) }

func (o ormModel) CheckAccess(op string) error {
	if o.env.Su() {
		return nil
	}
	return o.env.Registry().Policy().CheckModel(o.env, o.m.Name(), orm.Op(op))
}

// sudoReason is why session_info reads companies and partners without the
// caller's ACLs: Odoo's session_info does the same (with sudo), and a user
// may always see their own companies and partner.
const sudoReason = "odoorpc: session_info company and partner names"

func (d ormData) Companies(ids []int64) ([]CompanyInfo, error) {
	if d.env == nil || len(ids) == 0 {
		return nil, nil
	}
	m, err := d.env.Sudo(sudoReason).Model("res.company")
	if err != nil {
		return nil, err
	}
	rows, err := m.Read(ids, []string{"name", "parent_id", "child_ids"})
	if err != nil {
		return nil, err
	}
	out := make([]CompanyInfo, 0, len(rows))
	for i, row := range rows {
		c := CompanyInfo{Sequence: 10 * (i + 1)}
		c.ID, _ = row["id"].(int64)
		c.Name, _ = row["name"].(string)
		if pair, ok := row["parent_id"].([]any); ok && len(pair) > 0 {
			c.ParentID, _ = pair[0].(int64)
		}
		c.ChildIDs, _ = row["child_ids"].([]int64)
		out = append(out, c)
	}
	return out, nil
}

func (d ormData) PartnerName(id int64) (string, error) {
	if d.env == nil {
		return "", nil
	}
	m, err := d.env.Sudo(sudoReason).Model("res.partner")
	if err != nil {
		return "", err
	}
	rows, err := m.Read([]int64{id}, []string{"display_name"})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	name, _ := rows[0]["display_name"].(string)
	return name, nil
}
