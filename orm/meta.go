package orm

import (
	"strconv"

	"github.com/rampart/rampart/domain"
)

// ModelDef declares a model (the Go form of one YAML model entry).
type ModelDef struct {
	// Name is the dotted model name (sale.order); the table is the name
	// with dots replaced by underscores.
	Name        string
	Description string
	// Order is the default order-by ("date_order desc, id"); default "id".
	Order string
	// RecName is the field display_name shows; default "name" when the
	// model has one.
	RecName string
	// Parent is the many2one child_of/parent_of follow; default
	// "parent_id" when the model has a many2one of that name to itself.
	Parent string
	Fields []Field
	// Indexes are multi-column indexes, each a list of stored field names
	// (e.g. [user_id, id] for "my records, newest first" pages).
	Indexes [][]string
	// Source says where the declaration came from (file name), for errors.
	Source string
	// Inherit marks an extension of the registered model Name (Odoo's
	// _inherit by name): only Fields count; see Registry.Extend. YAML
	// declares it with "inherit: res.partner".
	Inherit string
}

// Meta is a registered model: its fields and storage. It is immutable once
// registered, and implements domain.ModelInfo through Registry.Model.
type Meta struct {
	Name        string
	Description string
	Table       string
	Order       string
	RecName     string
	Parent      string
	// External models (res.users) are owned by another package: no schema
	// sync, no writes through the ORM.
	External bool
	Source   string
	// Indexes are the declared multi-column indexes (field names).
	Indexes [][]string

	fields map[string]*Field
	list   []*Field // declaration order, magic fields first
	order  []orderTerm
	// displayDom is display_name's storage view for domains: the rec_name
	// column under the name display_name (Odoo searches display_name
	// through _rec_name).
	displayDom *domain.Field
}

// Field returns the field called name.
func (m *Meta) Field(name string) (*Field, bool) {
	f, ok := m.fields[name]
	return f, ok
}

// Fields lists the fields in declaration order, magic fields first.
func (m *Meta) Fields() []*Field { return m.list }

// HasActive reports an "active" boolean field, which makes searches skip
// archived records unless the context says active_test=False.
func (m *Meta) HasActive() bool {
	f, ok := m.fields["active"]
	return ok && f.Type == Boolean
}

// displayName is the fallback display name of a model without rec_name.
func (m *Meta) displayName(id int64) string { return m.Name + "," + strconv.FormatInt(id, 10) }

// domainModel adapts Meta to domain.ModelInfo (whose method names clash
// with Meta's fields).
type domainModel struct{ m *Meta }

func (d domainModel) Name() string  { return d.m.Name }
func (d domainModel) Table() string { return d.m.Table }
func (d domainModel) Field(name string) (*domain.Field, bool) {
	if name == "display_name" && d.m.displayDom != nil {
		return d.m.displayDom, true
	}
	f, ok := d.m.fields[name]
	if !ok || (f.Column == "" && !f.X2many()) {
		return nil, false
	}
	return &f.dom, true
}
func (d domainModel) ParentField() string { return d.m.Parent }
func (d domainModel) RecName() string     { return d.m.RecName }
