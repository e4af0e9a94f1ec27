package domain

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// goldenDomains are compiled on sale.order for the golden files: every
// operator, the NULL/falsy rules per type, dotted paths, x2many, hierarchy.
var goldenDomains = []string{
	`[]`,
	`[(0, '=', 1)]`,
	`[('state', '=', 'sale')]`,
	`[('state', '!=', 'sale')]`,
	`[('state', 'in', ['sale', 'sent'])]`,
	`[('state', 'not in', ['sale', False])]`,
	`[('state', '=', False)]`,
	`[('state', '!=', False)]`,
	`[('state', 'in', [])]`,
	`[('state', 'not in', [])]`,
	`[('qty', '=', 0)]`,
	`[('qty', '=', False)]`,
	`[('qty', '!=', 0)]`,
	`[('qty', '<', 5)]`,
	`[('qty', '>', 5)]`,
	`[('qty', '>=', -1)]`,
	`[('amount', '<=', 2.5)]`,
	`[('total', '>', 0)]`,
	`[('name', '=', False)]`,
	`[('name', '<', 'm')]`,
	`[('note', '=', False)]`,
	`[('note', '!=', '')]`,
	`[('confirmed', '=', True)]`,
	`[('confirmed', '=', False)]`,
	`[('confirmed', '!=', True)]`,
	`[('confirmed', 'in', [True, False])]`,
	`[('date_order', '<', '2024-03-01')]`,
	`[('date_order', '=', '2024-03-01')]`,
	`[('date_order', '<', False)]`,
	`[('validity', '>', '2024-03-01 10:00:00')]`,
	`[('validity', '<=', '2024-03-01')]`,
	`[('validity', '=', '2024-03-01')]`,
	`[('validity', '!=', '2024-03-01T10:00:00Z')]`,
	`['!', ('date_order', '<', '2024-03-01')]`,
	`['!', ('qty', '<', 5)]`,
	`[('name', 'like', 'a_b%')]`,
	`[('name', 'ilike', 'abc')]`,
	`[('note', 'not ilike', 'abc')]`,
	`[('name', '=like', 'SO%')]`,
	`[('name', 'not =ilike', 'so\\_%')]`,
	`[('name', 'ilike', '')]`,
	`[('name', 'not ilike', False)]`,
	`[('note', '=like', '')]`,
	`[('qty', 'like', 12)]`,
	`[('date_order', 'ilike', '2024-')]`,
	`[('name', '=?', False)]`,
	`[('name', '=?', 'x')]`,
	`[('partner_id', '=', False)]`,
	`[('partner_id', '!=', False)]`,
	`[('partner_id', 'in', (7, False))]`,
	`[('partner_id', 'not in', [1, 2])]`,
	`[('partner_id', '=', 'Acme')]`,
	`[('partner_id', 'ilike', 'acme')]`,
	`[('partner_id', 'not ilike', 'acme')]`,
	`[('partner_id.name', '!=', 'X')]`,
	`['!', ('partner_id.name', '=', 'X')]`,
	`[('partner_id.parent_id.ref', '=', 'R1')]`,
	`[('partner_id', 'any', [('is_company', '=', True)])]`,
	`[('partner_id', 'not any', [])]`,
	`[('partner_id', 'child_of', 3)]`,
	`[('partner_id', 'parent_of', [3, 'Acme'])]`,
	`[('partner_id.category_ids', 'child_of', 'VIP')]`,
	`[('line_ids', '=', False)]`,
	`[('line_ids', '!=', False)]`,
	`[('line_ids', 'in', [1, 2])]`,
	`[('line_ids', 'not in', [1, False])]`,
	`[('line_ids.price', '>', 10)]`,
	`[('line_ids', 'any', [('name', 'ilike', 'x'), ('product_qty', '>', 1)])]`,
	`[('tag_ids', '=', False)]`,
	`[('tag_ids', 'in', [1, False])]`,
	`[('tag_ids', 'not in', [1])]`,
	`[('tag_ids.name', '=', 'VIP')]`,
	`[('tag_ids', 'not any', [('name', '=', 'VIP')])]`,
	`[('id', 'in', [1, 2, 3])]`,
	`[('id', 'not in', [False])]`,
	`[('id', 'any', [('qty', '>', 1)])]`,
	`[('data', '=', False)]`,
	`['|', ('state', '=', 'draft'), '&', ('qty', '>', 1), ('amount', '<', 5.5)]`,
	`['!', '|', ('state', '=', 'draft'), ('partner_id.name', 'ilike', 'a')]`,
	`['|', ('partner_id', '=', False), ('partner_id', 'in', [1, 2])]`,
	`[('state', 'IN', ['sale']), ('qty', '<>', 3), ('amount', '==', 1)]`,
	// Refused: each line shows the ValidationError.
	`[('foo', '=', 1)]`,
	`[('name; DROP TABLE x', '=', 1)]`,
	`[('name" OR 1=1 --', '=', 1)]`,
	`[('state', 'bad', 1)]`,
	`[('qty', '<', [1, 2])]`,
	`[('name', '=like', 5)]`,
	`[('qty', 'any', [])]`,
	`[('qty', '=', 'abc')]`,
	`[('date_order', '=', 'yesterday')]`,
	`[('partner_id', '<', 'x')]`,
	`[('name', '=like', 'abc\\')]`,
	`[('qty.foo', '=', 1)]`,
	`[('confirmed', '<', True)]`,
	`[('amount', 'like', '1')]`,
}

func TestCompileGolden(t *testing.T) {
	s := salesSchema()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var out strings.Builder
		for _, src := range goldenDomains {
			fmt.Fprintf(&out, "%s\n", src)
			n, err := Parse(src, nil)
			var sql string
			var args []any
			if err == nil {
				sql, args, err = Compile(db.Dialect, s, "sale.order", n, CompileOptions{})
			}
			if err != nil {
				if !errs.Is(err, errs.ValidationError) {
					t.Errorf("%s: error %v is not a ValidationError", src, err)
				}
				fmt.Fprintf(&out, "  error: %s\n\n", errs.As(err).Message())
				continue
			}
			fmt.Fprintf(&out, "  %s\n  args: %s\n\n", sql, fmtArgs(args))
		}
		// Options: alias, argument offset and comodel sub-filters.
		rules := func(model string) (Node, error) {
			switch model {
			case "res.partner":
				return Parse(`[('is_company', '=', True)]`, nil)
			case "res.partner.category":
				return Parse(`[('name', '!=', 'secret')]`, nil)
			}
			return nil, nil
		}
		for _, src := range []string{
			`[('partner_id.name', 'ilike', 'a'), ('partner_id', 'in', [1, 2])]`,
			`[('tag_ids', 'in', [1]), ('tag_ids', 'any', [('name', '=', 'VIP')])]`,
			`[('partner_id', 'any', [('category_ids.name', '=', 'x')])]`,
		} {
			n, _ := Parse(src, nil)
			sql, args, err := Compile(db.Dialect, s, "sale.order", n, CompileOptions{Alias: "o", ArgOffset: 2, SubFilter: rules})
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			fmt.Fprintf(&out, "%s (alias o, offset 2, sub-filters)\n  %s\n  args: %s\n\n", src, sql, fmtArgs(args))
		}
		golden(t, filepath.Join("testdata", "compile."+db.Dialect.Name()+".golden"), out.String())
	})
}

func fmtArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%#v", a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./domain -update)", err)
	}
	if string(want) != got {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		for i := range max(len(wl), len(gl)) {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Fatalf("%s differs at line %d:\n want %s\n  got %s\n(run go test ./domain -update if intended)", path, i+1, w, g)
			}
		}
	}
}

// TestSubFilterCalls: the Compiler asks for each comodel's sub-filter once
// per call, keys the cache on it, and never asks for 'any!' conditions.
func TestSubFilterCalls(t *testing.T) {
	s := salesSchema()
	d := storetest.SQLite(t).Dialect
	c := NewCompiler(s, 0)
	calls := map[string]int{}
	rule := `[('is_company', '=', True)]`
	sub := func(model string) (Node, error) {
		calls[model]++
		if model == "res.partner" {
			return Parse(rule, nil)
		}
		return nil, nil
	}
	n, _ := Parse(`[('partner_id.name', '=', 'a'), ('partner_id.ref', '=', 'b'), ('tag_ids', 'in', [1])]`, nil)
	sql1, _, err := c.Compile(d, "sale.order", n, CompileOptions{SubFilter: sub})
	if err != nil {
		t.Fatal(err)
	}
	if calls["res.partner"] != 1 || calls["res.partner.category"] != 0 || len(calls) != 1 {
		t.Fatalf("calls %v", calls)
	}
	rule = `[('is_company', '=', False)]` // another user's rules: another entry
	sql2, _, _ := c.Compile(d, "sale.order", n, CompileOptions{SubFilter: sub})
	if sql1 == sql2 || !strings.Contains(sql2, "IS NULL") {
		t.Fatalf("the second user's rule was not applied: %s", sql2)
	}
	if calls["res.partner"] != 2 {
		t.Fatalf("calls %v", calls)
	}
}
