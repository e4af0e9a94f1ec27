package orm

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/domain"
)

// Registry holds the declared models and the access hooks. Declare models
// (Define, LoadYAML) and set the hooks before the first Env is created;
// afterwards the Registry is only read and is safe for concurrent use.
type Registry struct {
	// Auditor records changes, sudo use and denials; nil records nothing.
	Auditor Auditor
	// Logger receives internal problems (sudo without reason, audit
	// failures). nil: slog.Default().
	Logger *slog.Logger
	// Budget bounds one answer (rows and bytes); a search without a
	// limit returns every match within it, and fails loudly beyond it.
	Budget Budget
	// Now is the clock for create_date/write_date; nil: time.Now.
	Now func() time.Time
	// MaxCommands caps the x2many commands of one Env (nested ones
	// included); 0 means DefaultMaxCommands. WriteBudget bounds a writing
	// Env's transaction; 0 means DefaultWriteBudget. See budget.go.
	MaxCommands int
	WriteBudget time.Duration

	// policy decides access. It is set once, by NewRegistry, and is never
	// nil: an unset policy cannot mean "allow".
	policy   Policy
	models   map[string]*Meta
	names    []string // registration order
	compiler *domain.Compiler
	triggers map[string]Triggers
}

// NewRegistry returns a registry holding the built-in models res.company,
// res.partner and res.users, whose every operation outside sudo is decided
// by policy. The policy is required: a nil one (or a nil pointer in the
// interface) panics, as no registry may fall back to allowing everything.
// A program that loads its rules after declaring its models passes a
// policy that refuses until its rules are installed (package access's
// NewPolicy(nil, ...)); tests and tools without an access model pass
// AllowAll explicitly.
func NewRegistry(policy Policy) *Registry {
	if isNilPolicy(policy) {
		panic("orm: NewRegistry needs a Policy (orm.AllowAll for tests without access rules)")
	}
	r := &Registry{models: map[string]*Meta{}, policy: policy}
	r.compiler = domain.NewCompiler(r, 0)
	if err := r.define(builtinModels(), true); err != nil {
		panic("orm: built-in models: " + err.Error()) // a programming error, caught by every test
	}
	externalize(r.models["res.users"])
	return r
}

// Policy is the access policy the registry was built with.
func (r *Registry) Policy() Policy { return r.policy }

// isNilPolicy reports a nil interface or an interface holding a nil
// pointer, map or func (whose methods would panic at the first request
// instead of at start-up).
func isNilPolicy(p Policy) bool {
	if p == nil {
		return true
	}
	switch v := reflect.ValueOf(p); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Slice, reflect.Interface, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// Model implements domain.Schema.
func (r *Registry) Model(name string) (domain.ModelInfo, bool) {
	m, ok := r.models[name]
	if !ok {
		return nil, false
	}
	return domainModel{m}, true
}

// Meta returns the registered model called name.
func (r *Registry) Meta(name string) (*Meta, bool) {
	m, ok := r.models[name]
	return m, ok
}

// Models lists the registered model names in registration order.
func (r *Registry) Models() []string { return append([]string(nil), r.names...) }

func (r *Registry) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Define registers models. The batch is checked as a whole (comodels may
// refer to each other or to models already registered) and is added only
// if every declaration is valid; the error lists every problem, each
// prefixed with the declaration's source and model.
func (r *Registry) Define(defs ...ModelDef) error { return r.define(defs, false) }

func (r *Registry) define(defs []ModelDef, builtin bool) error {
	var problems []error
	batch := map[string]*Meta{}
	var names []string
	for _, d := range defs {
		m, errs := buildMeta(d)
		for _, e := range errs {
			problems = append(problems, fmt.Errorf("%s: model %q: %w", d.Source, d.Name, e))
		}
		if m == nil {
			continue
		}
		if _, dup := r.models[m.Name]; dup || batch[m.Name] != nil {
			problems = append(problems, fmt.Errorf("%s: model %q is already defined", d.Source, d.Name))
			continue
		}
		batch[m.Name] = m
		names = append(names, m.Name)
	}
	lookup := func(name string) *Meta {
		if m := batch[name]; m != nil {
			return m
		}
		return r.models[name]
	}
	for _, name := range names {
		m := batch[name]
		for _, e := range linkMeta(m, lookup) {
			problems = append(problems, fmt.Errorf("%s: model %q: %w", m.Source, m.Name, e))
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	for _, name := range names {
		r.models[name] = batch[name]
		r.names = append(r.names, name)
	}
	r.compiler.Reset()
	return nil
}

// Compiler is the registry's cached domain compiler (for packages that
// compile rule domains themselves, e.g. access's explain).
func (r *Registry) Compiler() *domain.Compiler { return r.compiler }

// magicNames are the fields every model gets; none can be declared.
func isMagic(name string) bool {
	switch name {
	case "id", "create_uid", "create_date", "write_uid", "write_date", "display_name":
		return true
	}
	return false
}

// buildMeta checks one declaration on its own and builds its Meta.
func buildMeta(d ModelDef) (*Meta, []error) {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	if !validModelName(d.Name) {
		bad("invalid model name (want lower-case dotted words, e.g. sale.order)")
		return nil, problems
	}
	m := &Meta{
		Name: d.Name, Description: d.Description, Table: strings.ReplaceAll(d.Name, ".", "_"),
		Order: d.Order, RecName: d.RecName, Parent: d.Parent, Source: d.Source,
		fields: map[string]*Field{},
	}
	if m.Description == "" {
		m.Description = d.Name
	}
	add := func(f *Field) {
		f.Model = m.Name
		m.fields[f.Name] = f
		m.list = append(m.list, f)
	}
	for _, f := range magicFields() {
		add(f)
	}
	for i := range d.Fields {
		f := d.Fields[i] // a copy: the declaration stays the caller's
		if !validIdent(f.Name) {
			bad("field %q: invalid name (want lower-case letters, digits, _)", f.Name)
			continue
		}
		if isMagic(f.Name) {
			bad("field %q: reserved name (every model has it)", f.Name)
			continue
		}
		if _, dup := m.fields[f.Name]; dup {
			bad("field %q: declared twice", f.Name)
			continue
		}
		for _, e := range checkField(&f) {
			bad("field %q: %v", f.Name, e)
		}
		add(&f)
	}
	if m.RecName == "" {
		if f, ok := m.fields["name"]; ok && f.Stored() {
			m.RecName = "name"
		}
	} else if f, ok := m.fields[m.RecName]; !ok || !f.Stored() {
		bad("rec_name %q is not a stored field", m.RecName)
	}
	if m.Order == "" {
		m.Order = "id"
	}
	for _, idx := range d.Indexes {
		if len(idx) == 0 || len(idx) > 8 {
			bad("indexes: an index has 1 to 8 fields")
			continue
		}
		for _, name := range idx {
			if f, ok := m.fields[name]; !ok || !f.Stored() {
				bad("indexes: %q is not a stored field", name)
			}
		}
		m.Indexes = append(m.Indexes, append([]string(nil), idx...))
	}
	return m, problems
}

// checkField validates one field's declaration (not its comodel) and sets
// its column.
func checkField(f *Field) []error {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	if !validType(f.Type) {
		bad("unknown type %q", f.Type)
		return problems
	}
	if !f.X2many() {
		f.Column = f.Name
	}
	if f.Size < 0 || (f.Size > 0 && f.Type != Char) {
		bad("size applies to char fields only and must be positive")
	}
	if (f.Min != nil || f.Max != nil) && f.Type != Integer && f.Type != Float && f.Type != Monetary {
		bad("min/max apply to integer, float and monetary fields only")
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		bad("min is greater than max")
	}
	if f.Type == Selection {
		if len(f.Selection) == 0 {
			bad("selection field without selection values")
		}
		seen := map[string]bool{}
		for _, s := range f.Selection {
			if s[0] == "" || seen[s[0]] {
				bad("selection key %q is empty or repeated", s[0])
			}
			seen[s[0]] = true
		}
	} else if len(f.Selection) > 0 {
		bad("selection values on a %s field", f.Type)
	}
	if f.Relational() {
		if f.Comodel == "" {
			bad("%s field without comodel", f.Type)
		}
	} else if f.Comodel != "" || f.Inverse != "" {
		bad("comodel/inverse on a %s field", f.Type)
	}
	switch {
	case f.Type == Many2one:
		switch f.OnDelete {
		case "":
			f.OnDelete = SetNull
		case SetNull, Restrict, Cascade:
		default:
			bad("unknown ondelete %q (want set null, restrict or cascade)", f.OnDelete)
		}
		if f.OnDelete == SetNull && f.Required {
			bad("a required many2one cannot be ondelete 'set null'")
		}
	case f.OnDelete != "":
		bad("ondelete applies to many2one fields only")
	}
	if f.Type == One2many && f.Inverse == "" {
		bad("one2many field without inverse")
	}
	if (f.CheckCompany || f.LinkUnreadable) && f.Type != Many2one {
		bad("check_company/link_unreadable apply to many2one fields only")
	}
	if f.Type != One2many && f.Inverse != "" {
		bad("inverse applies to one2many fields only")
	}
	if f.Type != Many2many && (f.Relation != "" || f.Column1 != "" || f.Column2 != "") {
		bad("relation/column1/column2 apply to many2many fields only")
	}
	for _, id := range []string{f.Relation, f.Column1, f.Column2} {
		if id != "" && !validIdent(id) {
			bad("invalid relation table or column name %q", id)
		}
	}
	if f.X2many() && (f.Required || f.Default != nil || f.Index) {
		bad("required/default/index do not apply to %s fields", f.Type)
	}
	if f.Default != nil {
		if _, err := convertScalar(f, f.Default); err != nil {
			bad("default: %v", err)
		}
	}
	problems = append(problems, checkDynamicDefault(f)...)
	return problems
}

// linkMeta resolves comodels, inverses and relation tables, then builds
// each field's storage view.
func linkMeta(m *Meta, lookup func(string) *Meta) []error {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	for _, f := range m.list {
		if f.Relational() {
			co := lookup(f.Comodel)
			if co == nil {
				bad("field %q: unknown comodel %q", f.Name, f.Comodel)
				continue
			}
			switch f.Type {
			case One2many:
				inv, ok := co.fields[f.Inverse]
				if !ok || inv.Type != Many2one || inv.Comodel != m.Name {
					bad("field %q: inverse %q is not a many2one of %s to %s", f.Name, f.Inverse, co.Name, m.Name)
				} else if !co.External {
					// Reading the one2many looks records up by the inverse:
					// index it, as Odoo does.
					inv.Index = true
				}
			case Many2many:
				if f.Relation == "" {
					t := []string{m.Table, co.Table}
					sort.Strings(t)
					f.Relation = t[0] + "_" + t[1] + "_rel"
				}
				if f.Column1 == "" {
					f.Column1 = m.Table + "_id"
				}
				if f.Column2 == "" {
					f.Column2 = co.Table + "_id"
				}
				if f.Column1 == f.Column2 {
					bad("field %q: column1 and column2 are both %q (declare them for a many2many to the same model)", f.Name, f.Column1)
				}
			}
		}
		f.dom = domain.Field{
			Name: f.Name, Type: f.Type, Column: f.Column, Required: f.Required || f.Name == "id",
			Comodel: f.Comodel, Inverse: f.Inverse, RelTable: f.Relation,
			RelColumn: f.Column1, RelComodelColumn: f.Column2,
			Selection: f.SelectionKeys(), Groups: f.Groups,
		}
	}
	if m.RecName != "" {
		dd := m.fields[m.RecName].dom
		dd.Name = "display_name"
		m.displayDom = &dd
	}
	if m.Parent == "" {
		if f, ok := m.fields["parent_id"]; ok && f.Type == Many2one && f.Comodel == m.Name {
			m.Parent = "parent_id"
		}
	} else if f, ok := m.fields[m.Parent]; !ok || f.Type != Many2one || f.Comodel != m.Name {
		bad("parent %q is not a many2one to the model itself", m.Parent)
	}
	terms, err := parseOrder(m, m.Order)
	if err != nil {
		bad("order: %s", errMessage(err))
	}
	m.order = terms
	return problems
}

// magicFields are added to every model. create_uid/write_uid point to
// res.users without a foreign key (see schema.go).
func magicFields() []*Field {
	return []*Field{
		{Name: "id", Type: Integer, String: "ID", Column: "id", Magic: true, Readonly: true},
		{Name: "display_name", Type: Char, String: "Display Name", Magic: true, Readonly: true},
		{Name: "create_uid", Type: Many2one, Comodel: "res.users", String: "Created by", Column: "create_uid", Magic: true, Readonly: true, OnDelete: SetNull},
		{Name: "create_date", Type: Datetime, String: "Created on", Column: "create_date", Magic: true, Readonly: true},
		{Name: "write_uid", Type: Many2one, Comodel: "res.users", String: "Last Updated by", Column: "write_uid", Magic: true, Readonly: true, OnDelete: SetNull},
		{Name: "write_date", Type: Datetime, String: "Last Updated on", Column: "write_date", Magic: true, Readonly: true},
	}
}

func validModelName(s string) bool {
	if s == "" || len(s) > 60 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !validIdent(part) {
			return false
		}
	}
	return true
}

// validIdent accepts lower-case SQL-safe identifiers.
func validIdent(s string) bool {
	if s == "" || len(s) > 60 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
