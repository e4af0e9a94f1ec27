package rampart_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/rampart/rampart/orm"
)

// fuzzTarget is a served demo with the records the fuzzer writes to.
type fuzzTarget struct {
	name   string
	d      demo
	key    string
	ids    map[string]int64 // a record per model, owned by the caller
	fields []fuzzField      // every writable field of the models, all types
}

type fuzzField struct{ model, name, typ string }

var fuzzModels = []string{"sale.order", "sale.order.line", "res.partner", "product.product"}

func newFuzzTarget(tb testing.TB, name string, pg bool) fuzzTarget {
	d := startDemoWith(tb, pg, nil)
	ft := fuzzTarget{name: name, d: d, key: d.app.DemoKeys["bob"], ids: map[string]int64{}}
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{ReadOnly: true})
	defer env.Finish(nil)
	su := env.Sudo("fuzz fixture")
	for _, model := range fuzzModels {
		m, err := su.Model(model)
		if err != nil {
			tb.Fatal(err)
		}
		ids, err := m.Search(nil, orm.SearchOptions{Limit: 1, Order: "id"})
		if err != nil || len(ids) == 0 {
			tb.Fatalf("no %s: %v", model, err)
		}
		ft.ids[model] = ids[0]
		fg, err := m.FieldsGet(nil, []string{"type", "readonly"})
		if err != nil {
			tb.Fatal(err)
		}
		var names []string
		for n := range fg {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ro, _ := fg[n]["readonly"].(bool); ro || n == "id" {
				continue
			}
			ft.fields = append(ft.fields, fuzzField{model, n, fg[n]["type"].(string)})
		}
	}
	return ft
}

func (ft fuzzTarget) post(t *testing.T, model, method string, body any) (int, any, string) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ft.d.url+"/json/2/"+model+"/"+method, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ft.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	raw, _ := json.Marshal(nil)
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err == nil {
		raw, _ = json.Marshal(out)
	}
	return resp.StatusCode, out, string(raw)
}

// state is the record as the superuser reads it, without write_date.
func (ft fuzzTarget) state(t *testing.T, model string, id int64) string {
	t.Helper()
	env := orm.NewEnv(context.Background(), ft.d.app.Registry, ft.d.app.DB, nil, orm.EnvOptions{ReadOnly: true})
	defer env.Finish(nil)
	m, _ := env.Sudo("fuzz: read back").WithContext(map[string]any{"active_test": false}).Model(model)
	rows, err := m.Read([]int64{id}, nil)
	if err != nil {
		return "error: " + err.Error()
	}
	for _, r := range rows {
		delete(r, "write_date")
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

// FuzzJSON2Values sends a value (the fuzzer's bytes: JSON when they parse,
// else a string) for a field of any type of the demo models through JSON-2
// as a write, a create and a search domain value, to the wired server
// (SQLite; PostgreSQL too when RAMPART_TEST_POSTGRES is set). Never a 5xx;
// a refused write or create changes nothing; an accepted write of a text
// value reads back as written; the stored totals stay consistent. `go test`
// runs the seed corpus.
func FuzzJSON2Values(f *testing.F) {
	seeds := []string{
		`"a\u0000b"`, `1e308`, `-1e308`, `5e-324`, `9007199254740993`, `-1`, `0`, `true`, `false`, `null`,
		`"0000-01-01"`, `"0000-01-01 00:00:00"`, `"9999-12-31 23:59:59"`, `"2026-02-30"`, `"2026-01-01T10:00:00+14:00"`,
		`"` + strings.Repeat("%_", 30000) + `"`, `"\xff\xfe"`, `[0, 0, {"name": "x\u0000"}]`,
		`[[0, 0, {"price_unit": 1e308, "name": "n"}]]`, `[[6, 0, [1, 2, 1152921504606846976]]]`, `[[2, 1], [3, 2]]`,
		`{"a": [1, "b", null]}`, `[true, false, null, "x"]`, `"draft"`, `"sale"`, `"plain text"`, `[1, "name"]`, `not json`,
	}
	for i, s := range seeds {
		f.Add(uint16(i*7), uint8(i), []byte(s))
	}
	targets := []fuzzTarget{newFuzzTarget(f, "sqlite", false)}
	if os.Getenv("RAMPART_TEST_POSTGRES") != "" {
		targets = append(targets, newFuzzTarget(f, "postgres", true))
	}
	ops := []string{"=", "!=", "<", ">=", "in", "not in", "like", "ilike", "=like", "child_of", "parent_of", "any", "=?"}
	f.Fuzz(func(t *testing.T, sel uint16, op uint8, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			v = string(raw)
		}
		for _, ft := range targets {
			fld := ft.fields[int(sel)%len(ft.fields)]
			id := ft.ids[fld.model]
			what := ft.name + " " + fld.model + "." + fld.name + " (" + fld.typ + ")"

			// write
			before := ft.state(t, fld.model, id)
			st, _, body := ft.post(t, fld.model, "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{fld.name: v}})
			after := ft.state(t, fld.model, id)
			switch {
			case st >= 500 || st == 0:
				t.Fatalf("%s write %.200q: %d %.300s", what, raw, st, body)
			case st != http.StatusOK && before != after:
				t.Fatalf("%s: refused write (%d) changed the record:\n%.500s\n%.500s", what, st, before, after)
			case st == http.StatusOK && (fld.typ == "char" || fld.typ == "text"):
				if s, ok := v.(string); ok && s != "" {
					var rows []map[string]any
					json.Unmarshal([]byte(after), &rows)
					if len(rows) == 1 && rows[0][fld.name] != s {
						t.Fatalf("%s: wrote %.100q, read back %.100v", what, s, rows[0][fld.name])
					}
				}
			}

			// create
			st, res, body := ft.post(t, fld.model, "create", map[string]any{"vals_list": []any{map[string]any{fld.name: v}}})
			if st >= 500 || st == 0 {
				t.Fatalf("%s create %.200q: %d %.300s", what, raw, st, body)
			}
			if st == http.StatusOK {
				l, _ := res.([]any)
				if len(l) != 1 {
					t.Fatalf("%s create answered %.300s", what, body)
				}
				n, _ := l[0].(json.Number).Int64()
				if s := ft.state(t, fld.model, n); !strings.HasPrefix(s, "[{") {
					t.Fatalf("%s: created record %d cannot be read back: %s", what, n, s)
				}
			}

			// search
			st, res, body = ft.post(t, fld.model, "search_count", map[string]any{"domain": []any{[]any{fld.name, ops[int(op)%len(ops)], v}}})
			if st >= 500 || st == 0 {
				t.Fatalf("%s search %s %.200q: %d %.300s", what, ops[int(op)%len(ops)], raw, st, body)
			}
			if st == http.StatusOK {
				if n, ok := res.(json.Number); !ok || strings.Contains(n.String(), "-") {
					t.Fatalf("%s search_count answered %.300s", what, body)
				}
			}
			ft.checkTotals(t, what)
		}
	})
}

// checkTotals asserts the stored computation: every order's total is the
// sum of its lines' subtotals (to the cent).
func (ft fuzzTarget) checkTotals(t *testing.T, what string) {
	t.Helper()
	env := orm.NewEnv(context.Background(), ft.d.app.Registry, ft.d.app.DB, nil, orm.EnvOptions{ReadOnly: true})
	defer env.Finish(nil)
	su := env.Sudo("fuzz: totals")
	orders, _ := su.Model("sale.order")
	rows, err := orders.SearchRead(nil, []string{"amount_total", "order_line"}, orm.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := su.Model("sale.order.line")
	for _, o := range rows {
		ids := o["order_line"].([]int64)
		sum := 0.0
		if len(ids) > 0 {
			ls, err := lines.Read(ids, []string{"price_subtotal"})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				sum += l["price_subtotal"].(float64)
			}
		}
		if total := o["amount_total"].(float64); math.Abs(total-sum) > 0.005+1e-12*math.Abs(sum) {
			t.Fatalf("after %s: order %v total %v, lines sum to %v", what, o["id"], total, sum)
		}
	}
}
