package domain

import "github.com/rampart/rampart/store"

// Schema is what the domain compiler and evaluator need to know about
// models. Package orm implements it from declared models; tests implement it
// by hand. Field names come only from here: the compiler never pastes a name
// it did not find in the schema.
type Schema interface {
	// Model returns the model called name (e.g. "sale.order").
	Model(name string) (ModelInfo, bool)
}

// ModelInfo describes one model's storage.
type ModelInfo interface {
	Name() string
	// Table is the SQL table name (sale_order).
	Table() string
	// Field returns a stored or relational field by name, including the
	// magic fields id, create_uid, create_date, write_uid, write_date.
	Field(name string) (*Field, bool)
	// ParentField is the many2one used by child_of/parent_of ("parent_id"
	// by default); "" when the model has no hierarchy.
	ParentField() string
	// RecName is the field display_name and name-based matching use
	// ("name" by default).
	RecName() string
}

// Field types, as Odoo names them.
const (
	Char      = "char"
	Text      = "text"
	Integer   = "integer"
	Float     = "float"
	Monetary  = "monetary"
	Boolean   = "boolean"
	Date      = "date"
	Datetime  = "datetime"
	Selection = "selection"
	Many2one  = "many2one"
	One2many  = "one2many"
	Many2many = "many2many"
	JSON      = "json"
)

// Field is the storage view of one field.
type Field struct {
	Name string
	Type string
	// Column is the SQL column (empty for one2many and many2many).
	Column string
	// Required fields are NOT NULL: the compiler skips NULL branches.
	Required bool
	// Comodel is the target model of relational fields.
	Comodel string
	// Inverse is the many2one on the comodel that a one2many mirrors.
	Inverse string
	// RelTable, RelColumn (this side) and RelComodelColumn (other side)
	// describe a many2many's relation table.
	RelTable         string
	RelColumn        string
	RelComodelColumn string
	// Selection holds the allowed keys of a selection field.
	Selection []string
	// Groups restricts the field to users of these groups (comma-separated
	// external ids, Odoo syntax, "!" negates). Empty: everyone.
	Groups string
}

// ColumnType is the portable column type that stores a field of type t
// (one2many and many2many have no column; callers do not ask for them).
func ColumnType(t string) store.ColType {
	switch t {
	case Integer, Many2one:
		return store.TInteger
	case Float:
		return store.TFloat
	case Monetary:
		return store.TNumeric
	case Boolean:
		return store.TBool
	case Date:
		return store.TDate
	case Datetime:
		return store.TDateTime
	case JSON:
		return store.TJSON
	case Char, Selection:
		return store.TVarchar
	default:
		return store.TText
	}
}
