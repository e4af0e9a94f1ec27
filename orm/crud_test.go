package orm

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestCRUD(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		partners := model(t, e, "res.partner")
		orders := model(t, e, "test.order")
		pids := mustCreate(t, partners, map[string]any{"name": "Acme", "is_company": true})
		tags := mustCreate(t, model(t, e, "test.tag"), map[string]any{"name": "red"}, map[string]any{"name": "blue"})
		ids := mustCreate(t, orders, map[string]any{
			"name": "SO1", "qty": float64(3), "price": 2.5, "amount": 10.25, "paid": true,
			"date_order": "2026-01-31", "confirmed_at": "2026-01-31 12:00:00",
			"data":       map[string]any{"k": []any{1.0, "x"}},
			"partner_id": float64(pids[0]), "user_id": int64(2),
			"line_ids": []any{[]any{0.0, 0.0, map[string]any{"name": "L1", "qty": 1.0}}, map[string]any{"create": map[string]any{"name": "L2"}}},
			"tag_ids":  []any{[]any{6.0, 0.0, []any{float64(tags[0]), float64(tags[1])}}},
		})
		recs, err := orders.Read(ids, []string{"name", "state", "qty", "price", "amount", "paid", "date_order", "confirmed_at", "data", "partner_id", "user_id", "line_ids", "tag_ids", "display_name", "create_uid", "note"})
		if err != nil {
			t.Fatal(err)
		}
		got := recs[0]
		want := map[string]any{
			"id": ids[0], "name": "SO1", "state": "draft", "qty": int64(3), "price": 2.5, "amount": 10.25, "paid": true,
			"date_order": "2026-01-31", "confirmed_at": "2026-01-31 12:00:00",
			"data":       map[string]any{"k": []any{1.0, "x"}},
			"partner_id": []any{pids[0], "Acme"}, "user_id": []any{int64(2), "Bob"},
			"tag_ids": tags, "display_name": "SO1", "create_uid": []any{int64(1), "Administrator"}, "note": false,
		}
		lines := got["line_ids"].([]int64)
		delete(got, "line_ids")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read:\n got %#v\nwant %#v", got, want)
		}
		if len(lines) != 2 {
			t.Errorf("line_ids = %v, want 2 lines", lines)
		}
		// Partner maintenance: a contact's commercial partner is its company.
		cid := mustCreate(t, partners, map[string]any{"name": "Jane", "parent_id": pids[0]})
		p, err := partners.Read(cid, []string{"commercial_partner_id"})
		if err != nil || !reflect.DeepEqual(p[0]["commercial_partner_id"], []any{pids[0], "Acme"}) {
			t.Errorf("commercial_partner_id = %v, %v", p, err)
		}
		// ondelete restrict: the partner is still referenced. The refusal
		// is a ValidationError and the transaction stays usable (savepoint).
		wantKind(t, partners.Unlink(pids), errs.ValidationError)
		if _, err := partners.Read(pids, []string{"name"}); err != nil {
			t.Fatalf("transaction unusable after a refused unlink: %v", err)
		}
		if err := orders.Write(ids, map[string]any{"name": "SO1b", "qty": false, "partner_id": false}); err != nil {
			t.Fatal(err)
		}
		recs, _ = orders.Read(ids, []string{"name", "qty", "partner_id"})
		if recs[0]["name"] != "SO1b" || recs[0]["qty"] != int64(0) || recs[0]["partner_id"] != false {
			t.Errorf("after write: %v", recs[0])
		}
		n, err := orders.SearchCount(nil, 0)
		if err != nil || n != 1 {
			t.Fatalf("count = %d, %v", n, err)
		}
		if err := orders.Unlink(ids); err != nil {
			t.Fatal(err)
		}
		_, err = orders.Read(ids, nil)
		wantKind(t, err, errs.MissingError)
		if n, _ := model(t, e, "test.line").SearchCount(nil, 0); n != 0 {
			t.Errorf("lines not cascaded: %d left", n)
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReadDefaultsAndFieldsGet(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		orders := model(t, e, "test.order")
		ids := mustCreate(t, orders, map[string]any{"name": "A"})
		recs, err := orders.Read(ids, nil)
		if err != nil {
			t.Fatal(err)
		}
		for f, want := range map[string]any{"qty": int64(0), "price": 0.0, "paid": false, "date_order": false, "partner_id": false, "state": "draft", "tag_ids": []int64{}} {
			if !reflect.DeepEqual(recs[0][f], want) {
				t.Errorf("%s = %#v, want %#v", f, recs[0][f], want)
			}
		}
		fg, err := orders.FieldsGet([]string{"state", "line_ids"}, []string{"type", "selection", "relation", "relation_field", "required"})
		if err != nil {
			t.Fatal(err)
		}
		if fg["state"]["type"] != "selection" || fg["line_ids"]["relation_field"] != "order_id" || len(fg) != 2 {
			t.Errorf("fields_get = %v", fg)
		}
		if _, ok := fg["state"]["string"]; ok {
			t.Errorf("attributes filter ignored")
		}
	})
}
