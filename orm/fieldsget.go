package orm

// FieldsGet describes the fields the user may see, as Odoo's fields_get:
// field name → attributes (string, type, help, required, readonly, store,
// sortable, searchable, relation, relation_field, selection, size,
// context, domain, depends, ...). fields limits the fields (unknown and
// hidden names are skipped, as Odoo does); attributes limits the keys.
func (m *Model) FieldsGet(fields, attributes []string) (map[string]map[string]any, error) {
	// Like Odoo's, fields_get needs no ACL: only field groups filter it.
	if err := m.env.usable(); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	out := map[string]map[string]any{}
	for _, f := range m.meta.list {
		if len(want) > 0 && !want[f.Name] || !m.fieldAllowed(m.meta, f) {
			continue
		}
		desc := describeField(f)
		if len(attributes) > 0 {
			kept := make(map[string]any, len(attributes))
			for _, a := range attributes {
				if v, ok := desc[a]; ok {
					kept[a] = v
				}
			}
			desc = kept
		}
		out[f.Name] = desc
	}
	return out, nil
}

func describeField(f *Field) map[string]any {
	stored := f.Stored() || f.X2many()
	d := map[string]any{
		"name":              f.Name,
		"string":            f.Label(),
		"type":              f.Type,
		"required":          f.Required,
		"readonly":          f.Readonly || f.Magic,
		"store":             stored,
		"sortable":          f.Stored(),
		"searchable":        true,
		"manual":            false,
		"company_dependent": false,
		"change_default":    false,
		"context":           map[string]any{},
		"domain":            []any{},
		"depends":           []string{},
	}
	if f.Help != "" {
		d["help"] = f.Help
	}
	// Odoo 19's grouping attributes: numbers sum by default; groupable
	// says exactly what read_group accepts (stored columns other than
	// text and json, and many2many fields).
	d["aggregator"] = nil
	if agg := defaultAggregator(f); agg != "" {
		d["aggregator"] = agg
	}
	d["groupable"] = groupable(f)
	if f.Relational() {
		d["relation"] = f.Comodel
	}
	if f.Type == One2many {
		d["relation_field"] = f.Inverse
	}
	if f.Type == Selection {
		sel := make([][2]string, len(f.Selection))
		copy(sel, f.Selection)
		d["selection"] = sel
	}
	if f.Type == Char && f.Size > 0 {
		d["size"] = f.Size
	}
	if f.Type == Many2many {
		d["relation_table"] = f.Relation
		d["column1"], d["column2"] = f.Column1, f.Column2
	}
	if f.Name == "display_name" {
		d["depends"] = []string{}
		d["store"], d["sortable"] = false, false
	}
	return d
}
