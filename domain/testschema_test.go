package domain

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart/rampart/store"
)

// testModel is a hand-written ModelInfo.
type testModel struct {
	name, table, parent, recName string
	fields                       map[string]*Field
	order                        []string // field declaration order, for DDL
}

func (m *testModel) Name() string        { return m.name }
func (m *testModel) Table() string       { return m.table }
func (m *testModel) ParentField() string { return m.parent }
func (m *testModel) RecName() string     { return m.recName }
func (m *testModel) Field(name string) (*Field, bool) {
	f, ok := m.fields[name]
	return f, ok
}

type testSchema map[string]*testModel

func (s testSchema) Model(name string) (ModelInfo, bool) {
	m, ok := s[name]
	if !ok {
		return nil, false
	}
	return m, true
}

func newModel(name, parent string, fields ...*Field) *testModel {
	m := &testModel{name: name, table: strings.ReplaceAll(name, ".", "_"), parent: parent, recName: "name",
		fields: map[string]*Field{"id": {Name: "id", Type: Integer, Column: "id", Required: true}}}
	for _, f := range fields {
		switch {
		case f.Column == "-": // not stored
			f.Column = ""
		case f.Column == "" && f.Type != One2many && f.Type != Many2many:
			f.Column = f.Name
		}
		m.fields[f.Name] = f
		m.order = append(m.order, f.Name)
	}
	return m
}

// salesSchema is a small sales model: partners with a hierarchy and
// categories, orders with every field type, order lines.
func salesSchema() testSchema {
	s := testSchema{}
	add := func(m *testModel) { s[m.name] = m }
	add(newModel("res.partner.category", "parent_id",
		&Field{Name: "name", Type: Char, Required: true},
		&Field{Name: "parent_id", Type: Many2one, Comodel: "res.partner.category"},
	))
	add(newModel("res.partner", "parent_id",
		&Field{Name: "name", Type: Char, Required: true},
		&Field{Name: "ref", Type: Char},
		&Field{Name: "display_name", Type: Char, Column: "-"},
		&Field{Name: "color", Type: Integer},
		&Field{Name: "is_company", Type: Boolean},
		&Field{Name: "parent_id", Type: Many2one, Comodel: "res.partner"},
		&Field{Name: "child_ids", Type: One2many, Comodel: "res.partner", Inverse: "parent_id"},
		&Field{Name: "category_ids", Type: Many2many, Comodel: "res.partner.category",
			RelTable: "res_partner_category_rel", RelColumn: "partner_id", RelComodelColumn: "category_id"},
	))
	add(newModel("sale.order", "",
		&Field{Name: "name", Type: Char, Required: true},
		&Field{Name: "note", Type: Text},
		&Field{Name: "partner_id", Type: Many2one, Comodel: "res.partner"},
		&Field{Name: "qty", Type: Integer},
		&Field{Name: "amount", Type: Float},
		&Field{Name: "total", Type: Monetary},
		&Field{Name: "confirmed", Type: Boolean},
		&Field{Name: "date_order", Type: Date},
		&Field{Name: "validity", Type: Datetime},
		&Field{Name: "state", Type: Selection, Selection: []string{"draft", "sent", "sale", "cancel"}},
		&Field{Name: "data", Type: JSON},
		&Field{Name: "amount_untaxed", Type: Float, Column: "-"}, // computed, not stored
		&Field{Name: "line_ids", Type: One2many, Comodel: "sale.order.line", Inverse: "order_id"},
		&Field{Name: "tag_ids", Type: Many2many, Comodel: "res.partner.category",
			RelTable: "sale_order_tag_rel", RelColumn: "order_id", RelComodelColumn: "category_id"},
	))
	add(newModel("sale.order.line", "",
		&Field{Name: "order_id", Type: Many2one, Comodel: "sale.order", Required: true},
		&Field{Name: "name", Type: Char},
		&Field{Name: "price", Type: Float},
		&Field{Name: "product_qty", Type: Integer},
	))
	return s
}

// createTables creates the schema's tables with plain SQL (no foreign keys:
// the test inserts rows in any order).
func createTables(t testing.TB, db *store.DB, s testSchema, models ...string) {
	t.Helper()
	d := db.Dialect
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for _, name := range models {
			m := s[name]
			cols := []string{d.QuoteIdent("id") + " " + d.AutoID()}
			for _, fn := range m.order {
				f := m.fields[fn]
				switch {
				case f.Type == One2many, f.Column == "" && f.Type != Many2many:
					continue
				case f.Type == Many2many:
					if _, err := tx.Exec(context.Background(), fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s %s NOT NULL, %s %s NOT NULL)",
						d.QuoteIdent(f.RelTable), d.QuoteIdent(f.RelColumn), d.ColumnType(store.TInteger),
						d.QuoteIdent(f.RelComodelColumn), d.ColumnType(store.TInteger))); err != nil {
						return err
					}
					continue
				}
				c := d.QuoteIdent(f.Column) + " " + d.ColumnType(ColumnType(f.Type))
				if f.Required {
					c += " NOT NULL"
				}
				cols = append(cols, c)
			}
			if _, err := tx.Exec(context.Background(), "CREATE TABLE "+d.QuoteIdent(m.table)+" ("+strings.Join(cols, ", ")+")"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create tables: %v", err)
	}
}
