package access

import (
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/principal"
)

type fakeFacts struct{ commercial map[int64]int64 }

func (fakeFacts) Name() (string, error) { return "Alice", nil }
func (f fakeFacts) CommercialPartner(id int64) (int64, error) {
	if c, ok := f.commercial[id]; ok {
		return c, nil
	}
	return id, nil
}

func TestEvalContext(t *testing.T) {
	p := &principal.Principal{UserID: 7, Login: "alice", CompanyID: 2, CompanyIDs: []int64{1, 2, 3}, PartnerID: 40, GroupIDs: []int64{11, 12}}
	ev := newEvalContext(p, fakeFacts{map[int64]int64{40: 30}}, []int64{2, 3})
	for _, tc := range []struct{ src, want string }{
		{"[('company_id', 'in', company_ids)]", "[('company_id', 'in', [2, 3])]"},
		{"[('company_id', 'in', company_ids + [False])]", "[('company_id', 'in', [2, 3, False])]"},
		{"[('company_id', '=', company_id)]", "[('company_id', '=', 2)]"},
		{"[('user_id', '=', user.id)]", "[('user_id', '=', 7)]"},
		{"[('user_id', 'in', (user.id, False))]", "[('user_id', 'in', [7, False])]"},
		{"[('partner_id', 'child_of', [user.commercial_partner_id.id])]", "[('partner_id', 'child_of', [30])]"},
		{"[('partner_id', 'child_of', user.partner_id.commercial_partner_id.id)]", "[('partner_id', 'child_of', 30)]"},
		{"[('partner_id', '=', user.partner_id.id)]", "[('partner_id', '=', 40)]"},
		{"[('group_id', 'in', user.all_group_ids.ids)]", "[('group_id', 'in', [11, 12])]"},
		{"[('company_id', 'in', user.company_ids.ids)]", "[('company_id', 'in', [1, 2, 3])]"},
		{"[('company_id', '=', user.company_id.id)]", "[('company_id', '=', 2)]"},
		{"[('name', '=', user.name)]", "[('name', '=', 'Alice')]"},
	} {
		tmpl, err := domain.ParseTemplate(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		d, err := tmpl.Bind(ev)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, bad := range []string{"[('x', '=', user.password)]", "[('x', '=', user.partner_id.email)]", "[('x', '=', user.company_id.name)]", "[('x', 'in', user.all_group_ids.names)]"} {
		tmpl, err := domain.ParseTemplate(bad)
		if err == nil {
			_, err = tmpl.Bind(ev)
		}
		if err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestCombine(t *testing.T) {
	l := NewLoader(odooModels(), nil)
	l.Load("m", "r.yaml", []byte(`
groups:
  - {id: a, name: A}
  - {id: b, name: B}
  - {id: all, name: All, implied: [a]}
access:
  - {id: everyone, model: sale.order, perm_read: true}
  - {id: a_write, model: sale.order, group: a, perm_write: true}
  - {id: off, model: sale.order, group: b, perm_unlink: true, active: false}
rules:
  - {id: g1, model: sale.order, domain: "[('state', '!=', 'cancel')]"}
  - {id: g2, model: sale.order, domain: "[('company_id', 'in', company_ids)]", perm_read: false}
  - {id: ra, model: sale.order, groups: [a], domain: "[('user_id', '=', user.id)]"}
  - {id: rb, model: sale.order, groups: [b], domain: "[('partner_id', '=', user.partner_id.id)]"}
  - {id: rall, model: sale.order, groups: [all], domain: "[(1, '=', 1)]"}
  - {id: dead, model: sale.order, domain: "[(0, '=', 1)]", active: false}
`))
	s, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		groups []string
		op     string
		want   string
	}{
		{nil, "read", "[('state', '!=', 'cancel')]"},
		{[]string{"m.a"}, "read", "['&', ('state', '!=', 'cancel'), ('user_id', '=', 7)]"},
		{[]string{"m.a", "m.b"}, "read", "['&', ('state', '!=', 'cancel'), '|', ('user_id', '=', 7), ('partner_id', '=', 40)]"},
		{[]string{"m.all"}, "read", "[('state', '!=', 'cancel')]"},                                         // (1,'=',1) in the OR: globals stay
		{[]string{"m.all", "m.b"}, "write", "['&', ('state', '!=', 'cancel'), ('company_id', 'in', [2])]"}, // write: g2 too
	} {
		p := &principal.Principal{UserID: 7, PartnerID: 40, CompanyID: 2, CompanyIDs: []int64{2}, GroupXMLIDs: tc.groups}
		d, err := combine(s, s.RulesFor("sale.order", tc.op), p, fakeFacts{}, p.CompanyIDs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != tc.want {
			t.Errorf("%v %s = %s, want %s", tc.groups, tc.op, got, tc.want)
		}
	}
	// ACL: the group-less row applies to everyone; inactive rows never.
	if !s.HasACL("sale.order", "read", nil) || s.HasACL("sale.order", "write", nil) || !s.HasACL("sale.order", "write", []string{"m.all"}) || s.HasACL("sale.order", "unlink", []string{"m.b"}) {
		t.Error("ACL union wrong")
	}
}
