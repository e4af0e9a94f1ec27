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

func (o ormModel) CheckAccess(op string) error {
	reg := o.env.Registry()
	if o.env.Su || reg.Policy == nil {
		return nil
	}
	return reg.Policy.CheckModel(o.env, o.m.Name(), orm.Op(op))
}
