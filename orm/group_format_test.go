package orm

import (
	"encoding/json"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestGroupFormats: the answers of formatted_read_group, read_group and
// web_read_group, key for key, as Odoo 19 formats them (labels, ranges,
// domains, count keys, lazy __context), on both databases.
func TestGroupFormats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		needCompiler(t, db, r)
		e := newEnv(t, db, r, admin)
		p := mustCreate(t, model(t, e, "res.partner"), map[string]any{"name": "Deco"})[0]
		m := model(t, e, "test.order")
		mustCreate(t, m,
			map[string]any{"name": "A", "state": "draft", "qty": 5, "date_order": "2026-01-31", "confirmed_at": "2026-02-02 10:00:00", "partner_id": p},
			map[string]any{"name": "B", "state": "done", "qty": 7, "date_order": "2026-02-01"})
		js := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		check := func(what string, got any, err error, want string) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if js(got) != want {
				t.Errorf("%s:\n got %s\nwant %s", what, js(got), want)
			}
		}
		got, err := m.FormattedReadGroup(nil, []string{"date_order:month"}, []string{"__count", "qty:sum"}, nil, 0, 0, "")
		check("month", got, err, `[{"__count":1,"__extra_domain":["\u0026",["date_order","\u003e=","2026-01-01"],["date_order","\u003c","2026-02-01"]],"date_order:month":["2026-01-01","January 2026"],"qty:sum":5},`+
			`{"__count":1,"__extra_domain":["\u0026",["date_order","\u003e=","2026-02-01"],["date_order","\u003c","2026-03-01"]],"date_order:month":["2026-02-01","February 2026"],"qty:sum":7}]`)
		got, err = m.FormattedReadGroup(nil, []string{"date_order:week"}, []string{"__count"}, nil, 0, 0, "")
		check("week", got, err, `[{"__count":2,"__extra_domain":["\u0026",["date_order","\u003e=","2026-01-26"],["date_order","\u003c","2026-02-02"]],"date_order:week":["2026-01-26","W5 2026"]}]`)
		got, err = m.FormattedReadGroup(nil, []string{"date_order:quarter", "date_order:year"}, []string{"__count"}, nil, 0, 0, "")
		check("quarter+year", got, err, `[{"__count":2,"__extra_domain":["\u0026","\u0026",["date_order","\u003e=","2026-01-01"],["date_order","\u003c","2026-04-01"],"\u0026",["date_order","\u003e=","2026-01-01"],["date_order","\u003c","2027-01-01"]],"date_order:quarter":["2026-01-01","Q1 2026"],"date_order:year":["2026-01-01","2026"]}]`)
		got, err = m.FormattedReadGroup([]any{[]any{"name", "=", "A"}}, []string{"confirmed_at:day", "partner_id"}, []string{"qty:max"}, nil, 0, 0, "")
		check("datetime day + many2one", got, err, `[{"__extra_domain":["\u0026","\u0026",["confirmed_at","\u003e=","2026-02-02 00:00:00"],["confirmed_at","\u003c","2026-02-03 00:00:00"],["partner_id","=",`+js(p)+`]],"confirmed_at:day":["2026-02-02 00:00:00","02 Feb 2026"],"partner_id":[`+js(p)+`,"Deco"],"qty:max":5}]`)
		got, err = m.FormattedReadGroup([]any{[]any{"name", "=", "B"}}, []string{"confirmed_at:day", "partner_id"}, []string{"id:array_agg", "price:sum"}, nil, 0, 0, "")
		check("unset keys", got, err, `[{"__extra_domain":["\u0026",["confirmed_at","=",false],["partner_id","=",false]],"confirmed_at:day":false,"id:array_agg":[2],"partner_id":false,"price:sum":0}]`)

		// read_group, lazy: the first groupby, <field>_count, __context.
		got, err = m.ReadGroup(nil, []string{"qty", "name"}, []string{"state", "partner_id"}, 0, 0, "", true)
		check("lazy", got, err, `[{"__context":{"group_by":["partner_id"]},"__domain":[["state","=","draft"]],"qty":5,"state":"draft","state_count":1},`+
			`{"__context":{"group_by":["partner_id"]},"__domain":[["state","=","done"]],"qty":7,"state":"done","state_count":1}]`)
		got, err = m.ReadGroup([]any{[]any{"qty", ">", 0}}, []string{"qty_max:max(qty)"}, []string{"state", "partner_id"}, 0, 0, "qty_max desc", false)
		check("eager", got, err, `[{"__count":1,"__domain":["\u0026","\u0026",["qty","\u003e",0],["state","=","done"],["partner_id","=",false]],"partner_id":false,"qty_max":7,"state":"done"},`+
			`{"__count":1,"__domain":["\u0026","\u0026",["qty","\u003e",0],["state","=","draft"],["partner_id","=",`+js(p)+`]],"partner_id":[`+js(p)+`,"Deco"],"qty_max":5,"state":"draft"}]`)
		got, err = m.ReadGroup(nil, []string{}, []string{"date_order"}, 0, 1, "date_order desc", true)
		check("date default month, __range", got, err, `[{"__domain":["\u0026",["date_order","\u003e=","2026-02-01"],["date_order","\u003c","2026-03-01"]],"__range":{"date_order":{"from":"2026-02-01","to":"2026-03-01"}},"date_order":"February 2026","date_order_count":1}]`)
		got, err = m.ReadGroup(nil, []string{"qty"}, nil, 0, 0, "", true)
		check("no groupby", got, err, `[{"__count":2,"__domain":[],"qty":12}]`)

		res, err := m.WebReadGroup(nil, []string{"state", "partner_id"}, []string{"qty:sum"}, 1, 0, "qty desc")
		check("web_read_group", res, err, `{"groups":[{"__count":1,"__extra_domain":[["state","=","done"]],"qty:sum":7,"state":"done"}],"length":2}`)
		res, err = m.WebReadGroup(nil, []string{"state"}, nil, 0, 1, "")
		check("web_read_group offset", res, err, `{"groups":[{"__count":1,"__extra_domain":[["state","=","done"]],"state":"done"}],"length":2}`)

		// A many2many: one group per linked record, then the records
		// linked to none; a dotted path: the linked record's value.
		tags := mustCreate(t, model(t, e, "test.tag"), map[string]any{"name": "T1"}, map[string]any{"name": "T2"})
		c := mustCreate(t, model(t, e, "res.company"), map[string]any{"name": "Acme"})[0]
		if err := model(t, e, "res.partner").Write([]int64{p}, map[string]any{"company_id": c}); err != nil {
			t.Fatal(err)
		}
		if err := m.Write([]int64{1}, map[string]any{"tag_ids": []any{[]any{int64(6), int64(0), []any{tags[0], tags[1]}}}}); err != nil {
			t.Fatal(err)
		}
		got, err = m.FormattedReadGroup(nil, []string{"tag_ids"}, []string{"__count", "qty:sum"}, nil, 0, 0, "")
		check("many2many", got, err, `[{"__count":1,"__extra_domain":[["tag_ids","=",`+js(tags[0])+`]],"qty:sum":5,"tag_ids":[`+js(tags[0])+`,"T1"]},`+
			`{"__count":1,"__extra_domain":[["tag_ids","=",`+js(tags[1])+`]],"qty:sum":5,"tag_ids":[`+js(tags[1])+`,"T2"]},`+
			`{"__count":1,"__extra_domain":[["tag_ids","not any",[[1,"=",1]]]],"qty:sum":7,"tag_ids":false}]`)
		got, err = m.FormattedReadGroup(nil, []string{"partner_id.company_id", "partner_id.name"}, []string{"__count"}, nil, 0, 0, "")
		check("path", got, err, `[{"__count":1,"__extra_domain":["\u0026",["partner_id.company_id","=",`+js(c)+`],["partner_id.name","=","Deco"]],"partner_id.company_id":[`+js(c)+`,"Acme"],"partner_id.name":"Deco"},`+
			`{"__count":1,"__extra_domain":["\u0026",["partner_id.company_id","=",false],["partner_id.name","=",false]],"partner_id.company_id":false,"partner_id.name":false}]`)
		lm := model(t, e, "test.line")
		mustCreate(t, lm, map[string]any{"order_id": int64(1), "name": "l1"}, map[string]any{"order_id": int64(2), "name": "l2"})
		got, err = lm.FormattedReadGroup(nil, []string{"order_id.date_order:month"}, []string{"__count"}, nil, 0, 0, "order_id.date_order:month desc")
		check("path to a date", got, err, `[{"__count":1,"__extra_domain":["\u0026",["order_id.date_order","\u003e=","2026-02-01"],["order_id.date_order","\u003c","2026-03-01"]],"order_id.date_order:month":["2026-02-01","February 2026"]},`+
			`{"__count":1,"__extra_domain":["\u0026",["order_id.date_order","\u003e=","2026-01-01"],["order_id.date_order","\u003c","2026-02-01"]],"order_id.date_order:month":["2026-01-01","January 2026"]}]`)
		got, err = lm.ReadGroup(nil, []string{}, []string{"order_id.date_order"}, 0, 1, "", false)
		check("read_group path, default month", got, err, `[{"__count":1,"__domain":["\u0026",["order_id.date_order","\u003e=","2026-01-01"],["order_id.date_order","\u003c","2026-02-01"]],"__range":{"order_id.date_order":{"from":"2026-01-01","to":"2026-02-01"}},"order_id.date_order":"January 2026"}]`)
		got, err = lm.FormattedReadGroup(nil, []string{"order_id.tag_ids"}, []string{"__count"}, nil, 0, 0, "")
		check("path to a many2many", got, err, `[{"__count":1,"__extra_domain":[["order_id.tag_ids","=",`+js(tags[0])+`]],"order_id.tag_ids":[`+js(tags[0])+`,"T1"]},`+
			`{"__count":1,"__extra_domain":[["order_id.tag_ids","=",`+js(tags[1])+`]],"order_id.tag_ids":[`+js(tags[1])+`,"T2"]},`+
			`{"__count":1,"__extra_domain":[["order_id.tag_ids","not any",[[1,"=",1]]]],"order_id.tag_ids":false}]`)

		// fields_get says what grouping accepts.
		fg, err := m.FieldsGet([]string{"qty", "note", "tag_ids", "state", "id"}, []string{"aggregator", "groupable"})
		check("fields_get", fg, err, `{"id":{"aggregator":null,"groupable":false},"note":{"aggregator":null,"groupable":false},"qty":{"aggregator":"sum","groupable":true},"state":{"aggregator":null,"groupable":true},"tag_ids":{"aggregator":null,"groupable":true}}`)
	})
}
