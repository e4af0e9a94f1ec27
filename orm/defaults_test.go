package orm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// defaultsRegistry declares test.doc with every kind of default.
func defaultsRegistry(t testing.TB) *Registry {
	t.Helper()
	r := testRegistry(t)
	r.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	err := r.Define(ModelDef{Name: "test.doc", Source: "test", Fields: []Field{
		{Name: "name", Type: Char, Required: true, Sequence: &SequenceDef{Code: "test.doc", Prefix: "D%(y)s-", Padding: 4, PerCompany: true}},
		{Name: "user_id", Type: Many2one, Comodel: "res.users", DefaultFrom: "user"},
		{Name: "company_id", Type: Many2one, Comodel: "res.company", Required: true, OnDelete: Restrict, DefaultFrom: "company"},
		{Name: "day", Type: Date, DefaultFrom: "today"},
		{Name: "stamp", Type: Datetime, DefaultFrom: "now"},
		{Name: "qty", Type: Integer, Min: ptr(0), DefaultFunc: func(e *Env) (any, error) { return int64(7), nil }},
		{Name: "state", Type: Char, Default: "draft"},
		{Name: "locked", Type: Char, Readonly: true},
		{Name: "secret", Type: Char, Groups: "base.group_system"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ptr(f float64) *float64 { return &f }

func setupDefaults(t *testing.T, db *store.DB, r *Registry) {
	t.Helper()
	setup(t, db, r)
	e := NewEnv(context.Background(), r, db, admin, EnvOptions{}).Sudo("test: companies")
	companies := model(t, e, "res.company")
	if _, err := companies.Create([]map[string]any{{"name": "One"}, {"name": "Two"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.SyncData(context.Background(), db, ReflectionOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDynamicDefaults(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := defaultsRegistry(t)
		r.policy = &fakePolicy{hidden: map[string]bool{"test.doc.secret": true}}
		setupDefaults(t, db, r)
		e := newEnv(t, db, r, admin)
		docs := model(t, e, "test.doc")
		ids := mustCreate(t, docs, map[string]any{}, map[string]any{"name": "given"}, map[string]any{})
		recs, err := docs.Read(ids, []string{"name", "user_id", "company_id", "day", "stamp", "qty", "state"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"D26-0001", "given", "D26-0002"}
		for i, rec := range recs {
			if rec["name"] != want[i] || fmt.Sprint(rec["user_id"]) != "[1 Administrator]" || rec["day"] != "2026-03-04" ||
				rec["stamp"] != "2026-03-04 05:06:07" || rec["qty"] != int64(7) || rec["state"] != "draft" {
				t.Errorf("record %d: %v", i, rec)
			}
			if c, _ := rec["company_id"].([]any); len(c) != 2 || c[0] != int64(1) {
				t.Errorf("company: %v", rec["company_id"])
			}
		}
		// Another company, another counter.
		e2 := e.WithContext(map[string]any{"allowed_company_ids": []any{int64(2)}})
		id2 := mustCreate(t, model(t, e2, "test.doc"), map[string]any{})
		got, _ := docs.Read(id2, []string{"name", "company_id"})
		if got[0]["name"] != "D26-0001" || got[0]["company_id"].([]any)[0] != int64(2) {
			t.Errorf("company 2: %v", got)
		}
		// default_<field> context keys: honoured for fields the caller may
		// write, ignored for readonly and group-restricted ones.
		e3 := e.WithContext(map[string]any{"default_qty": int64(3), "default_locked": "x", "default_secret": "s", "default_name": "ctx"})
		id3 := mustCreate(t, model(t, e3, "test.doc"), map[string]any{})
		sudo := model(t, e.Sudo("test: read back"), "test.doc")
		got, _ = sudo.Read(id3, []string{"name", "qty", "locked", "secret"})
		if got[0]["name"] != "ctx" || got[0]["qty"] != int64(3) || got[0]["locked"] != false || got[0]["secret"] != false {
			t.Errorf("context defaults: %v", got)
		}
		// default_get: the same values, no sequence number taken.
		dg, err := model(t, e3, "test.doc").DefaultGet([]string{"name", "user_id", "company_id", "day", "qty", "state", "locked", "secret", "nope"})
		if err != nil {
			t.Fatal(err)
		}
		wantDG := map[string]any{"name": "ctx", "user_id": int64(1), "company_id": int64(1), "day": "2026-03-04", "qty": int64(3), "state": "draft"}
		if fmt.Sprint(dg) != fmt.Sprint(wantDG) {
			t.Errorf("default_get: %v, want %v", dg, wantDG)
		}
		dg, _ = docs.DefaultGet([]string{"name"})
		if len(dg) != 0 {
			t.Errorf("default_get took a sequence number: %v", dg)
		}
		id4 := mustCreate(t, docs, map[string]any{})
		got, _ = docs.Read(id4, []string{"name"})
		if got[0]["name"] != "D26-0003" {
			t.Errorf("after default_get: %v", got)
		}
	})
}

// A failed create gives its number back: the counter moves in the
// creating transaction.
func TestSequenceNoGapOnFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := defaultsRegistry(t)
		setupDefaults(t, db, r)
		e := NewEnv(context.Background(), r, db, admin, EnvOptions{})
		_, err := model(t, e, "test.doc").Create([]map[string]any{{}, {"qty": int64(-1)}})
		wantKind(t, err, errs.ValidationError)
		e.Finish(err)
		e = NewEnv(context.Background(), r, db, admin, EnvOptions{})
		_, err = model(t, e, "test.doc").Create([]map[string]any{{}})
		if err != nil {
			t.Fatal(err)
		}
		db.Faults().FailNext(store.FaultCommit, fmt.Errorf("injected"), 1)
		if err = e.Finish(nil); err == nil {
			t.Fatal("injected commit failure not reported")
		}
		e = newEnv(t, db, r, admin)
		ids := mustCreate(t, model(t, e, "test.doc"), map[string]any{})
		got, _ := model(t, e, "test.doc").Read(ids, []string{"name"})
		if got[0]["name"] != "D26-0001" {
			t.Errorf("numbers lost to failed creates: %v", got)
		}
	})
}

// Concurrent creates, each in its own request, get distinct consecutive
// numbers on both databases.
func TestSequenceConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := defaultsRegistry(t)
		setupDefaults(t, db, r)
		const n = 12
		var wg sync.WaitGroup
		errCh := make(chan error, n)
		for range n {
			wg.Go(func() {
				e := NewEnv(context.Background(), r, db, admin, EnvOptions{})
				m, err := e.Model("test.doc")
				if err == nil {
					_, err = m.Create([]map[string]any{{}})
				}
				if ferr := e.Finish(err); ferr != nil {
					errCh <- ferr
				}
			})
		}
		wg.Wait()
		close(errCh)
		for err := range errCh {
			t.Fatalf("concurrent create: %v", err)
		}
		e := newEnv(t, db, r, admin)
		recs, err := model(t, e, "test.doc").SearchRead(nil, []string{"name"}, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, rec := range recs {
			names = append(names, rec["name"].(string))
		}
		slices.Sort(names)
		for i, name := range names {
			if want := fmt.Sprintf("D26-%04d", i+1); name != want {
				t.Fatalf("numbers %v: want %s at %d", names, want, i)
			}
		}
		if len(names) != n {
			t.Fatalf("%d records", len(names))
		}
	})
}

func TestDynamicDefaultDeclarations(t *testing.T) {
	for _, c := range []struct {
		f    Field
		want string
	}{
		{Field{Name: "a", Type: Char, DefaultFrom: "tomorrow"}, "unknown default_from"},
		{Field{Name: "a", Type: Char, DefaultFrom: "user"}, "many2one or integer"},
		{Field{Name: "a", Type: Char, DefaultFrom: "now"}, "date or datetime"},
		{Field{Name: "a", Type: Integer, Sequence: &SequenceDef{Code: "x"}}, "char field"},
		{Field{Name: "a", Type: Char, Sequence: &SequenceDef{Code: "Bad Code"}}, "dotted lower-case"},
		{Field{Name: "a", Type: Char, Default: "x", DefaultFrom: "user"}, "give one of"},
		{Field{Name: "a", Type: Datetime, Readonly: true, DefaultFrom: "now"}, "writable scalar"},
	} {
		err := NewRegistry(AllowAll{}).Define(ModelDef{Name: "x.y", Fields: []Field{c.f}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.f, err, c.want)
		}
	}
}
