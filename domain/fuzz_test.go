package domain

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store/storetest"
)

var fuzzSeeds = []string{
	`[]`,
	`['|',('company_id','=',False),('company_id','in',company_ids)]`,
	`[('user_id','in',(user.id, False))]`,
	`[('message_partner_ids','child_of',[user.commercial_partner_id.id])]`,
	`[('company_id', 'in', company_ids + [False])]`,
	`['!', ('partner_id.name', 'ilike', 'a%_\\'), ('qty', '>=', -1.5e3)]`,
	`[('line_ids', 'any', [('price', '<', 10), '|', ('name', '=like', 'x'), ('product_qty', '=?', 0)])]`,
	`[('validity', '>', '2024-01-01T10:00:00Z'), ('date_order', '!=', '2024-02-30')]`,
	"[\n# c\n('tag_ids', 'not in', [1, False]),\n]",
	`__import__('os').system('x')`,
	`[('a', '=', user.__class__)]`,
	`[x for x in y]`,
	`[('a', '=', r'\d' u"\u00e9" '\x00')]`,
	`[('a', '=', 0x7fffffffffffffff), ('b', '=', -9223372036854775807 - 1)]`,
	`(((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))`,
}

// FuzzParse: the string parser never panics, errors are ValidationErrors,
// accepted domains round-trip through their canonical form, and compiling
// them gives SQL or a ValidationError, never anything else.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	s := salesSchema()
	d := storetest.SQLite(f).Dialect
	ev := testContext()
	f.Fuzz(func(t *testing.T, src string) {
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow input %q", src)) })
		defer tm.Stop()
		n, err := Parse(src, ev)
		if err != nil {
			if !errs.Is(err, errs.ValidationError) {
				t.Fatalf("Parse(%q): %v is not a ValidationError", src, err)
			}
			return
		}
		again, err := Parse(n.String(), nil)
		if err != nil || again.String() != n.String() {
			t.Fatalf("round trip of %q: %s -> %v, %v", src, n, again, err)
		}
		for _, model := range []string{"sale.order", "res.partner"} {
			if _, _, err := Compile(d, s, model, n, CompileOptions{}); err != nil && !errs.Is(err, errs.ValidationError) {
				t.Fatalf("Compile(%s): %v", n, err)
			}
		}
	})
}

// FuzzFromJSON: the JSON form never panics and round-trips through List.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, `true`, `["|", ["state", "=", "sale"], ["user_id", "in", [1, false]]]`,
		`[["partner_id.name", "not ilike", "x"], "!", ["qty", "<", 1.5]]`,
		`[["line_ids", "any", [["price", ">", 1e3]]], [1, "=", 1], [0, "=", 1]]`,
		`[["tag_ids", "child_of", ["vip", 2]]]`, `[["a", "=", {"x": 1}]]`, `["&"]`, `[[["a"]]]`,
	} {
		f.Add(s)
	}
	s := salesSchema()
	d := storetest.SQLite(f).Dialect
	f.Fuzz(func(t *testing.T, src string) {
		dec := json.NewDecoder(strings.NewReader(src))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		n, err := FromJSON(v)
		if err != nil {
			if !errs.Is(err, errs.ValidationError) {
				t.Fatalf("FromJSON(%s): %v is not a ValidationError", src, err)
			}
			return
		}
		back, err := FromJSON(n.List())
		if err != nil || back.String() != n.String() {
			t.Fatalf("List round trip of %s: %v, %v", n, back, err)
		}
		if _, _, err := Compile(d, s, "sale.order", n, CompileOptions{}); err != nil && !errs.Is(err, errs.ValidationError) {
			t.Fatalf("Compile(%s): %v", n, err)
		}
	})
}
