package odoorpc

import "github.com/rampart/rampart/orm"

// Data is one call's access to the models, with the caller's rights.
// Production uses the ORM (ORMData); the interface exists so that the
// protocol layer is tested on its own, against fakes.
type Data interface {
	// Model returns the named model; unknown is errs.NotFound.
	Model(name string) (Model, error)
	// Models lists every model name, for /doc/index.json.
	Models() []string
	// WithContext is the same view under another Odoo context.
	WithContext(ctx map[string]any) Data
	// Companies describes companies for session_info (names, hierarchy),
	// read with the service's own rights: a user may always see the
	// companies they belong to.
	Companies(ids []int64) ([]CompanyInfo, error)
	// PartnerName is a partner's display name, read likewise.
	PartnerName(id int64) (string, error)
	// Env is the underlying ORM environment (nil in tests), handed to
	// app-registered methods.
	Env() *orm.Env
}

// recordReader is a Model whose read and search_read answers may be
// written while they are read (the ORM's; see orm.Records): a "return
// all" of 100,000 records then takes the memory of one batch.
type recordReader interface {
	ReadRecords(ids []int64, fields []string) (*orm.Records, error)
	SearchReadRecords(domain []any, fields []string, offset, limit int, order string) (*orm.Records, error)
}

// readRecords is m's read as Records, streamed when m can.
func readRecords(m Model, ids []int64, fields []string) (*orm.Records, error) {
	if rr, ok := m.(recordReader); ok {
		return rr.ReadRecords(ids, fields)
	}
	recs, err := m.Read(ids, fields)
	return orm.HeldRecords(recs), err
}

// searchReadRecords is m's search_read as Records, streamed when m can.
func searchReadRecords(m Model, d []any, fields []string, offset, limit int, order string) (*orm.Records, error) {
	if rr, ok := m.(recordReader); ok {
		return rr.SearchReadRecords(d, fields, offset, limit, order)
	}
	recs, err := m.SearchRead(d, fields, offset, limit, order)
	return orm.HeldRecords(recs), err
}

// loaded is recs as a handler's answer, many2one values turned into bare
// ids when ids is set (Odoo's load other than '_classic_read').
func loaded(m Model, recs *orm.Records, ids bool) (any, error) {
	if ids && recs.Len() > 0 {
		load, err := idLoader(m)
		if err != nil {
			return nil, err
		}
		if load != nil {
			recs.Map(load)
		}
	}
	return recs.Answer(), nil
}

// Model is one model's public operations, with Odoo's semantics and
// Odoo's JSON value forms. Domains are in their JSON form (a list).
type Model interface {
	Create(vals []map[string]any) ([]int64, error)
	Read(ids []int64, fields []string) ([]map[string]any, error)
	Write(ids []int64, vals map[string]any) error
	Unlink(ids []int64) error
	Search(domain []any, offset, limit int, order string) ([]int64, error)
	SearchRead(domain []any, fields []string, offset, limit int, order string) ([]map[string]any, error)
	SearchCount(domain []any, limit int) (int64, error)
	FieldsGet(fields, attributes []string) (map[string]map[string]any, error)
	NameSearch(name string, domain []any, operator string, limit int) ([][2]any, error)
	// DefaultGet is default_get(fields_list): the defaults the caller
	// would get on create.
	DefaultGet(fields []string) (map[string]any, error)
	// CheckAccess reports the model ACL for op ("read", "write",
	// "create", "unlink"): nil, or the AccessError Odoo would raise.
	CheckAccess(op string) error
}
