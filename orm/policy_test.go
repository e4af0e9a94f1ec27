package orm

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// fakePolicy denies ACLs listed in deny ("model/op"), restricts with
// rules ("model/op" → domain) and hides the fields in hidden
// ("model.field"). It counts calls so tests can check sudo skips it.
type fakePolicy struct {
	deny   map[string]bool
	rules  map[string]domain.Node
	hidden map[string]bool
	calls  int
}

func (p *fakePolicy) CheckModel(e *Env, model string, op Op) error {
	p.calls++
	if p.deny[model+"/"+string(op)] {
		return errs.Ef(errs.AccessError, "You are not allowed to access '%s' (%s) records.", model, model)
	}
	return nil
}

func (p *fakePolicy) RuleDomain(e *Env, model string, op Op) (domain.Node, error) {
	p.calls++
	return p.rules[model+"/"+string(op)], nil
}

func (p *fakePolicy) FieldAllowed(e *Env, model string, f *Field) bool {
	p.calls++
	return !p.hidden[model+"."+f.Name]
}

// fakeAuditor keeps events; tx tells whether it got one.
type fakeAuditor struct {
	mu     sync.Mutex
	events []AuditEvent
}

func (a *fakeAuditor) Record(e *Env, tx *store.Tx, ev AuditEvent) error {
	if tx == nil {
		panic("audit without a transaction")
	}
	a.mu.Lock()
	a.events = append(a.events, ev)
	a.mu.Unlock()
	return nil
}

func (a *fakeAuditor) ops() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, ev := range a.events {
		out = append(out, ev.Op+" "+ev.Method+" "+ev.Model)
	}
	return out
}

var bob = &principal.Principal{UserID: 2, Login: "bob", CompanyID: 1, CompanyIDs: []int64{1}}

func TestPolicyACLAndFieldGroups(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		pol := &fakePolicy{deny: map[string]bool{"test.tag/create": true}, hidden: map[string]bool{"test.order.secret": true}}
		aud := &fakeAuditor{}
		r.policy, r.Auditor = pol, aud

		su := newEnv(t, db, r, bob).Sudo("test: fixtures")
		pol.calls = 0
		id := mustCreate(t, model(t, su, "test.order"), map[string]any{"name": "s", "secret": "x"})[0]
		if pol.calls != 0 {
			t.Errorf("policy called %d times under sudo", pol.calls)
		}
		if err := su.Finish(nil); err != nil {
			t.Fatal(err)
		}

		e := newEnv(t, db, r, bob)
		orders := model(t, e, "test.order")
		_, err := model(t, e, "test.tag").Create([]map[string]any{{"name": "x"}})
		wantKind(t, err, errs.AccessError)

		recs, err := orders.Read([]int64{id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := recs[0]["secret"]; ok {
			t.Error("hidden field in default read")
		}
		fg, _ := orders.FieldsGet(nil, nil)
		if _, ok := fg["secret"]; ok {
			t.Error("hidden field in fields_get")
		}
		_, err = orders.Read([]int64{id}, []string{"name", "secret"})
		wantKind(t, err, errs.AccessError)
		wantKind(t, orders.Write([]int64{id}, map[string]any{"secret": "y"}), errs.AccessError)
		_, err = orders.Create([]map[string]any{{"name": "n", "secret": "y"}})
		wantKind(t, err, errs.AccessError)
		_, err = orders.Search(nil, SearchOptions{Order: "secret"})
		wantKind(t, err, errs.AccessError)
		_, err = orders.Search(domain.Condition{Field: "secret", Operator: "=", Value: "x"}, SearchOptions{})
		wantKind(t, err, errs.AccessError)
		// Searching through a comodel the user cannot read is refused.
		pol.deny["test.tag/read"] = true
		_, err = orders.Search(domain.Condition{Field: "tag_ids.name", Operator: "=", Value: "x"}, SearchOptions{})
		wantKind(t, err, errs.AccessError)
		delete(pol.deny, "test.tag/read")
		e.Finish(errs.E(errs.AccessError, "request failed"))

		want := []string{"create create test.order", "denied create test.tag", "denied read test.order",
			"denied write test.order", "denied create test.order", "denied search test.order", "denied search test.order",
			"denied search test.tag"}
		if got := aud.ops(); !reflect.DeepEqual(got, want) {
			t.Errorf("audit:\n got %q\nwant %q", got, want)
		}
		if ev := aud.events[0]; !ev.Sudo || ev.SudoReason != "test: fixtures" || !reflect.DeepEqual(ev.Fields, []string{"name", "secret"}) {
			t.Errorf("sudo create event = %+v", ev)
		}
	})
}

func TestPolicyRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		needCompiler(t, db, r)
		pol := &fakePolicy{rules: map[string]domain.Node{
			// bob reads qty < 50, writes and deletes qty < 10, creates qty < 20.
			"test.order/read":   domain.Condition{Field: "qty", Operator: "<", Value: int64(50)},
			"test.order/write":  domain.Condition{Field: "qty", Operator: "<", Value: int64(10)},
			"test.order/unlink": domain.Condition{Field: "qty", Operator: "<", Value: int64(10)},
			"test.order/create": domain.Condition{Field: "qty", Operator: "<", Value: int64(20)},
		}}
		aud := &fakeAuditor{}
		r.policy, r.Auditor = pol, aud
		su := newEnv(t, db, r, bob).Sudo("test: fixtures")
		ids := mustCreate(t, model(t, su, "test.order"),
			map[string]any{"name": "small", "qty": 5}, map[string]any{"name": "mid", "qty": 30}, map[string]any{"name": "big", "qty": 90})
		su.Finish(nil)
		small, mid, big := ids[0], ids[1], ids[2]

		e := newEnv(t, db, r, bob)
		orders := model(t, e, "test.order")
		got, err := orders.Search(nil, SearchOptions{})
		if err != nil || !reflect.DeepEqual(got, []int64{mid, small}) {
			t.Errorf("search = %v, %v (rule filters silently)", got, err)
		}
		if n, _ := orders.SearchCount(nil, 0); n != 2 {
			t.Errorf("search_count = %d", n)
		}
		_, err = orders.Read([]int64{small, big}, []string{"name"})
		wantKind(t, err, errs.MissingError) // unreadable = missing
		_, err = orders.Read([]int64{999}, []string{"name"})
		wantKind(t, err, errs.MissingError)
		wantKind(t, orders.Write([]int64{big}, map[string]any{"name": "x"}), errs.MissingError)
		wantKind(t, orders.Write([]int64{mid}, map[string]any{"name": "x"}), errs.AccessError)
		wantKind(t, orders.Unlink([]int64{mid}), errs.AccessError)
		// The write rule holds before and after the write: small may not
		// be moved out of the writable set (issue 10 §2).
		wantKind(t, orders.Write([]int64{small}, map[string]any{"qty": 40}), errs.AccessError)
		if err := orders.Write([]int64{small}, map[string]any{"qty": 8}); err != nil {
			t.Errorf("write small: %v", err)
		}
		_, err = orders.Create([]map[string]any{{"name": "c1", "qty": 25}})
		wantKind(t, err, errs.AccessError)
		if _, err := orders.Create([]map[string]any{{"name": "c2", "qty": 15}}); err != nil {
			t.Errorf("allowed create: %v", err)
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}
		// The refused create left nothing, although the Env committed.
		check := newEnv(t, db, r, admin).Sudo("test: verify")
		n, err := model(t, check, "test.order").SearchCount(domain.Condition{Field: "name", Operator: "=", Value: "c1"}, 0)
		if err != nil || n != 0 {
			t.Errorf("refused create left %d rows (%v)", n, err)
		}
		check.Finish(nil)
		denied := 0
		for _, ev := range aud.events {
			if ev.Op == AuditDenied {
				denied++
			}
		}
		if denied != 7 {
			t.Errorf("denials recorded = %d, want 7: %q", denied, aud.ops())
		}
	})
}

func TestSudoWithoutReason(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	r := testRegistry(t)
	setup(t, db, r)
	e := newEnv(t, db, r, admin).Sudo("")
	orders := model(t, e, "test.order")
	_, err := orders.Search(nil, SearchOptions{})
	wantKind(t, err, errs.Internal)
	_, err = orders.Create([]map[string]any{{"name": "x"}})
	wantKind(t, err, errs.Internal)
	_, err = orders.Read([]int64{1}, nil)
	wantKind(t, err, errs.Internal)
	if _, err := model(t, e.Sudo("test: explained"), "test.order").Search(nil, SearchOptions{}); err != nil {
		t.Errorf("sudo with a reason: %v", err)
	}
}

func TestCompanies(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	r := testRegistry(t)
	setup(t, db, r)
	ctx := context.Background()
	cases := []struct {
		name    string
		ctx     map[string]any
		want    []int64
		wantErr bool
	}{
		{"default: all the user's", nil, []int64{1, 2}, false},
		{"main company first", nil, []int64{2, 1}, false},
		{"subset", map[string]any{"allowed_company_ids": []any{2.0}}, []int64{2}, false},
		{"outside", map[string]any{"allowed_company_ids": []any{1.0, 3.0}}, nil, true},
		{"garbage", map[string]any{"allowed_company_ids": "1"}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := admin
			if c.name == "main company first" {
				p = &principal.Principal{UserID: 1, Login: "admin", CompanyID: 2, CompanyIDs: []int64{1, 2}}
			}
			e := NewEnv(ctx, r, db, p, EnvOptions{Context: c.ctx})
			defer e.Finish(nil)
			_, err := model(t, e, "test.order").Search(nil, SearchOptions{})
			if c.wantErr {
				wantKind(t, err, errs.AccessError)
				if _, err := model(t, e.Sudo("test: su skips the company check"), "test.order").Search(nil, SearchOptions{}); err != nil {
					t.Errorf("sudo: %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(e.Companies(), c.want) {
				t.Errorf("companies = %v, %v", e.Companies(), err)
			}
		})
	}
	e := NewEnv(ctx, r, db, admin, EnvOptions{ReadOnly: true})
	defer e.Finish(nil)
	_, err := model(t, e, "test.tag").Create([]map[string]any{{"name": "x"}})
	wantKind(t, err, errs.Internal)
}

// TestAuditEvents: changes are recorded in their transaction with the
// changed fields; reads under sudo after Finish, with the reason, even on
// a read-only Env.
func TestAuditEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		aud := &fakeAuditor{}
		r.policy, r.Auditor = &fakePolicy{}, aud
		e := newEnv(t, db, r, bob)
		orders := model(t, e, "test.order")
		id := mustCreate(t, orders, map[string]any{"name": "a"})[0]
		if err := orders.Write([]int64{id}, map[string]any{"qty": 2, "state": "done"}); err != nil {
			t.Fatal(err)
		}
		if err := orders.Unlink([]int64{id}); err != nil {
			t.Fatal(err)
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}
		ro := NewEnv(context.Background(), r, db, bob, EnvOptions{ReadOnly: true, RequestID: "r2", Route: "/x"})
		su := ro.Sudo("test: report")
		if _, err := model(t, su, "test.order").Search(nil, SearchOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := len(aud.events); n != 3 {
			t.Fatalf("sudo read recorded before Finish: %d events", n)
		}
		ro.Finish(nil)
		want := []string{"create create test.order", "write write test.order", "unlink unlink test.order", "sudo search test.order"}
		if got := aud.ops(); !reflect.DeepEqual(got, want) {
			t.Fatalf("audit = %q, want %q", got, want)
		}
		if ev := aud.events[1]; !reflect.DeepEqual(ev.Fields, []string{"qty", "state"}) || ev.UserID != 2 || ev.Sudo {
			t.Errorf("write event = %+v", ev)
		}
		if ev := aud.events[3]; !ev.Sudo || ev.SudoReason != "test: report" || ev.Route != "/x" || ev.RequestID != "r2" {
			t.Errorf("sudo event = %+v", ev)
		}
	})
}

// TestClearKeepsHiddenLinks: (5)/(6) commands cut only the links the user
// can see.
func TestClearKeepsHiddenLinks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		needCompiler(t, db, r)
		r.policy = &fakePolicy{rules: map[string]domain.Node{
			"test.tag/read":  domain.Condition{Field: "name", Operator: "!=", Value: "hidden"},
			"test.line/read": domain.Condition{Field: "name", Operator: "!=", Value: "hidden"},
		}}
		su := newEnv(t, db, r, bob).Sudo("test: fixtures")
		tags := mustCreate(t, model(t, su, "test.tag"), map[string]any{"name": "seen"}, map[string]any{"name": "hidden"})
		oid := mustCreate(t, model(t, su, "test.order"), map[string]any{
			"name": "o", "tag_ids": []any{[]any{6, 0, []any{tags[0], tags[1]}}},
			"line_ids": []any{[]any{0, 0, map[string]any{"name": "seen"}}, []any{0, 0, map[string]any{"name": "hidden"}}},
		})[0]
		su.Finish(nil)
		e := newEnv(t, db, r, bob)
		if err := model(t, e, "test.order").Write([]int64{oid}, map[string]any{"tag_ids": []any{[]any{5}}, "line_ids": []any{[]any{6, 0, []any{}}}}); err != nil {
			t.Fatal(err)
		}
		e.Finish(nil)
		check := newEnv(t, db, r, admin).Sudo("test: verify")
		got, err := model(t, check, "test.order").Read([]int64{oid}, []string{"tag_ids", "line_ids"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[0]["tag_ids"], []int64{tags[1]}) || len(got[0]["line_ids"].([]int64)) != 1 {
			t.Errorf("after clear: %v", got[0])
		}
	})
}
