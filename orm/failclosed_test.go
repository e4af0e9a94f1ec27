package orm

import (
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestNewRegistryRequiresPolicy: there is no registry without a policy,
// so nothing can fall back to "allow everything" by forgetting one.
func TestNewRegistryRequiresPolicy(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]Policy{
		"nil interface":                nil,
		"nil pointer in the interface": (*fakePolicy)(nil),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "NewRegistry needs a Policy") {
					t.Errorf("NewRegistry(%v) did not refuse (recovered %q)", p, msg)
				}
			}()
			NewRegistry(p)
		})
	}
	pol := &fakePolicy{}
	if got := NewRegistry(pol).Policy(); got != Policy(pol) {
		t.Errorf("Policy() = %v, want the one given", got)
	}
}

// TestEnvElevationStateUnexported guards what the compiler now enforces:
// who acts, the active companies and sudo cannot be assigned from outside
// the package; only Context and the audit labels are exported fields.
func TestEnvElevationStateUnexported(t *testing.T) {
	t.Parallel()
	allowed := []string{"Context", "RequestID", "Route"}
	typ := reflect.TypeFor[Env]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && !slices.Contains(allowed, f.Name) {
			t.Errorf("Env.%s is an exported field: any package could change it without Sudo or WithUser", f.Name)
		}
	}
	rtyp := reflect.TypeFor[Registry]()
	if f, ok := rtyp.FieldByName("Policy"); ok && f.IsExported() {
		t.Error("Registry.Policy is an exported field: it could be set to nil or swapped after NewRegistry")
	}
}

// TestSudoIsTheOnlyElevation: Sudo("") fails every operation and changes
// nothing; Sudo(reason) works, is audited with its reason, and leaves the
// Env it came from unelevated; WithUser drops sudo.
func TestSudoIsTheOnlyElevation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		pol := &fakePolicy{deny: map[string]bool{"test.order/create": true, "test.order/write": true, "test.order/unlink": true}}
		aud := &fakeAuditor{}
		r.policy, r.Auditor = pol, aud
		r.Logger = slog.New(slog.DiscardHandler) // Sudo("") logs each refusal

		seed := newEnv(t, db, r, bob).Sudo("test: fixtures")
		id := mustCreate(t, model(t, seed, "test.order"), map[string]any{"name": "kept"})[0]
		if err := seed.Finish(nil); err != nil {
			t.Fatal(err)
		}
		aud.events = nil

		// The plain Env is refused by the policy: the elevation below is
		// what makes a difference.
		e := newEnv(t, db, r, bob)
		_, err := model(t, e, "test.order").Create([]map[string]any{{"name": "x"}})
		wantKind(t, err, errs.AccessError)

		broken := e.Sudo("")
		if !broken.Su() || broken.SudoReason() != "" {
			t.Errorf("Sudo(\"\"): Su()=%v reason=%q", broken.Su(), broken.SudoReason())
		}
		orders := model(t, broken, "test.order")
		ops := map[string]func() error{
			"create": func() error { _, err := orders.Create([]map[string]any{{"name": "x"}}); return err },
			"read":   func() error { _, err := orders.Read([]int64{id}, []string{"name"}); return err },
			"write":  func() error { return orders.Write([]int64{id}, map[string]any{"name": "changed"}) },
			"unlink": func() error { return orders.Unlink([]int64{id}) },
			"search": func() error { _, err := orders.Search(nil, SearchOptions{}); return err },
			"search_read": func() error {
				_, err := orders.SearchRead(nil, []string{"name"}, SearchOptions{})
				return err
			},
			"search_count": func() error { _, err := orders.SearchCount(nil, 0); return err },
			"name_search":  func() error { _, err := orders.NameSearch("k", nil, "ilike", 10); return err },
			"derived by WithContext": func() error {
				_, err := model(t, broken.WithContext(map[string]any{"lang": "fr_FR"}), "test.order").Search(nil, SearchOptions{})
				return err
			},
		}
		for name, op := range ops {
			if err := op(); err == nil || errs.KindOf(err) != errs.Internal {
				t.Errorf("Sudo(\"\") %s: got %v, want errs.Internal", name, err)
			}
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}
		for _, ev := range aud.events {
			if ev.Op != AuditDenied {
				t.Errorf("Sudo(\"\") left a change or sudo event: %+v", ev)
			}
		}

		check := newEnv(t, db, r, admin).Sudo("test: verify")
		recs, err := model(t, check, "test.order").Read([]int64{id}, []string{"name"})
		if err != nil || len(recs) != 1 || recs[0]["name"] != "kept" {
			t.Fatalf("after Sudo(\"\"): %v, %v (want the record unchanged)", recs, err)
		}
		n, err := model(t, check, "test.order").SearchCount(nil, 0)
		if err != nil || n != 1 {
			t.Fatalf("after Sudo(\"\"): %d records, %v (want 1)", n, err)
		}
		check.Finish(nil)
		aud.events = nil

		e2 := newEnv(t, db, r, bob)
		su := e2.Sudo("test: elevated write")
		if !su.Su() || su.SudoReason() != "test: elevated write" || e2.Su() || e2.SudoReason() != "" {
			t.Errorf("Sudo: derived Su()=%v %q, parent Su()=%v %q", su.Su(), su.SudoReason(), e2.Su(), e2.SudoReason())
		}
		if err := model(t, su, "test.order").Write([]int64{id}, map[string]any{"name": "sudo"}); err != nil {
			t.Fatalf("Sudo(reason) write: %v", err)
		}
		back := su.WithUser(bob)
		if back.Su() || back.SudoReason() != "" {
			t.Errorf("WithUser kept sudo: %v %q", back.Su(), back.SudoReason())
		}
		err = model(t, back, "test.order").Write([]int64{id}, map[string]any{"name": "no"})
		wantKind(t, err, errs.AccessError)
		if err := e2.Finish(nil); err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, ev := range aud.events {
			if ev.Op == AuditWrite && ev.Sudo && ev.SudoReason == "test: elevated write" && ev.UserID == bob.UserID &&
				slices.Equal(ev.IDs, []int64{id}) {
				found = true
			}
		}
		if !found {
			t.Errorf("no audit entry for the sudo write with its reason: %+v", aud.events)
		}
	})
}

// TestCompaniesIsACopy: the active companies cannot be widened by writing
// into the slice Companies returns.
func TestCompaniesIsACopy(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	r := testRegistry(t)
	setup(t, db, r)
	e := newEnv(t, db, r, bob)
	c := e.Companies()
	if !slices.Equal(c, []int64{1}) {
		t.Fatalf("Companies() = %v", c)
	}
	c[0] = 99
	if got := e.Companies(); !slices.Equal(got, []int64{1}) || e.Company() != 1 {
		t.Errorf("Companies() after writing into its result = %v, Company() = %d", got, e.Company())
	}
	if e.User() != bob || e.UID() != bob.UserID {
		t.Errorf("User() = %v", e.User())
	}
}

// TestAllowAllIsExplicit: AllowAll allows what an unchecked registry used
// to, and goes through the same checks (the policy is consulted).
func TestAllowAllIsExplicit(t *testing.T) {
	t.Parallel()
	var p Policy = AllowAll{}
	if err := p.CheckModel(nil, "test.order", OpUnlink); err != nil {
		t.Error(err)
	}
	if d, err := p.RuleDomain(nil, "test.order", OpRead); d != nil || err != nil {
		t.Errorf("RuleDomain = %v, %v", d, err)
	}
	if !p.FieldAllowed(nil, "test.order", &Field{Name: "secret", Groups: "base.group_system"}) {
		t.Error("FieldAllowed = false")
	}
}
