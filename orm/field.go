package orm

import (
	"github.com/rampart/rampart/domain"
)

// Field types, as Odoo names them (aliases of package domain's).
const (
	Char      = domain.Char
	Text      = domain.Text
	Integer   = domain.Integer
	Float     = domain.Float
	Monetary  = domain.Monetary
	Boolean   = domain.Boolean
	Date      = domain.Date
	Datetime  = domain.Datetime
	Selection = domain.Selection
	Many2one  = domain.Many2one
	One2many  = domain.One2many
	Many2many = domain.Many2many
	JSON      = domain.JSON
)

// On-delete policies of many2one fields.
const (
	SetNull  = "set null"
	Restrict = "restrict"
	Cascade  = "cascade"
)

// Field declares one field of a model. The declaration part is set by the
// author (YAML or Go); Model and Column are filled in by the Registry.
type Field struct {
	Name string
	Type string
	// String is the label (Odoo's string=), Help the tooltip.
	String string
	Help   string
	// Required fields must be set on create and cannot be cleared; the
	// column is NOT NULL when the table is created.
	Required bool
	// Readonly fields can be set only under sudo (server code).
	Readonly bool
	// Maintained fields are computed by the database itself (triggers, in
	// the transaction of the change they derive from): nobody writes them
	// through the ORM, sudo included, so a value cannot be forged (nor
	// audited as if it had been). Declare them Readonly too.
	Maintained bool
	// Default is the value create uses when vals do not name the field.
	Default any
	// DefaultFrom is a dynamic default, computed at create (and by
	// default_get): "user" (the current user's id), "company" (the
	// current company's), "now" (the datetime), "today" (the date).
	DefaultFrom string
	// Sequence makes the default the next number of this ir.sequence,
	// taken at create in the creating transaction (gap-free).
	Sequence *SequenceDef
	// DefaultFunc computes the default in Go (apps); it runs at create
	// and in default_get.
	DefaultFunc DefaultFunc
	// NoCopy is Odoo's copy=False: copy leaves the field to its default.
	NoCopy bool
	// Index asks the schema sync for an index on the column.
	Index bool
	// Size bounds a char field's length in characters (0: unbounded).
	Size int
	// Selection lists the [key, label] pairs of a selection field.
	Selection [][2]string
	// Comodel is the target model of relational fields.
	Comodel string
	// Inverse is the many2one on the comodel that a one2many mirrors.
	Inverse string
	// Relation, Column1 and Column2 name a many2many's relation table and
	// its columns (this side, other side). Defaults as in Odoo:
	// "<table1>_<table2>_rel" (tables sorted), "<table>_id" on each side.
	Relation, Column1, Column2 string
	// OnDelete is the many2one's policy when the target is deleted:
	// SetNull (default), Restrict or Cascade.
	OnDelete string
	// Groups restricts the field to users of these groups (comma-separated
	// external ids, "!" negates).
	Groups string
	// Min and Max bound integer, float and monetary values (inclusive).
	Min, Max *float64
	// CheckCompany is Odoo's check_company on a many2one: the target's
	// company_id must be unset or the record's company (the record itself
	// for res.company), checked after every create and write, even in
	// sudo. It applies when both models have a company_id.
	CheckCompany bool
	// LinkUnreadable lets a caller set this many2one to a record it cannot
	// read (by default such a target is refused exactly as a missing id, so
	// that a link cannot be used to read a hidden record's name or to test
	// its existence). Declare it only where linking blind is the point.
	LinkUnreadable bool

	// Model is the owning model's name, Column the SQL column ("" for
	// one2many, many2many and display_name).
	Model  string
	Column string
	// Magic is true for id, create_uid, create_date, write_uid, write_date
	// and display_name: never writable by anyone.
	Magic bool

	dom domain.Field
}

// Stored reports whether the field has a column in the model's table.
func (f *Field) Stored() bool { return f.Column != "" }

// Relational reports many2one, one2many and many2many.
func (f *Field) Relational() bool {
	return f.Type == Many2one || f.Type == One2many || f.Type == Many2many
}

// X2many reports one2many and many2many.
func (f *Field) X2many() bool { return f.Type == One2many || f.Type == Many2many }

// Label is String, or the name when no label was declared.
func (f *Field) Label() string {
	if f.String != "" {
		return f.String
	}
	return f.Name
}

// Domain is the storage view package domain compiles against.
func (f *Field) Domain() *domain.Field { return &f.dom }

// SelectionKeys are the selection's keys in declaration order.
func (f *Field) SelectionKeys() []string {
	keys := make([]string, len(f.Selection))
	for i, s := range f.Selection {
		keys[i] = s[0]
	}
	return keys
}

// validType reports the declarable field types.
func validType(t string) bool {
	switch t {
	case Char, Text, Integer, Float, Monetary, Boolean, Date, Datetime,
		Selection, Many2one, One2many, Many2many, JSON:
		return true
	}
	return false
}
