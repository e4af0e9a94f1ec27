package domain

import (
	"testing"
	"time"
)

// mapRec is a record in the forms the ORM reads values: many2one as
// [id, name], unset as false, database scans ([]byte, time.Time, 0/1).
type mapRec struct {
	id   int64
	vals map[string]any
	rel  map[string][]Record
}

func (r mapRec) ID() int64                          { return r.id }
func (r mapRec) Get(f string) (any, error)          { return r.vals[f], nil }
func (r mapRec) Related(f string) ([]Record, error) { return r.rel[f], nil }

func TestMatchValueForms(t *testing.T) {
	s := salesSchema()
	partner := mapRec{id: 4, vals: map[string]any{"name": "Acme", "is_company": int64(1)}}
	rec := mapRec{id: 9, vals: map[string]any{
		"name": []byte("SO9"), "note": false, "qty": int64(0), "amount": int64(2),
		"confirmed": int64(0), "state": "sale", "partner_id": []any{int64(4), "Acme"},
		"date_order": time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		"validity":   time.Date(2024, 2, 1, 11, 30, 0, 0, time.FixedZone("CET", 3600)),
	}, rel: map[string][]Record{"partner_id": {partner}}}
	for src, want := range map[string]bool{
		`[('name', '=', 'SO9')]`:                                  true,
		`[('name', 'ilike', 'so')]`:                               true,
		`[('note', '=', False)]`:                                  true,
		`[('qty', '=', False)]`:                                   true,
		`[('amount', '=', 2.0)]`:                                  true,
		`[('amount', '>', 1.5)]`:                                  true,
		`[('confirmed', '=', False)]`:                             true,
		`[('confirmed', '=', True)]`:                              false,
		`[('partner_id', '=', 4)]`:                                true,
		`[('partner_id', '!=', False)]`:                           true,
		`[('partner_id.is_company', '=', True)]`:                  true,
		`[('date_order', '=', '2024-02-01')]`:                     true,
		`[('validity', '=', '2024-02-01 10:30:00')]`:              true,
		`[('validity', '<', '2024-02-01 10:30:00')]`:              false,
		`[('date_order', 'like', '2024-02')]`:                     true,
		`[('qty', 'like', 0)]`:                                    true,
		`[('id', '=', 9)]`:                                        true,
		`[('id', 'ilike', '9')]`:                                  true,
		`[('state', 'not like', 'sal')]`:                          false,
		`['!', ('partner_id', 'any', [('name', '=like', 'A%')])]`: false,
	} {
		n, err := Parse(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Match(s, "sale.order", n, rec)
		if err != nil || got != want {
			t.Errorf("Match(%s) = %v, %v; want %v", src, got, err, want)
		}
	}
	// child_of by name needs a Browser.
	n, _ := Parse(`[('partner_id', 'child_of', 'acme')]`, nil)
	if _, err := Match(s, "sale.order", n, rec); err == nil {
		t.Error("child_of by name without a Browser must fail")
	}
}

func TestLikeMatch(t *testing.T) {
	for _, tt := range []struct {
		s, p string
		fold bool
		want bool
	}{
		{"abc", "abc", false, true},
		{"abc", "a%", false, true},
		{"abc", "%c", false, true},
		{"abc", "a_c", false, true},
		{"abc", "a_", false, false},
		{"abc", "%b%", false, true},
		{"abc", "%%%", false, true},
		{"", "%", false, true},
		{"", "_", false, false},
		{"a%c", "a\\%c", false, true},
		{"abc", "a\\%c", false, false},
		{"a_c", "a\\_c", false, true},
		{"aXc", "a\\_c", false, false},
		{"ABC", "abc", false, false},
		{"ABC", "abc", true, true},
		{"Éa", "éA", true, true},
		{"aaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%a%a%c", false, false},
		{"héllo", "h_llo", false, true},
	} {
		if got := likeMatch(tt.s, tt.p, tt.fold); got != tt.want {
			t.Errorf("likeMatch(%q, %q, %v) = %v", tt.s, tt.p, tt.fold, got)
		}
	}
}

func TestCompilerReset(t *testing.T) {
	c := NewCompiler(salesSchema(), 0)
	n := Condition{"qty", "=", int64(1)}
	if _, err := c.Normalize("sale.order", n); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	if c.cache.ll.Len() != 0 {
		t.Fatal("Reset left entries")
	}
}
