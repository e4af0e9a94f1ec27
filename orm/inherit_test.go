package orm

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

const extendYAML = `models:
  - name: test.region
    fields:
      - {name: name, type: char, required: true}
  - inherit: res.partner
    fields:
      - {name: x_loyalty, type: integer, default: 5}
      - {name: x_region_id, type: many2one, comodel: test.region}
      - {name: x_since, type: date, default_from: today}
  # New models are declared before the extensions apply: a one2many whose
  # inverse an extension adds is itself an extension.
  - inherit: test.region
    fields:
      - {name: partner_ids, type: one2many, comodel: res.partner, inverse: x_region_id}
`

// An app extends the built-in res.partner by name (YAML inherit): new
// fields with defaults and a relation to its own model; the schema sync
// adds the columns to the existing table, keeping its rows.
func TestInheritByName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := testRegistry(t)
		setup(t, db, base)
		e0 := newEnv(t, db, base, admin)
		old := mustCreate(t, model(t, e0, "res.partner"), map[string]any{"name": "Before"})
		if err := e0.Finish(nil); err != nil {
			t.Fatal(err)
		}

		r := testRegistry(t)
		if err := r.LoadYAML(fstest.MapFS{"ext.yaml": {Data: []byte(extendYAML)}}, "."); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Sync(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, db, r, admin)
		regions := mustCreate(t, model(t, e, "test.region"), map[string]any{"name": "North"})
		partners := model(t, e, "res.partner")
		id := mustCreate(t, partners, map[string]any{"name": "After", "x_region_id": regions[0]})
		recs, err := partners.Read(append(old, id...), []string{"name", "x_loyalty", "x_region_id", "x_since"})
		if err != nil {
			t.Fatal(err)
		}
		if recs[0]["name"] != "Before" || recs[0]["x_loyalty"] != int64(0) || recs[1]["x_loyalty"] != int64(5) || recs[1]["x_since"] == false {
			t.Errorf("extended partner: %v", recs)
		}
		if r2, _ := recs[1]["x_region_id"].([]any); len(r2) != 2 || r2[1] != "North" {
			t.Errorf("x_region_id: %v", recs[1]["x_region_id"])
		}
		back, err := model(t, e, "test.region").Read(regions, []string{"partner_ids"})
		if err != nil || len(back[0]["partner_ids"].([]int64)) != 1 {
			t.Errorf("one2many through the extension: %v %v", back, err)
		}
		fg, _ := partners.FieldsGet([]string{"x_loyalty"}, nil)
		if fg["x_loyalty"]["type"] != Integer {
			t.Errorf("fields_get: %v", fg)
		}
	})
}

func TestInheritRefusals(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"models:\n  - inherit: no.such\n    fields: [{name: a, type: char}]\n", "no such model"},
		{"models:\n  - inherit: res.partner\n    fields: [{name: email, type: char}]\n", "already has it"},
		{"models:\n  - inherit: res.users\n    fields: [{name: a, type: char}]\n", "cannot be extended"},
		{"models:\n  - inherit: res.partner\n    fields: [{name: a, type: blob}]\n", "unknown type"},
		{"models:\n  - inherit: res.partner\n    fields: [{name: a_id, type: many2one, comodel: nope}]\n", "unknown comodel"},
		{"models:\n  - inherit: res.partner\n    order: name\n    fields: [{name: a, type: char}]\n", "adds fields only"},
	} {
		r := NewRegistry(AllowAll{})
		err := r.LoadYAML(fstest.MapFS{"x.yaml": {Data: []byte(c.yaml)}}, ".")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
		if m, _ := r.Meta("res.partner"); m.fields["a"] != nil || m.fields["a_id"] != nil {
			t.Errorf("%q: a refused extension was applied", c.yaml)
		}
	}
}
