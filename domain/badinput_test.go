package domain

import (
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store/storetest"
)

// TestBadInput: every hostile or mistaken domain is a ValidationError that
// names the problem, from the JSON form through Compile and Match; nothing
// reaches SQL text.
func TestBadInput(t *testing.T) {
	s := salesSchema()
	d := storetest.SQLite(t).Dialect
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"unknown field", []any{[]any{"foo", "=", 1}}, "Invalid field sale.order.foo in condition ('foo', '=', 1)"},
		{"non-stored field", []any{[]any{"amount_untaxed", ">", 1}}, "field amount_untaxed is not stored and cannot be searched"},
		{"unknown subfield", []any{[]any{"partner_id.foo", "=", 1}}, "Invalid field res.partner.foo"},
		{"injection in field", []any{[]any{"name; DROP TABLE x", "=", 1}}, "Invalid field sale.order.name; DROP TABLE x"},
		{"quote injection in field", []any{[]any{`name" OR 1=1 --`, "=", 1}}, `Invalid field sale.order.name" OR 1=1 --`},
		{"injection in path", []any{[]any{`partner_id.name") OR (1=1`, "=", 1}}, "Invalid field res.partner.name\") OR (1=1"},
		{"injection in operator", []any{[]any{"name", "= 1 OR 1=1 --", 1}}, "Invalid operator in condition"},
		{"unknown operator", []any{[]any{"name", "between", []any{1, 2}}}, "Invalid operator"},
		{"list with <", []any{[]any{"qty", "<", []any{1, 2}}}, "operator < needs a single value"},
		{"=like non-string", []any{[]any{"name", "=like", 5}}, "The pattern to match must be a string"},
		{"any on non-relational", []any{[]any{"qty", "any", []any{}}}, "Cannot use 'any' with non-relational fields"},
		{"any with non-domain", []any{[]any{"partner_id", "any", 5}}, "must be a domain"},
		{"string for integer", []any{[]any{"qty", "=", "5x"}}, "is not an integer"},
		{"string for float", []any{[]any{"amount", "=", "NaN"}}, "is not a number"},
		{"fraction for integer", []any{[]any{"qty", "=", 1.5}}, "is not an integer"},
		{"bad date", []any{[]any{"date_order", ">", "2024-13-01"}}, "is not a date"},
		{"bad datetime", []any{[]any{"validity", ">", "noon"}}, "is not a datetime"},
		{"number for selection", []any{[]any{"state", "=", 1}}, "is not a string"},
		{"object value", []any{[]any{"name", "=", map[string]any{"$ne": 1}}}, "unsupported value"},
		{"nested list value", []any{[]any{"name", "in", []any{[]any{"a"}}}}, "nested lists"},
		{"boolean inequality", []any{[]any{"confirmed", ">", false}}, ""}, // False: the empty domain, no error
		{"m2o string inequality", []any{[]any{"partner_id", "<", "a"}}, "cannot compare many2one"},
		{"mixed ids and names", []any{[]any{"partner_id", "in", []any{1, "a"}}}, "ids and names cannot be mixed"},
		{"child_of without hierarchy", []any{[]any{"line_ids", "child_of", 1}}, "has no parent hierarchy"},
		{"trailing escape", []any{[]any{"name", "=like", `a\`}}, "ends with an escape character"},
		{"json comparison", []any{[]any{"data", "=", "x"}}, "json fields can only be compared with False"},
		{"malformed prefix", []any{"|", []any{"name", "=", "a"}}, "malformed domain"},
		{"bad item", []any{"DROP TABLE x"}, "invalid item in domain"},
		{"short leaf", []any{[]any{"name", "="}}, "invalid item in domain"},
		{"non-string field", []any{[]any{5, "=", 1}}, "a condition's field must be a string"},
		{"not a list", "name = 'x'", "a domain must be a list"},
		{"too deep", nestAny(40), "nested deeper than 32 levels"},
		{"too many leaves", manyLeaves(1001), "more than 1000 conditions"},
		{"too many values", []any{[]any{"id", "in", make([]any, 10001)}}, "more than 10000 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := FromJSON(tt.v)
			if err == nil {
				var sql string
				sql, _, err = Compile(d, s, "sale.order", n, CompileOptions{})
				if err == nil {
					if tt.want != "" {
						t.Fatalf("compiled to %s, want error %q", sql, tt.want)
					}
					return
				}
				if _, merr := Match(s, "sale.order", n, &memRec{newMemDB(s), "sale.order", 1}); merr == nil || merr.Error() != err.Error() {
					t.Errorf("Match error %v differs from Compile error %v", merr, err)
				}
			}
			if !errs.Is(err, errs.ValidationError) {
				t.Fatalf("%v is not a ValidationError", err)
			}
			if msg := errs.As(err).Message(); tt.want == "" || !strings.Contains(msg, tt.want) {
				t.Fatalf("message %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

func nestAny(depth int) []any {
	var v []any = []any{[]any{"name", "=", "x"}}
	for range depth {
		v = []any{[]any{"partner_id", "any", v}}
	}
	return v
}

func manyLeaves(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = []any{"name", "=", "x"}
	}
	return out
}

// TestCompilerConcurrent exercises the cache from many goroutines (run
// with -race) and checks hits return private argument slices.
func TestCompilerConcurrent(t *testing.T) {
	s := salesSchema()
	d := storetest.SQLite(t).Dialect
	c := NewCompiler(s, 8) // small: evictions happen
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				n := Condition{"qty", "=", int64((g + i) % 12)}
				sql, args, err := c.Compile(d, "sale.order", n, CompileOptions{})
				if err != nil || len(args) != 1 || args[0] != int64((g+i)%12) {
					t.Errorf("%s %v %v", sql, args, err)
					return
				}
				args[0] = "clobbered" // must not leak into the cache
			}
		}()
	}
	wg.Wait()
	_, args, _ := c.Compile(d, "sale.order", Condition{"qty", "=", int64(3)}, CompileOptions{})
	if args[0] != int64(3) {
		t.Fatalf("cached args were modified: %v", args)
	}
}

func TestCompilerSkipsHugeKeys(t *testing.T) {
	c := NewCompiler(salesSchema(), 0)
	d := storetest.SQLite(t).Dialect
	ids := make([]any, 3000)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	sql, args, err := c.Compile(d, "sale.order", Condition{"id", "in", ids}, CompileOptions{})
	if err != nil || len(args) != 3000 || !strings.Contains(sql, "IN (") {
		t.Fatalf("%.80s %d %v", sql, len(args), err)
	}
	if n := c.cache.ll.Len(); n != 0 {
		t.Fatalf("a domain of %d ids was cached (%d entries)", len(ids), n)
	}
}
