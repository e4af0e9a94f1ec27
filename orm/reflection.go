package orm

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Reflection models: Odoo's ir.model, ir.model.fields and ir.model.data,
// which clients ask before anything else (odooly's env['model'], erppeek,
// odoorpc's 'model' in env and env.ref, integration platforms' model
// pickers). They are ordinary models whose rows are derived: SyncReflection
// rewrites them from the registry (and the groups and companies in the
// database) at start-up. Their fields are read-only and no ACL grants
// more than read, so only that sync changes them.

// reflectionModels are the declarations, registered with the built-ins.
func reflectionModels() []ModelDef {
	ro := func(f Field) Field { f.Readonly = true; return f }
	types := [][2]string{}
	for _, t := range []string{Char, Text, Integer, Float, Monetary, Boolean, Date, Datetime, Selection, Many2one, One2many, Many2many, JSON} {
		types = append(types, [2]string{t, t})
	}
	return []ModelDef{
		{
			Name: "ir.model", Description: "Models", Order: "model", Source: "builtin",
			Fields: []Field{
				ro(Field{Name: "name", Type: Char, String: "Model Description", Required: true}),
				ro(Field{Name: "model", Type: Char, String: "Model", Required: true, Index: true}),
				ro(Field{Name: "order", Type: Char, String: "Order"}),
				ro(Field{Name: "info", Type: Text, String: "Information"}),
				ro(Field{Name: "state", Type: Selection, String: "Type", Selection: [][2]string{{"manual", "Custom Object"}, {"base", "Base Object"}}, Default: "base"}),
				ro(Field{Name: "transient", Type: Boolean, String: "Transient Model"}),
				ro(Field{Name: "abstract", Type: Boolean, String: "Abstract Model"}),
				ro(Field{Name: "modules", Type: Char, String: "In Apps"}),
				ro(Field{Name: "field_id", Type: One2many, Comodel: "ir.model.fields", Inverse: "model_id", String: "Fields"}),
			},
		},
		{
			Name: "ir.model.fields", Description: "Fields", Order: "name", RecName: "field_description", Source: "builtin",
			Fields: []Field{
				ro(Field{Name: "name", Type: Char, String: "Field Name", Required: true, Index: true}),
				ro(Field{Name: "complete_name", Type: Char, String: "Complete Name", Index: true}),
				ro(Field{Name: "model", Type: Char, String: "Model Name", Required: true, Index: true}),
				ro(Field{Name: "model_id", Type: Many2one, Comodel: "ir.model", String: "Model", Required: true, OnDelete: Cascade, Index: true}),
				ro(Field{Name: "field_description", Type: Char, String: "Field Label", Required: true}),
				ro(Field{Name: "help", Type: Text, String: "Field Help"}),
				ro(Field{Name: "ttype", Type: Selection, String: "Field Type", Required: true, Selection: types}),
				ro(Field{Name: "relation", Type: Char, String: "Related Model"}),
				ro(Field{Name: "relation_field", Type: Char, String: "Relation Field"}),
				ro(Field{Name: "relation_table", Type: Char, String: "Relation Table"}),
				ro(Field{Name: "column1", Type: Char, String: "Column 1"}),
				ro(Field{Name: "column2", Type: Char, String: "Column 2"}),
				ro(Field{Name: "required", Type: Boolean, String: "Required"}),
				ro(Field{Name: "readonly", Type: Boolean, String: "Readonly"}),
				ro(Field{Name: "index", Type: Boolean, String: "Indexed"}),
				ro(Field{Name: "store", Type: Boolean, String: "Stored"}),
				ro(Field{Name: "copied", Type: Boolean, String: "Copied"}),
				ro(Field{Name: "size", Type: Integer, String: "Size"}),
				ro(Field{Name: "on_delete", Type: Char, String: "On Delete"}),
				ro(Field{Name: "groups_xmlids", Type: Char, String: "Groups"}),
				ro(Field{Name: "selection", Type: Text, String: "Selection Options"}),
				ro(Field{Name: "state", Type: Selection, String: "Type", Selection: [][2]string{{"manual", "Custom Field"}, {"base", "Base Field"}}, Default: "base"}),
			},
		},
		{
			Name: "ir.model.data", Description: "Model Data", Order: "module, model, name", RecName: "complete_name", Source: "builtin",
			Fields: []Field{
				ro(Field{Name: "name", Type: Char, String: "External Identifier", Required: true, Index: true}),
				ro(Field{Name: "complete_name", Type: Char, String: "Complete ID"}),
				ro(Field{Name: "module", Type: Char, String: "Module", Required: true, Index: true}),
				ro(Field{Name: "model", Type: Char, String: "Model Name", Required: true}),
				ro(Field{Name: "res_id", Type: Integer, String: "Record ID"}),
				ro(Field{Name: "noupdate", Type: Boolean, String: "Non Updatable"}),
			},
		},
	}
}

// ExternalID is one ir.model.data entry: module.name → model, res_id.
type ExternalID struct {
	Module, Name, Model string
	ResID               int64
}

// ReflectionOptions says where ir.model.data's entries come from besides
// the models and fields.
type ReflectionOptions struct {
	// Groups adds the groups of the res_groups table (package identity's)
	// under their external ids.
	Groups bool
	// Extra are more external ids (records loaded from data files).
	Extra []ExternalID
}

// moduleOf is the module a model's external id lives in: base for the
// built-ins, else the model name's first part (sale.order → sale), which
// is Odoo's own module for its standard models.
func moduleOf(m *Meta) string {
	if m.Source == "builtin" {
		return "base"
	}
	if i := strings.IndexByte(m.Name, '.'); i > 0 {
		return m.Name[:i]
	}
	return m.Name
}

// SyncData writes the registry's derived and declared rows, in one
// transaction: ir.model, ir.model.fields and ir.model.data rewritten from
// the registry (ids follow the registration and field order, so that two
// instances starting together write the same rows), and the counters of
// the declared sequences created when missing (never reset).
func (r *Registry) SyncData(ctx context.Context, db *store.DB, o ReflectionOptions) error {
	err := db.Write(ctx, func(tx *store.Tx) error {
		if err := syncSequences(ctx, tx, r.sequences()); err != nil {
			return err
		}
		iso, ierr := syncISO(ctx, tx)
		if ierr != nil {
			return ierr
		}
		s := &reflSync{ctx: ctx, tx: tx, now: r.now().Format("2006-01-02 15:04:05")}
		for _, t := range []string{"ir_model_data", "ir_model_fields", "ir_model"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+tx.Dialect().QuoteIdent(t)); err != nil {
				return err
			}
		}
		var data []ExternalID
		var fieldID int64
		for i, name := range r.names {
			m := r.models[name]
			mid := int64(i + 1)
			mod := moduleOf(m)
			if err := s.insert("ir_model", []string{"id", "name", "model", "order", "state", "transient", "abstract", "modules"},
				mid, m.Description, m.Name, m.Order, "base", false, false, mod); err != nil {
				return err
			}
			data = append(data, ExternalID{mod, "model_" + m.Table, "ir.model", mid})
			for _, f := range m.list {
				fieldID++
				if err := s.insert("ir_model_fields", fieldColumns, fieldRow(fieldID, mid, m, f)...); err != nil {
					return err
				}
				data = append(data, ExternalID{mod, "field_" + m.Table + "__" + f.Name, "ir.model.fields", fieldID})
			}
		}
		if o.Groups {
			groups, err := groupIDs(ctx, tx)
			if err != nil {
				return err
			}
			data = append(data, groups...)
		}
		main, err := firstID(ctx, tx, "res_company")
		if err != nil {
			return err
		}
		if main > 0 {
			data = append(data, ExternalID{"base", "main_company", "res.company", main})
		}
		data = append(data, iso...)
		data = append(data, o.Extra...)
		seen := map[string]bool{}
		for i, x := range data {
			key := x.Module + "." + x.Name
			if seen[key] {
				continue // the first declaration wins, as Odoo's xmlid unicity
			}
			seen[key] = true
			if err := s.insert("ir_model_data", []string{"id", "name", "complete_name", "module", "model", "res_id", "noupdate"},
				int64(i+1), x.Name, key, x.Module, x.Model, x.ResID, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(errs.Internal, err, "")
	}
	return nil
}

var fieldColumns = []string{"id", "name", "complete_name", "model", "model_id", "field_description", "help", "ttype",
	"relation", "relation_field", "relation_table", "column1", "column2", "required", "readonly", "index", "store",
	"copied", "size", "on_delete", "groups_xmlids", "selection", "state"}

func fieldRow(id, mid int64, m *Meta, f *Field) []any {
	var sel []string
	for _, s := range f.Selection {
		sel = append(sel, "('"+s[0]+"', '"+strings.ReplaceAll(s[1], "'", "\\'")+"')")
	}
	selection := ""
	if len(sel) > 0 {
		selection = "[" + strings.Join(sel, ", ") + "]"
	}
	return []any{id, f.Name, m.Name + "," + f.Name, m.Name, mid, f.Label(), nullStr(f.Help), f.Type,
		nullStr(f.Comodel), nullStr(f.Inverse), nullStr(f.Relation), nullStr(f.Column1), nullStr(f.Column2),
		f.Required, f.Readonly || f.Magic, f.Index, f.Stored() || f.X2many(), !f.Magic && f.Type != One2many,
		int64(f.Size), nullStr(f.OnDelete), nullStr(f.Groups), nullStr(selection), "base"}
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type reflSync struct {
	ctx context.Context
	tx  *store.Tx
	now string
}

func (s *reflSync) insert(table string, cols []string, vals ...any) error {
	d := s.tx.Dialect()
	q := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		q = append(q, d.QuoteIdent(c))
	}
	q = append(q, "create_date", "write_date")
	vals = append(vals, s.now, s.now)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	_, err := s.tx.Exec(s.ctx, "INSERT INTO "+d.QuoteIdent(table)+" ("+strings.Join(q, ", ")+") VALUES ("+marks+")", vals...)
	return err
}

// groupIDs are package identity's groups, by external id.
func groupIDs(ctx context.Context, tx *store.Tx) ([]ExternalID, error) {
	rows, err := tx.Query(ctx, "SELECT id, xmlid FROM res_groups ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExternalID
	for rows.Next() {
		var id int64
		var xmlid string
		if err := rows.Scan(&id, &xmlid); err != nil {
			return nil, err
		}
		if mod, name, ok := strings.Cut(xmlid, "."); ok {
			out = append(out, ExternalID{mod, name, "res.groups", id})
		}
	}
	return out, rows.Err()
}

func firstID(ctx context.Context, tx *store.Tx, table string) (int64, error) {
	var id *int64
	if err := tx.QueryRow(ctx, "SELECT min(id) FROM "+tx.Dialect().QuoteIdent(table)).Scan(&id); err != nil {
		return 0, err
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// XMLIDLookup resolves module.name through ir.model.data, without access
// checks (Odoo's _xmlid_lookup): the model and id, or errs.UserError
// "External ID not found in the system".
func (e *Env) XMLIDLookup(xmlid string) (string, int64, error) {
	mod, name, ok := strings.Cut(xmlid, ".")
	if !ok || mod == "" || name == "" {
		return "", 0, errs.Ef(errs.UserError, "External ID not found in the system: %s", clip(xmlid))
	}
	tx, err := e.Tx()
	if err != nil {
		return "", 0, err
	}
	var model string
	var id int64
	err = tx.QueryRow(e.ctx, "SELECT model, res_id FROM ir_model_data WHERE module = ? AND name = ?", mod, name).Scan(&model, &id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", 0, errs.Ef(errs.UserError, "External ID not found in the system: %s", clip(xmlid))
		}
		return "", 0, dbError(tx, err)
	}
	return model, id, nil
}

func clip(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
