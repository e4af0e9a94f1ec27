package access

import (
	"strings"
	"testing"
)

// TestLintIgnoreComments: lint:ignore comments are recorded in each
// security file format, untargeted ones tied to the declaration below
// them, targeted ones kept as written; markers outside comments are not
// taken, and a CSV comment line does not break the file.
func TestLintIgnoreComments(t *testing.T) {
	l := NewLoader(odooModels(), nil)
	l.Load("sale", "acl.csv", []byte("id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"+
		"access_a,a,model_sale_order,base.group_user,1,0,0,0\n"+
		"# lint:ignore acl-portal-write portal edits their own order notes\n"+
		"access_b,b,model_sale_order,base.group_portal,1,1,0,0\n"))
	l.Load("sale", "rules.xml", []byte(`<odoo>
    <record id="r1" model="ir.rule">
        <field name="name">lint:ignore not-a-comment text in a name</field>
        <field name="model_id" ref="model_sale_order"/>
        <field name="domain_force">[(1, '=', 1)]</field>
    </record>
    <!-- managers see all:
         lint:ignore always-true-rule the group is a manager group in all but name -->
    <record id="r2" model="ir.rule">
        <field name="model_id" ref="model_sale_order"/>
        <field name="domain_force">[(1, '=', 1)]</field>
        <field name="groups" eval="[(4, ref('base.group_user'))]"/>
    </record>
    <!-- lint:ignore multi-company-rule=stock.warehouse single company -->
</odoo>`))
	l.Load("sale", "more.yaml", []byte(`access:
  - id: access_c  # lint:ignore acl-public-write public kiosk
    model: sale.order
    group: base.group_public
    perm_read: true
    perm_write: true
rules:
  # lint:ignore
  - id: r3
    model: sale.order
    domain: "[]"
`))
	s, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := []Ignore{
		{Check: "acl-portal-write", Target: "sale.access_b", Reason: "portal edits their own order notes", Pos: Pos{File: "acl.csv", Line: 3}},
		{Check: "always-true-rule", Target: "sale.r2", Reason: "the group is a manager group in all but name", Pos: Pos{File: "rules.xml", Line: 8}},
		{Check: "multi-company-rule", Target: "stock.warehouse", Reason: "single company", Pos: Pos{File: "rules.xml", Line: 14}},
		{Check: "acl-public-write", Target: "sale.access_c", Reason: "public kiosk", Pos: Pos{File: "more.yaml", Line: 2}},
		{Check: "", Target: "sale.r3", Reason: "", Pos: Pos{File: "more.yaml", Line: 8}},
	}
	if len(s.Ignores) != len(want) {
		t.Fatalf("ignores = %+v, want %+v", s.Ignores, want)
	}
	for i := range want {
		if s.Ignores[i] != want[i] {
			t.Errorf("ignore %d = %+v, want %+v", i, s.Ignores[i], want[i])
		}
	}
	if len(s.ACLs) != 3 {
		t.Errorf("ACL rows = %d, want 3 (the comment line is not a row)", len(s.ACLs))
	}
}

// An untargeted comment explains the declaration right below it, never a
// later one: above a group, or above a row skipped for an undeclared
// model, it stays untied (rampart lint then reports it as unused).
func TestLintIgnoreDoesNotSlide(t *testing.T) {
	l := NewLoader(odooModels(), nil)
	l.Load("sale", "acl.csv", []byte("id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"+
		"# lint:ignore acl-portal-write meant for the skipped row\n"+
		"access_gone,gone,model_not_declared,base.group_portal,1,1,0,0\n"+
		"access_b,b,model_sale_order,base.group_portal,1,1,0,0\n"))
	l.Load("sale", "sec.xml", []byte(`<odoo>
    <!-- lint:ignore always-true-rule meant for the group -->
    <record id="group_x" model="res.groups">
        <field name="name">X</field>
    </record>
    <record id="r1"
            model="ir.rule">
        <field name="model_id" ref="model_sale_order"/>
        <field name="domain_force">[(1, '=', 1)]</field>
        <field name="groups" eval="[(4, ref('group_x'))]"/>
    </record>
</odoo>`))
	l.Load("sale", "sec.yaml", []byte(`rules:
  - id: r2
    model: sale.order
    # lint:ignore always-true-rule inside r2, not above r3
    domain: "[]"
  - id: r3
    model: sale.order
`))
	s, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Ignores) != 3 {
		t.Fatalf("ignores = %+v", s.Ignores)
	}
	for _, ig := range s.Ignores {
		if ig.Target != "" {
			t.Errorf("%s:%d slid to %s", ig.Pos.File, ig.Pos.Line, ig.Target)
		}
	}
	// A start tag over two lines still ties the comment right above it.
	l = NewLoader(odooModels(), nil)
	l.Load("sale", "sec.xml", []byte("<odoo>\n<!-- lint:ignore always-true-rule ok -->\n<record id=\"r1\"\n model=\"ir.rule\">\n"+
		"<field name=\"model_id\" ref=\"model_sale_order\"/><field name=\"domain_force\">[]</field></record>\n</odoo>"))
	if s, err = l.Build(); err != nil || len(s.Ignores) != 1 || s.Ignores[0].Target != "sale.r1" {
		t.Fatalf("two-line start tag: %+v %v", s, err)
	}
}

// FuzzLintIgnore: any file content, in any of the three formats, loads
// without a panic, and every recorded comment points at a line of the file.
func FuzzLintIgnore(f *testing.F) {
	f.Add("acl.csv", "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n# lint:ignore a b\naccess_a,a,model_sale_order,,1,1,0,0\n")
	f.Add("r.xml", "<odoo><!-- lint:ignore x=y z --><record id=\"r\" model=\"ir.rule\"><field name=\"model_id\" ref=\"model_sale_order\"/></record></odoo>")
	f.Add("r.xml", "<!-- a\nlint:ignore\n--><!--")
	f.Add("s.yaml", "rules:\n  - id: r # lint:ignore c d\n    model: sale.order\n")
	f.Fuzz(func(t *testing.T, name, data string) {
		l := NewLoader(odooModels(), nil)
		l.Load("m", name, []byte(data))
		n := strings.Count(data, "\n") + 1
		for _, ig := range l.ignores {
			if ig.Pos.File != name || ig.Pos.Line < 1 || ig.Pos.Line > n {
				t.Fatalf("ignore at %v in a %d-line file", ig.Pos, n)
			}
		}
	})
}
