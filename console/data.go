package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
)

// The data pages read records through the request's Env: the same ACLs,
// record rules, field groups and company checks as JSON-2's search_read,
// so the console can never show more than the API would.

type dataModelsData struct{ Models []string }

func (c *Console) dataModels(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, false)
	if p == nil {
		return redirect, err
	}
	var names []string
	for _, m := range c.o.Registry.Models() {
		// Only models the user's ACLs let them read (the same check as
		// every API call's first step).
		if c.o.Registry.Policy().CheckModel(r.Env, m, orm.OpRead) == nil {
			names = append(names, m)
		}
	}
	slices.Sort(names)
	return c.render(r, http.StatusOK, "data", view{Title: "Data", Nav: "data", Data: dataModelsData{Models: names}})
}

type dataModelData struct {
	Model   string
	Fields  []string
	Rows    [][]string
	Count   int64
	Shown   int
	Offset  int
	Next    int
	HasNext bool
}

const dataPage = 50

func (c *Console) dataModel(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, false)
	if p == nil {
		return redirect, err
	}
	name := r.HTTP.PathValue("model")
	m, err := r.Env.Model(name)
	if err != nil {
		return nil, err
	}
	offset := 0
	if _, err := fmt.Sscan(r.HTTP.URL.Query().Get("offset"), &offset); err != nil || offset < 0 {
		offset = 0
	}
	fg, err := m.FieldsGet(nil, []string{"type", "string"})
	if err != nil {
		return nil, err
	}
	// A readable, bounded set of columns: display_name and scalar fields
	// the user may read (FieldsGet already drops fields outside their
	// groups).
	fields := []string{"id"}
	for f, attrs := range fg {
		t, _ := attrs["type"].(string)
		switch t {
		case "char", "integer", "float", "monetary", "boolean", "date", "datetime", "selection", "many2one":
			if f != "id" && !strings.HasPrefix(f, "__") {
				fields = append(fields, f)
			}
		}
	}
	slices.Sort(fields[1:])
	if len(fields) > 9 {
		fields = fields[:9]
	}
	count, err := m.SearchCount(nil, 0)
	if err != nil {
		return nil, err
	}
	recs, err := m.SearchRead(nil, fields, orm.SearchOptions{Offset: offset, Limit: dataPage, Order: "id"})
	if err != nil {
		return nil, err
	}
	d := dataModelData{Model: name, Fields: fields, Count: count, Offset: offset, Shown: len(recs)}
	for _, rec := range recs {
		row := make([]string, len(fields))
		for i, f := range fields {
			row[i] = cell(rec[f])
		}
		d.Rows = append(d.Rows, row)
	}
	if int64(offset+len(recs)) < count {
		d.HasNext, d.Next = true, offset+dataPage
	}
	return c.render(r, http.StatusOK, "datamodel", view{Title: name, Nav: "data", Data: d})
}

// cell is a value as text: many2one as its display name, false as blank.
func cell(v any) string {
	switch x := v.(type) {
	case nil, bool:
		if b, ok := x.(bool); ok && b {
			return "yes"
		}
		return ""
	case []any:
		if len(x) == 2 {
			return fmt.Sprint(x[1])
		}
		return fmt.Sprint(x...)
	}
	return fmt.Sprint(v)
}
