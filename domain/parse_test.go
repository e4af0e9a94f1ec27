package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
)

// testUser is a lazily-read user record for the evaluation context.
func testContext() MapContext {
	partner := AttrMap{"id": int64(11), "commercial_partner_id": AttrMap{"id": int64(10)}}
	return MapContext{
		"user": AttrMap{
			"id": 7, "partner_id": partner, "commercial_partner_id": AttrMap{"id": int64(10)},
			"company_id": AttrMap{"id": int64(1)}, "all_group_ids": AttrMap{"ids": []int64{3, 4}},
		},
		"company_ids": []int64{1, 2},
		"company_id":  int64(1),
	}
}

func TestParseAccepted(t *testing.T) {
	tests := []struct{ src, want string }{
		{`[]`, `[(1, '=', 1)]`},
		{`[(1,'=',1)]`, `[(1, '=', 1)]`},
		{`[(0,'=',1)]`, `[(0, '=', 1)]`},
		{`[('state','=','sale')]`, `[('state', '=', 'sale')]`},
		{`[("is_member", "=", True)]`, `[('is_member', '=', True)]`},
		{`['|',('company_id','=',False),('company_id','in',company_ids)]`,
			`['|', ('company_id', '=', False), ('company_id', 'in', [1, 2])]`},
		{`[('company_id', 'in', company_ids + [False])]`, `[('company_id', 'in', [1, 2, False])]`},
		{`[('user_id','in',(user.id, False))]`, `[('user_id', 'in', [7, False])]`},
		{`[('user_ids', 'in', user.id)]`, `[('user_ids', 'in', 7)]`},
		{`[('message_partner_ids','child_of',[user.commercial_partner_id.id])]`,
			`[('message_partner_ids', 'child_of', [10])]`},
		{`[('partner_id', '=', user.partner_id.commercial_partner_id.id)]`, `[('partner_id', '=', 10)]`},
		{`[('company_id', 'child_of', [user.company_id.id])]`, `[('company_id', 'child_of', [1])]`},
		{`[('group_ids', 'in', user.all_group_ids.ids)]`, `[('group_ids', 'in', [3, 4])]`},
		{`[('company_id', '=', company_id)]`, `[('company_id', '=', 1)]`},
		// Layout: multi-line, comments, trailing commas, both quote styles.
		{"[\n  # own tasks\n  '|', ('a', '=', 1),  # first\n  ('b', '!=', \"x\"),\n]", `['|', ('a', '=', 1), ('b', '!=', 'x')]`},
		{`[('a', 'in', ['draft', 'confirm'],), ]`, `[('a', 'in', ['draft', 'confirm'])]`},
		{`[('a', 'in', ('cancel', 'draft'))]`, `[('a', 'in', ['cancel', 'draft'])]`},
		{`[('a', '=', None)]`, `[('a', '=', False)]`},
		{`[('a', '=', -5), ('b', '>', -1.5e3), ('c', '<', +2)]`, `['&', '&', ('a', '=', -5), ('b', '>', -1500.0), ('c', '<', 2)]`},
		{`[('a', '=', 1_000), ('b', '=', 0x10), ('c', '=', .5)]`, `['&', '&', ('a', '=', 1000), ('b', '=', 16), ('c', '=', 0.5)]`},
		{`[('a', '=', 'it\'s'), ('b', '=', "tab\there"), ('c', '=', '\x41\u00e9')]`,
			`['&', '&', ('a', '=', 'it\'s'), ('b', '=', 'tab\there'), ('c', '=', 'Aé')]`},
		{`[('a', '=', '\0'), ('b', '=', '\q')]`, `['&', ('a', '=', '\x00'), ('b', '=', '\\q')]`},
		{`[('a', '=', 'ab' "cd"), ('b', '=', u'x'), ('c', '=', r'\d')]`, `['&', '&', ('a', '=', 'abcd'), ('b', '=', 'x'), ('c', '=', '\\d')]`},
		{`[('a', 'ilike', '%')]`, `[('a', 'ilike', '%')]`},
		{`[('a', '=', 2 + 3 - 1)]`, `[('a', '=', 4)]`},
		// Prefix operators and implicit AND.
		{`['|', ('a','=',1), ('b','=',2), ('c','=',3)]`, `['&', '|', ('a', '=', 1), ('b', '=', 2), ('c', '=', 3)]`},
		{`['!', ('a','=',1)]`, `['!', ('a', '=', 1)]`},
		{`['!', '!', ('a','=',1)]`, `[('a', '=', 1)]`},
		{`['&', '&', ('a','=',1), ('b','=',2), ('c','=',3)]`, `['&', '&', ('a', '=', 1), ('b', '=', 2), ('c', '=', 3)]`},
		{`['|', (1,'=',1), ('a','=',1)]`, `[(1, '=', 1)]`},
		{`[('a', 'NOT IN', []), ('b', '<>', 1), ('c', '==', 2)]`, `['&', '&', ('a', 'not in', []), ('b', '!=', 1), ('c', '=', 2)]`},
		{`[('line_ids', 'any', [('state', '=', 'done')])]`, `[('line_ids', 'any', [('state', '=', 'done')])]`},
		{`(('a', '=', 1),)`, `[('a', '=', 1)]`},
		{`True`, `[(1, '=', 1)]`},
	}
	ev := testContext()
	for _, tt := range tests {
		n, err := Parse(tt.src, ev)
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.src, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("Parse(%s)\n got %s\nwant %s", tt.src, got, tt.want)
			continue
		}
		// The canonical form parses back to itself.
		again, err := Parse(n.String(), nil)
		if err != nil || again.String() != tt.want {
			t.Errorf("round trip of %s: %v %v", tt.want, again, err)
		}
	}
}

func TestParseRefused(t *testing.T) {
	tests := []struct{ src, want string }{
		{`__import__('os')`, `name "__import__" is not allowed at line 1, column 1`},
		{`[('a', '=', user.__class__)]`, `private attribute "__class__"`},
		{`[('a', '=', user._uid)]`, `private attribute "_uid"`},
		{`[('a', '=', len(company_ids))]`, `function calls are not allowed at line 1, column 16`},
		{`[('a', '=', user.id())]`, `function calls are not allowed`},
		{`[('a', '=', company_ids[0])]`, `subscripts are not allowed`},
		{`[('a', '=', lambda: 1)]`, `lambda is not allowed`},
		{`[x for x in company_ids]`, `comprehensions are not allowed`},
		{`[('a', '=', {'k': 1})]`, `dicts and sets are not allowed`},
		{`[('a', '=', 1 if True else 2)]`, `conditional expressions are not allowed`},
		{`[('a', '=', 2 * 3)]`, `operator "*" is not allowed`},
		{`[('a', '=', 1 == 1)]`, `comparisons are not allowed`},
		{`[('a', '=', not True)]`, `operator "not" is not allowed`},
		{`[('a', '=', time.strftime('%Y'))]`, `function calls are not allowed`},
		{`[('a', '=', uid)]`, `unknown name "uid" at line 1, column 13`},
		{`[('a', '=', user.nope)]`, `cannot read attribute "nope"`},
		{`[('a', '=', company_id.id)]`, `cannot read attribute "id" of int`},
		{`[('a', '=', 'x' + 1)]`, `unsupported operand types for +: str and int`},
		{`[('a', '=', company_ids + (1,))]`, `unsupported operand types for +: list and tuple`},
		{`[('a', '=', 1)`, `unbalanced "["`},
		{`[('a', '=', 1)]]`, `unbalanced "]"`},
		{`[('a', '=', 'x)]`, `unterminated string`},
		{`[('a', '=', b'x')]`, `string prefix "b" is not allowed`},
		{`[('a', '=', '\12')]`, `escape \1 is not allowed`},
		{`[('a', '=', '\N{DASH}')]`, `escape \N is not allowed`},
		{`[('a', '=', '\xZZ')]`, `invalid \x escape`},
		{`[('a', '=', 99999999999999999999)]`, `integer out of range`},
		{`[('a', '=', 1e999)]`, `out-of-range number`},
		{`[('a', '=', 007)]`, `leading zeros`},
		{``, `empty domain`},
		{`[('a', '=', user)]`, `a record is not allowed as a value`},
		{`[('a', '=')]`, `invalid item in domain`},
		{`['&', ('a', '=', 1)]`, `malformed domain: operator "&" needs two operands`},
		{`['!']`, `malformed domain: operator '!' needs an operand`},
		{`['x', ('a', '=', 1)]`, `invalid item in domain: 'x'`},
		{`[(2, '=', 1)]`, `a condition's field must be a string`},
		{`[('a', 'between', 1)]`, `Invalid operator in condition ('a', 'between', 1)`},
		{`[('a', 'any!', [])]`, `Invalid operator`},
		{`[('', '=', 1)]`, `empty field name`},
		{`[('a', 'in', [[1]])]`, `nested lists are not allowed`},
		{`'abc'`, `a domain must be a list`},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), `nested deeper than 32 levels`},
		{"[" + strings.Repeat("'!', ", 0) + strings.Repeat("('a', 'any', [", 33) + strings.Repeat("])", 33) + "]", `nested deeper than 32 levels`},
		{"[" + strings.Repeat("('a', '=', 1), ", 1001) + "]", `more than 1000 conditions`},
		{"[('a', '=', '" + strings.Repeat("x", 70000) + "')]", `longer than 65536 bytes`},
		{"[('a', '=', 1" + strings.Repeat(" + 1", 1001) + ")]", `more than 1000 operands`},
	}
	ev := testContext()
	for _, tt := range tests {
		_, err := Parse(tt.src, ev)
		if err == nil {
			t.Errorf("Parse(%.60s) succeeded, want error %q", tt.src, tt.want)
			continue
		}
		if !errs.Is(err, errs.ValidationError) {
			t.Errorf("Parse(%.60s): %v is not a ValidationError", tt.src, err)
		}
		if msg := errs.As(err).Message(); !strings.Contains(msg, tt.want) {
			t.Errorf("Parse(%.60s)\n got %s\nwant it to contain %s", tt.src, msg, tt.want)
		}
	}
}

func TestParseDeepOperators(t *testing.T) {
	// Alternating operators build a deep tree from a flat list: refused by
	// depth, not by recursion.
	var b strings.Builder
	b.WriteString("[")
	for i := range 100 {
		b.WriteString([]string{"'|', ('a', '=', 1), '&', ('b', '=', 2), ", "'!', "}[i%2])
	}
	b.WriteString("('c', '=', 3)]")
	if _, err := Parse(b.String(), nil); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("deep operator tree: %v", err)
	}
	// Long chains of one operator flatten and stay shallow.
	src := "[" + strings.Repeat("'|', ", 500) + strings.Repeat("('a', '=', 1), ", 501) + "]"
	n, err := Parse(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if or, ok := n.(*OrNode); !ok || len(or.Children()) != 501 {
		t.Fatalf("flattened OR: %T", n)
	}
}

func TestLimits(t *testing.T) {
	l := Limits{MaxSource: 100, MaxLeaves: 2, MaxDepth: 3, MaxValues: 3}
	for src, want := range map[string]string{
		`[('a', '=', 1), ('b', '=', 1), ('c', '=', 1)]`: "more than 2 conditions",
		`[('a', 'in', [1, 2, 3, 4])]`:                   "more than 3 values",
		`[[[[('a', '=', 1)]]]]`:                         "nested deeper than 3",
		"[" + strings.Repeat(" ", 100) + "]":            "longer than 100 bytes",
	} {
		if _, err := l.Parse(src, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

func TestTemplate(t *testing.T) {
	tpl, err := ParseTemplate(`['|', ('user_id', '=', user.id), ('company_id', 'in', company_ids + [False])]`)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tpl.Literal(); ok {
		t.Fatal("a template with names is not a literal")
	}
	if got := strings.Join(tpl.Names(), ","); got != "user,company_ids" {
		t.Fatalf("names %s", got)
	}
	for _, tc := range []struct {
		uid  int64
		cids []int64
		want string
	}{
		{7, []int64{1}, `['|', ('user_id', '=', 7), ('company_id', 'in', [1, False])]`},
		{8, []int64{2, 3}, `['|', ('user_id', '=', 8), ('company_id', 'in', [2, 3, False])]`},
	} {
		n, err := tpl.Bind(MapContext{"user": AttrMap{"id": tc.uid}, "company_ids": tc.cids})
		if err != nil || n.String() != tc.want {
			t.Errorf("Bind: %v %v, want %s", n, err, tc.want)
		}
	}
	if _, err := tpl.Bind(nil); err == nil || !strings.Contains(err.Error(), `unknown name "user"`) {
		t.Errorf("Bind(nil): %v", err)
	}

	lit, err := ParseTemplate(`[('state', '=', 'sale')]`)
	if err != nil {
		t.Fatal(err)
	}
	n1, ok := lit.Literal()
	n2, _ := lit.Bind(nil)
	if !ok || n1 != n2 {
		t.Fatal("a literal template is built once")
	}

	// Structure is checked at load time even when values are names.
	for src, want := range map[string]string{
		`[('a', 'bad', user.id)]`:           "Invalid operator",
		`['&', ('a', '=', user.id)]`:        "malformed domain",
		`[('a', '=', user.id()]`:            "function calls",
		`[('a', '=', user.id), 'nonsense']`: "invalid item",
	} {
		if _, err := ParseTemplate(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTemplate(%s): %v, want %q", src, err, want)
		}
	}
	// Structure decided by a name can only be checked when bound.
	if _, err := ParseTemplate(`[('a', '=', 1)] + extra`); err != nil {
		t.Errorf("template with a domain-valued name: %v", err)
	}
}

type failingAttr struct{}

func (failingAttr) Attr(string) (any, error) { return nil, errors.New("db: connection refused") }

func TestParseAttrErrorHidden(t *testing.T) {
	_, err := Parse(`[('a', '=', user.id)]`, MapContext{"user": failingAttr{}})
	e := errs.As(err)
	if e == nil || strings.Contains(e.Message(), "connection") || !errors.Is(err, e.Err) {
		t.Fatalf("resolver error must stay internal: %v", err)
	}
}

func TestFromJSON(t *testing.T) {
	src := `["|", ["state", "=", "sale"], "!", ["amount", ">=", 1.5], ["id", "in", [1, 2]], [1, "=", 1]]`
	want := `['&', '|', ('state', '=', 'sale'), '!', ('amount', '>=', 1.5), ('id', 'in', [1, 2])]`
	var f64 any
	if err := json.Unmarshal([]byte(src), &f64); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	var num any
	if err := dec.Decode(&num); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"float64": f64, "json.Number": num} {
		n, err := FromJSON(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := n.String()
		if name == "float64" {
			// Without UseNumber integers arrive as floats; they become
			// ints when normalised against the field.
			got = strings.ReplaceAll(strings.ReplaceAll(got, "1.0", "1"), "2.0", "2")
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	// The list form round-trips.
	n, _ := FromJSON(num)
	b, _ := json.Marshal(n.List())
	var back any
	dec = json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	dec.Decode(&back)
	if m, err := FromJSON(back); err != nil || m.String() != n.String() {
		t.Errorf("List round trip: %s, %v", b, err)
	}
	for _, bad := range []any{"x", 3.0, map[string]any{}, []any{[]any{"a", "=", map[string]any{}}}, []any{[]any{"a", "any", 1}}} {
		if _, err := FromJSON(bad); !errs.Is(err, errs.ValidationError) {
			t.Errorf("FromJSON(%v): %v", bad, err)
		}
	}
	for v, want := range map[any]Node{nil: True, true: True, false: False} {
		if n, err := FromJSON(v); err != nil || n != want {
			t.Errorf("FromJSON(%v) = %v, %v", v, n, err)
		}
	}
}

func TestConstructors(t *testing.T) {
	a := Condition{"a", "=", int64(1)}
	b := Condition{"b", "=", int64(2)}
	for _, tt := range []struct {
		n    Node
		want string
	}{
		{And(), `[(1, '=', 1)]`},
		{Or(), `[(0, '=', 1)]`},
		{And(a, True), `[('a', '=', 1)]`},
		{And(a, False), `[(0, '=', 1)]`},
		{Or(a, True), `[(1, '=', 1)]`},
		{And(a, nil), `[('a', '=', 1)]`},
		{And(And(a, b), a), `['&', '&', ('a', '=', 1), ('b', '=', 2), ('a', '=', 1)]`},
		{Or(a, Or(b, a)), `['|', '|', ('a', '=', 1), ('b', '=', 2), ('a', '=', 1)]`},
		{Not(Not(a)), `[('a', '=', 1)]`},
		{Not(True), `[(0, '=', 1)]`},
		{Condition{"a", "in", []int64{1, 2}}, `[('a', 'in', [1, 2])]`},
		{Condition{"a", "=", nil}, `[('a', '=', False)]`},
	} {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("got %s want %s", got, tt.want)
		}
	}
	if n, err := NewCondition("a", "NOT IN", []int{1}); err != nil || n.String() != `[('a', 'not in', [1])]` {
		t.Errorf("NewCondition: %v %v", n, err)
	}
}
