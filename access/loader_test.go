package access

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/store/storetest"
)

// moduleOf reads the Odoo module from a fixture name: sale_security.xml →
// sale, sales_team_security.xml → sales_team, hr_ir.model.access.csv → hr.
func moduleOf(name string) string {
	for _, suf := range []string{"_security.xml", "_ir.model.access.csv"} {
		if strings.HasSuffix(name, suf) {
			return strings.TrimSuffix(name, suf)
		}
	}
	return ""
}

func loadOdoo(t *testing.T) *Set {
	t.Helper()
	l := NewLoader(odooModels(), nil)
	names, _ := filepath.Glob("testdata/odoo/*")
	// groups first only matters for readability: the loader resolves
	// references in Build.
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		l.Load(moduleOf(filepath.Base(n)), n, b)
	}
	s, err := l.Build()
	if err != nil {
		t.Fatalf("Odoo fixtures refused:\n%v", err)
	}
	return s
}

func TestOdooFixturesLoad(t *testing.T) {
	s := loadOdoo(t)
	byID := map[string]*Rule{}
	for _, r := range s.Rules {
		byID[r.XMLID] = r
	}
	portal := byID["sale.sale_order_rule_portal"]
	if portal == nil || portal.Model != "sale.order" || portal.Create || !portal.Read || !slices.Equal(portal.Groups, []string{"base.group_portal"}) {
		t.Errorf("portal rule = %+v", portal)
	}
	if r := byID["account.account_move_see_all"]; r == nil || len(r.Groups) != 2 {
		t.Errorf("Command.link groups = %+v", r)
	}
	if r := byID["account.account_move_rule_group_invoice_noncancel"]; r == nil || r.Read || !slices.Equal(r.Groups, []string{"account.group_account_readonly"}) {
		t.Errorf("(6,0,[...]) groups, perm_read False = %+v", r)
	}
	if r := byID["project.task_archived_rule"]; r == nil || r.Active {
		t.Errorf("inactive rule = %+v", r)
	}
	if r := byID["stock.stock_picking_portal_rule"]; r == nil || r.Groups[0] != "base.group_portal" {
		t.Errorf("Command.set groups = %+v", r)
	}
	if !strings.Contains(byID["project.task_visibility_rule"].Domain, "# the user") {
		t.Error("comment in domain_force lost")
	}
	// Skipped: rules and rows of undeclared models, with file and line.
	want := []string{"sale_report", "product_product", "account_move_line", "hr_job"}
	for _, w := range want {
		found := false
		for _, s := range s.Skipped {
			found = found || strings.Contains(s, w) && strings.Contains(s, "testdata/odoo/") && strings.Contains(s, "is not declared")
		}
		if !found {
			t.Errorf("no skip message for %s in %q", w, s.Skipped)
		}
	}
	// Implied groups: the manager reaches base.group_user in three steps.
	exp := s.Expand([]string{"sales_team.group_sale_manager"})
	for _, g := range []string{"sales_team.group_sale_salesman_all_leads", "sales_team.group_sale_salesman", "base.group_user"} {
		if !exp[g] {
			t.Errorf("manager lacks implied %s", g)
		}
	}
	if g := s.Groups["sales_team.group_sale_salesman"]; g.Privilege != "Sales" || g.Label() != "Sales/User: Own Documents Only" {
		t.Errorf("group label = %q", g.Label())
	}
	// The global product row applies to everyone.
	if !s.HasACL("res.partner", "read", []string{"sales_team.group_sale_manager"}) || s.HasACL("sale.order", "unlink", []string{"sales_team.group_sale_salesman"}) {
		t.Error("ACL union wrong")
	}
}

// Every rule of the Odoo fixtures compiles to SQL, bound for a user.
func TestOdooFixturesCompile(t *testing.T) {
	s := loadOdoo(t)
	models := odooModels()
	d := storetest.SQLite(t).Dialect
	for _, r := range s.Rules {
		n, err := r.tmpl.Bind(probeContext())
		if err != nil {
			t.Errorf("%s: bind: %v", r.XMLID, err)
			continue
		}
		sql, _, err := domain.Compile(d, models, r.Model, n, domain.CompileOptions{})
		if err != nil || sql == "" {
			t.Errorf("%s: %s: compile: %v", r.XMLID, r.Domain, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	models := odooModels()
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"xml syntax", "bad.xml", "<odoo>\n<record id='x' model='ir.rule'>\n<field name='name'>x</field>\n</odoo>", "bad.xml:4: XML syntax error"},
		{"domain syntax", "r.xml", "<odoo>\n<record id='r' model='ir.rule'>\n<field name='model_id' ref='model_sale_order'/>\n<field name='domain_force'>[('user_id', '=', </field>\n</record></odoo>", "r.xml:2: rule m.r: Invalid domain"},
		{"unsafe domain", "r.xml", "<odoo>\n\n<record id='r' model='ir.rule'><field name='model_id' ref='model_sale_order'/><field name='domain_force'>[('user_id', '=', __import__('os').getpid())]</field></record></odoo>", "r.xml:3: rule m.r: Invalid domain"},
		{"unknown name", "r.xml", "<odoo><record id='r' model='ir.rule'><field name='model_id' ref='model_sale_order'/><field name='domain_force'>[('user_id', '=', uid)]</field></record></odoo>", `name "uid" is not available`},
		{"unknown field", "r.yaml", "rules:\n  - id: r\n    model: sale.order\n    domain: \"[('owner_id', '=', user.id)]\"\n", "r.yaml:2: rule m.r: invalid domain: Invalid field sale.order.owner_id"},
		{"unknown user attr", "r.yaml", "rules:\n  - id: r\n    model: sale.order\n    domain: \"[('user_id', '=', user.password)]\"\n", `r.yaml:2: rule m.r: `},
		{"unknown group", "r.xml", "<odoo><record id='r' model='ir.rule'><field name='model_id' ref='model_sale_order'/><field name='groups' eval=\"[(4, ref('sale.group_nobody'))]\"/></record></odoo>", "r.xml:1: rule m.r: unknown group sale.group_nobody"},
		{"unknown model yaml", "a.yaml", "access:\n  - id: a\n    model: sale.nothing\n    perm_read: true\n", "a.yaml:2: access a: unknown model sale.nothing"},
		{"unknown key", "a.yaml", "access:\n  - id: a\n    model: sale.order\n    perm_raed: true\n", `a.yaml:4: unknown key "perm_raed"`},
		{"csv bool", "a.csv", "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\na,a,model_sale_order,,yes,0,0,0\n", "a.csv:2: perm_read: not a boolean"},
		{"csv header", "a.csv", "id,name,model_id:id,perm_read\n", `a.csv:1: missing column "group_id:id"`},
		{"csv unknown group", "a.csv", "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n\na,a,model_sale_order,group_x,1,0,0,0\n", "a.csv:3: access m.a: unknown group m.group_x"},
		{"eval code", "g.xml", "<odoo><record id='g' model='res.groups'><field name='name'>G</field>\n<field name='implied_ids' eval=\"[(4, __import__('os'))]\"/></record></odoo>", "g.xml:2: group m.g: implied_ids"},
		{"no perms", "r.yaml", "rules:\n  - id: r\n    model: sale.order\n    perm_read: false\n    perm_write: false\n    perm_create: false\n    perm_unlink: false\n", "at least one checked access right"},
		{"cycle", "g.yaml", "groups:\n  - {id: a, name: A, implied: [b]}\n  - {id: b, name: B, implied: [a]}\n", "form a cycle"},
		{"root", "x.xml", "<html/>", "x.xml:1: root element is <html>"},
		{"yaml syntax", "y.yaml", "rules:\n  - id: [\n", "y.yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader(models, nil)
			l.Load("m", tc.file, []byte(tc.data))
			_, err := l.Build()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestPyEval(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"[(4, ref('base.group_user'))]", []string{"base.group_user"}},
		{"[(4, ref('a')), (4, ref('b')),]", []string{"m.a", "m.b"}},
		{"[Command.link(ref('a')), Command.link(ref('x.b'))]", []string{"m.a", "x.b"}},
		{"[(6, 0, [ref('a'), ref('b')]), (3, ref('a'))]", []string{"m.b"}},
		{"[Command.set([ref('a')]), Command.clear(), (4, ref(\"c\"))]", []string{"m.c"}},
	} {
		v, err := pyEval(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, err := refsFromCommands(v, "m")
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
	for _, bad := range []string{"[(4, ref('a')]", "eval('1')", "[(4, open('x'))]", "[(7, ref('a'))]", "[(4, 1)]"} {
		v, err := pyEval(bad)
		if err == nil {
			_, err = refsFromCommands(v, "m")
		}
		if err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestHasGroups(t *testing.T) {
	g := map[string]bool{"base.group_user": true, "sales.group_salesman": true}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"", true},
		{"base.group_user", true},
		{"base.group_system", false},
		{"base.group_system,sales.group_salesman", true},
		{"!base.group_portal", true},
		{"!base.group_user", false},
		{"base.group_user,!sales.group_salesman", false},
		{".", false},
	} {
		if got := HasGroups(tc.expr, g); got != tc.want {
			t.Errorf("HasGroups(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestACLMessage(t *testing.T) {
	s := loadOdoo(t)
	got := ACLMessage("Sales Order", "sale.order", "unlink", s.GroupsWithAccess("sale.order", "unlink"))
	want := "You are not allowed to delete 'Sales Order' (sale.order) records.\n\nThis operation is allowed for the following groups:\n\t- Sales/Administrator\n\nContact your administrator to request access if necessary."
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = ACLMessage("", "hr.job", "read", nil)
	want = "You are not allowed to access 'hr.job' (hr.job) records.\n\nNo group currently allows this operation.\n\nContact your administrator to request access if necessary."
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
