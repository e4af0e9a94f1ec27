package odoorpc

import "slices"

// Odoo 19's read variants beyond read itself: the load argument of
// read/search_read, web_read and web_search_read with their
// specification format (addons/web/models/models.py), and search_fetch.

// readMethods are the built-in methods of this file, merged into
// builtinMethods.
func readMethods() map[string]*Method {
	return map[string]*Method{
		"web_read": {Name: "web_read", Op: "read", Params: []Param{{Name: "specification", Required: true}}, Fn: doWebRead},
		"web_search_read": {Name: "web_search_read", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "specification", Required: true}, {Name: "offset", Default: int64(0)},
			{Name: "limit"}, {Name: "order"}, {Name: "count_limit"}}, Fn: doWebSearchRead},
		"search_fetch": {Name: "search_fetch", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "field_names"}, {Name: "offset", Default: int64(0)},
			{Name: "limit"}, {Name: "order"}}, Fn: doSearchFetch},
	}
}

// classicRead reports whether a read's load argument asks for many2one
// values as [id, display_name]: only '_classic_read' does; anything else
// ('_classic_write', None, False) gives the bare id, as Odoo's
// _read_format(load=...) does.
func classicRead(load any) bool { s, _ := load.(string); return s == "_classic_read" }

// fieldTypes is the model's field name → type and relation, as
// fields_get reports them to the caller.
func fieldTypes(m Model) (map[string]map[string]any, error) {
	return m.FieldsGet(nil, []string{"type", "relation"})
}

func fieldType(ft map[string]map[string]any, name string) (typ, relation string) {
	d := ft[name]
	typ, _ = d["type"].(string)
	relation, _ = d["relation"].(string)
	return typ, relation
}

// idLoader turns a record's many2one [id, name] pairs into bare ids (nil:
// m has no many2one).
func idLoader(m Model) (func(map[string]any), error) {
	ft, err := fieldTypes(m)
	if err != nil {
		return nil, err
	}
	m2o := map[string]bool{}
	for name := range ft {
		if t, _ := fieldType(ft, name); t == "many2one" {
			m2o[name] = true
		}
	}
	if len(m2o) == 0 {
		return nil, nil
	}
	return func(r map[string]any) {
		for k, v := range r {
			if pair, ok := v.([]any); ok && len(pair) == 2 && m2o[k] {
				r[k] = pair[0]
			}
		}
	}, nil
}

// webRead is Odoo 19's web_read(specification) on ids of m: a read with
// load=None, then per relational field of the specification: a many2one
// with "fields" becomes a dict read from its comodel (display_name
// through the many2one's own name), an x2many with "fields" a list of
// dicts, "order" re-sorts an x2many's ids, "limit" reads only the first
// ids of each, "context" applies to the comodel.
func webRead(d Data, m Model, ids []int64, spec map[string]any) ([]map[string]any, error) {
	names := make([]string, 0, len(spec))
	for k := range spec {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) == 0 || len(names) == 1 && names[0] == "id" {
		out := make([]map[string]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"id": id}
		}
		return out, nil
	}
	recs, err := m.Read(ids, names)
	if err != nil || len(recs) == 0 {
		return recs, err
	}
	ft, err := fieldTypes(m)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		fs, ok := spec[name].(map[string]any)
		if !ok && spec[name] != nil {
			return nil, typeError("web_read(): the specification of '%s' must be a dictionary", clipName(name))
		}
		typ, rel := fieldType(ft, name)
		switch typ {
		case "many2one":
			err = webReadMany2one(d, recs, name, rel, fs)
		case "one2many", "many2many":
			err = webReadX2many(d, recs, name, rel, fs)
		}
		if err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// subModel is the comodel rel under a field specification's "context",
// if any.
func subModel(d Data, fs map[string]any, rel string) (Data, Model, error) {
	if c, ok := fs["context"]; ok {
		ctx, isMap := c.(map[string]any)
		if !isMap {
			return nil, nil, typeError("web_read(): a field specification's 'context' must be a dictionary")
		}
		d = d.WithContext(ctx)
	}
	co, err := d.Model(rel)
	return d, co, err
}

func subSpec(fs map[string]any) (map[string]any, bool, error) {
	v, ok := fs["fields"]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return map[string]any{}, true, nil
	}
	sub, isMap := v.(map[string]any)
	if !isMap {
		return nil, false, typeError("web_read(): a field specification's 'fields' must be a dictionary")
	}
	return sub, true, nil
}

func webReadMany2one(d Data, recs []map[string]any, name, rel string, fs map[string]any) error {
	sub, hasFields, err := subSpec(fs)
	if err != nil {
		return err
	}
	names := map[int64]any{}
	var ids []int64
	for _, r := range recs {
		pair, ok := r[name].([]any)
		if !ok || len(pair) != 2 {
			continue
		}
		id, _ := pair[0].(int64)
		r[name] = id
		if _, seen := names[id]; !seen {
			ids = append(ids, id)
		}
		names[id] = pair[1]
	}
	if !hasFields || len(ids) == 0 {
		return nil
	}
	extra := make(map[string]any, len(sub))
	for k, v := range sub {
		if k != "display_name" {
			extra[k] = v
		}
	}
	cd, co, err := subModel(d, fs, rel)
	if err != nil {
		return err
	}
	rows, err := webRead(cd, co, ids, extra)
	if err != nil {
		return err
	}
	byID := make(map[int64]map[string]any, len(rows))
	for _, row := range rows {
		id, _ := row["id"].(int64)
		if _, want := sub["display_name"]; want {
			// Odoo reads the name with sudo: it is the many2one's own.
			row["display_name"] = names[id]
		}
		byID[id] = row
	}
	for _, r := range recs {
		if id, ok := r[name].(int64); ok {
			r[name] = byID[id]
		}
	}
	return nil
}

func webReadX2many(d Data, recs []map[string]any, name, rel string, fs map[string]any) error {
	if len(fs) == 0 {
		return nil
	}
	sub, hasFields, err := subSpec(fs)
	if err != nil {
		return err
	}
	cd, co, err := subModel(d, fs, rel)
	if err != nil {
		return err
	}
	if order, _ := fs["order"].(string); order != "" {
		if err := sortX2many(cd, rel, recs, name, order); err != nil {
			return err
		}
	}
	if !hasFields {
		return nil
	}
	limit := -1
	if l, ok := fs["limit"]; ok && l != nil {
		n, err := argLimit("web_read", "limit", l)
		if err != nil {
			return err
		}
		limit = n
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, r := range recs {
		l, _ := r[name].([]int64)
		if limit >= 0 && len(l) > limit {
			l = l[:limit]
		}
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	byID := map[int64]map[string]any{}
	if len(ids) > 0 {
		rows, err := webRead(cd, co, ids, sub)
		if err != nil {
			return err
		}
		for _, row := range rows {
			id, _ := row["id"].(int64)
			byID[id] = row
		}
	}
	for _, r := range recs {
		l, _ := r[name].([]int64)
		out := make([]any, len(l))
		for i, id := range l {
			if row := byID[id]; row != nil {
				out[i] = row
			} else {
				out[i] = map[string]any{"id": id}
			}
		}
		r[name] = out
	}
	return nil
}

// sortX2many orders each record's x2many ids by order, as Odoo's
// search([('id', 'in', ids)], order=...) with active_test off.
func sortX2many(d Data, rel string, recs []map[string]any, name, order string) error {
	var all []any
	for _, r := range recs {
		l, _ := r[name].([]int64)
		for _, id := range l {
			all = append(all, id)
		}
	}
	if len(all) == 0 {
		return nil
	}
	co, err := d.WithContext(map[string]any{"active_test": false}).Model(rel)
	if err != nil {
		return err
	}
	sorted, err := co.Search([]any{[]any{"id", "in", all}}, 0, 0, order)
	if err != nil {
		return err
	}
	pos := make(map[int64]int, len(sorted))
	for i, id := range sorted {
		pos[id] = i
	}
	for _, r := range recs {
		l, _ := r[name].([]int64)
		kept := make([]int64, 0, len(l))
		for _, id := range l {
			if _, ok := pos[id]; ok {
				kept = append(kept, id)
			}
		}
		slices.SortFunc(kept, func(a, b int64) int { return pos[a] - pos[b] })
		r[name] = kept
	}
	return nil
}

func argSpec(c *Call) (map[string]any, error) {
	v := c.Args["specification"]
	if v == nil {
		return map[string]any{}, nil
	}
	spec, ok := v.(map[string]any)
	if !ok {
		return nil, typeError("%s(): argument 'specification' must be a dictionary", c.qual())
	}
	return spec, nil
}

func doWebRead(c *Call) (any, error) {
	spec, err := argSpec(c)
	a := &args{c: c, err: err}
	return a.run(func(m Model) (any, error) { return webRead(c.Data, m, c.IDs, spec) })
}

func doWebSearchRead(c *Call) (any, error) {
	spec, err := argSpec(c)
	a := &args{c: c, err: err}
	dom, offset, limit, order, countLimit := a.domain("domain"), a.offset(), a.limit("limit"), a.str("order"), a.limit("count_limit")
	return a.run(func(m Model) (any, error) {
		ids, err := m.Search(dom, offset, limit, order)
		if err != nil {
			return nil, err
		}
		recs, err := webRead(c.Data, m, ids, spec)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return map[string]any{"length": 0, "records": []any{}}, nil
		}
		// Odoo's _format_web_search_read_results.
		length := int64(len(recs) + offset)
		force := argBool(c.Context["force_search_count"])
		countReached := countLimit > 0 && int64(countLimit) <= length
		if limit > 0 && (len(recs) == limit && !countReached || force) {
			if length, err = m.SearchCount(dom, countLimit); err != nil {
				return nil, err
			}
		}
		return map[string]any{"length": length, "records": recs}, nil
	})
}

// doSearchFetch is search_fetch: a search whose records are fetched with
// field_names; over the wire the recordset is its ids. The fields are
// checked as a read of them would be.
func doSearchFetch(c *Call) (any, error) {
	a := &args{c: c}
	dom, fields, offset, limit, order := a.domain("domain"), a.strs("field_names"), a.offset(), a.limit("limit"), a.str("order")
	return a.run(func(m Model) (any, error) {
		ids, err := m.Search(dom, offset, limit, order)
		if err != nil || len(ids) == 0 {
			return ids, err
		}
		if len(fields) > 0 {
			if _, err := m.Read(ids[:1], fields); err != nil {
				return nil, err
			}
		}
		return ids, nil
	})
}
