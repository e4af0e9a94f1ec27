package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
)

// Each check is tested from both sides: a fixture that triggers it and
// the clean variant that does not. Fixtures are built as the loader and
// the route table build them; findings are filtered by check.

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixtureModels: shop.note has a company and a secret-looking field; the
// clean variant hides the secret behind groups.
func fixtureModels(t *testing.T, secretGroups string) *orm.Registry {
	t.Helper()
	reg := orm.NewRegistry(orm.AllowAll{})
	err := reg.Define(orm.ModelDef{Name: "shop.note", Source: "shop.yaml", Fields: []orm.Field{
		{Name: "name", Type: orm.Char},
		{Name: "user_id", Type: orm.Many2one, Comodel: "res.users"},
		{Name: "company_id", Type: orm.Many2one, Comodel: "res.company"},
		{Name: "webhook_token", Type: orm.Char, Groups: secretGroups},
		{Name: "keyword", Type: orm.Char}, // "key" only as a whole word
	}}, orm.ModelDef{Name: "shop.tag", Source: "shop.yaml", Fields: []orm.Field{
		{Name: "name", Type: orm.Char},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func security(t *testing.T, reg *orm.Registry, files map[string]string) *access.Set {
	t.Helper()
	l := access.NewLoader(reg, nil)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		l.Load("shop", name, []byte(files[name]))
	}
	s, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const groupsXML = `<odoo>
    <record id="group_clerk" model="res.groups"><field name="name">Clerk</field></record>
    <record id="group_shop_manager" model="res.groups"><field name="name">Shop Manager</field></record>
    <record id="group_portal_helper" model="res.groups"><field name="name">Helper</field></record>
    <record id="base.group_portal" model="res.groups"><field name="implied_ids" eval="[(4, ref('group_portal_helper'))]"/></record>
</odoo>`

const cleanCSV = `id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
access_note_portal,note portal,model_shop_note,base.group_portal,1,0,0,0
access_note_public,note public,model_shop_note,base.group_public,1,0,0,0
access_note_clerk,note clerk,model_shop_note,group_clerk,1,1,1,0
access_note_manager,note manager,model_shop_note,group_shop_manager,1,1,1,1
`

const cleanRules = `<odoo>
    <record id="note_comp_rule" model="ir.rule">
        <field name="model_id" ref="model_shop_note"/>
        <field name="domain_force">[('company_id', 'in', company_ids + [False])]</field>
    </record>
    <record id="note_own" model="ir.rule">
        <field name="model_id" ref="model_shop_note"/>
        <field name="domain_force">[('user_id', '=', user.id)]</field>
        <field name="groups" eval="[(4, ref('group_clerk'))]"/>
    </record>
    <record id="note_all_manager" model="ir.rule">
        <field name="model_id" ref="model_shop_note"/>
        <field name="domain_force">[(1, '=', 1)]</field>
        <field name="groups" eval="[(4, ref('group_shop_manager'))]"/>
    </record>
</odoo>`

func run(t *testing.T, in Input) *Report {
	t.Helper()
	if in.Now.IsZero() {
		in.Now = now
	}
	r, err := Check(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func only(r *Report, check string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// shop keeps the fixture's own findings (the built-in models, as
// ir.sequence, have their own).
func shop(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if strings.HasPrefix(f.ID, "shop.") {
			out = append(out, f)
		}
	}
	return out
}

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func securityInput(t *testing.T, secretGroups, csv, rules string) Input {
	reg := fixtureModels(t, secretGroups)
	return Input{Models: reg, Security: security(t, reg, map[string]string{"groups.xml": groupsXML, "ir.model.access.csv": csv, "rules.xml": rules})}
}

func TestCheckRouteAnonymousUnsafe(t *testing.T) {
	routes := []*httpd.Route{
		{Name: "pub-post", Path: "/shop/order", Type: httpd.TypeJSON2, Auth: httpd.AuthPublic, Methods: []string{"POST"}},
		{Name: "pub-post-ro", Path: "/shop/quote", Type: httpd.TypeJSON2, Auth: httpd.AuthPublic, Methods: []string{"POST"}, ReadOnly: true},
		{Name: "pub-get-rw", Path: "/shop/page", Type: httpd.TypeHTTP, Auth: httpd.AuthPublic, Methods: []string{"GET", "HEAD"}},
		{Name: "none-delete", Path: "/shop/hook", Type: httpd.TypeJSON2, Auth: httpd.AuthNone, Methods: []string{"DELETE"}},
		// Clean: reads for anyone on a read-only transaction, writes for users.
		{Name: "pub-get", Path: "/shop/catalog", Type: httpd.TypeHTTP, Auth: httpd.AuthPublic, Methods: []string{"GET", "HEAD"}, ReadOnly: true},
		{Name: "none-get", Path: "/health", Type: httpd.TypeHTTP, Auth: httpd.AuthNone, Methods: []string{"GET"}},
		{Name: "user-post", Path: "/shop/mine", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}},
		{Name: "bearer-post", Path: "/shop/api", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: []string{"POST"}},
	}
	got := only(run(t, Input{Routes: routes}), CheckRouteAnonymousUnsafe)
	want := map[string]Severity{"/shop/order": High, "/shop/quote": Low, "/shop/page": Low, "/shop/hook": Low}
	wantSeverities(t, got, want)
}

func TestCheckRouteCSRFDisabled(t *testing.T) {
	off := false
	routes := []*httpd.Route{
		{Name: "form", Path: "/shop/form", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: []string{"POST"}, CSRF: &off},
		{Name: "pub-form", Path: "/shop/contact", Type: httpd.TypeHTTP, Auth: httpd.AuthPublic, Methods: []string{"POST"}, CSRF: &off, ReadOnly: true},
		// Clean: CSRF on (the default), CSRF off on a GET, a bearer route,
		// and a JSON route (CSRF never applies there).
		{Name: "form-ok", Path: "/shop/form2", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: []string{"POST"}},
		{Name: "get", Path: "/shop/view", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: []string{"GET"}, CSRF: &off},
		{Name: "bearer", Path: "/shop/hook", Type: httpd.TypeHTTP, Auth: httpd.AuthBearer, Methods: []string{"POST"}, CSRF: &off},
		{Name: "json", Path: "/shop/json", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}},
	}
	got := only(run(t, Input{Routes: routes}), CheckRouteCSRFDisabled)
	if !slices.Equal(ids(got), []string{"/shop/form", "/shop/contact"}) {
		t.Fatalf("findings %v", ids(got))
	}
	for _, f := range got {
		if f.Severity != High {
			t.Errorf("%s: severity %s", f.ID, f.Severity)
		}
	}
}

func TestCheckRouteCORSCredentials(t *testing.T) {
	cors := func(cred bool, origins ...string) *httpd.CORS {
		return &httpd.CORS{Origins: origins, Credentials: cred}
	}
	routes := []*httpd.Route{
		{Path: "/a", Name: "a", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "https://*.example.com")},
		{Path: "/b", Name: "b", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "https://a.example", "https://b.example", "https://c.example", "https://d.example")},
		{Path: "/c", Name: "c", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "http://shop.example")},
		{Path: "/d", Name: "d", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "null")},
		// Clean: one https origin with credentials; any origin without.
		{Path: "/e", Name: "e", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "https://shop.example")},
		{Path: "/f", Name: "f", Type: httpd.TypeJSON2, Auth: httpd.AuthPublic, Methods: []string{"GET"}, ReadOnly: true, CORS: cors(false, "*")},
		{Path: "/g", Name: "g", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{"POST"}, CORS: cors(true, "https://a.example", "https://b.example", "https://c.example")},
	}
	got := only(run(t, Input{Routes: routes}), CheckRouteCORSCredentials)
	want := map[string]Severity{"/a": High, "/b": Medium, "/c": Medium, "/d": High}
	wantSeverities(t, got, want)
}

func TestCheckMultiCompanyRule(t *testing.T) {
	noCompanyRule := strings.Replace(cleanRules, "[('company_id', 'in', company_ids + [False])]", "[('name', '!=', 'x')]", 1)
	got := shop(only(run(t, securityInput(t, "base.group_system", cleanCSV, noCompanyRule)), CheckMultiCompanyRule))
	if len(got) != 1 || got[0].ID != "shop.note" || got[0].Severity != Medium || got[0].File != "shop.yaml" {
		t.Fatalf("findings %+v", got)
	}
	// A company rule given to a group does not confine the others.
	groupOnly := strings.Replace(cleanRules, `[('company_id', 'in', company_ids + [False])]</field>`,
		`[('company_id', 'in', company_ids)]</field><field name="groups" eval="[(4, ref('group_clerk'))]"/>`, 1)
	if got := shop(only(run(t, securityInput(t, "base.group_system", cleanCSV, groupOnly)), CheckMultiCompanyRule)); len(got) != 1 {
		t.Errorf("group-only company rule: findings %+v", got)
	}
	// A global rule on the field that does not compare with the user's
	// companies confines nothing.
	notCompanies := strings.Replace(cleanRules, "[('company_id', 'in', company_ids + [False])]", "[('company_id', '!=', False)]", 1)
	if got := shop(only(run(t, securityInput(t, "base.group_system", cleanCSV, notCompanies)), CheckMultiCompanyRule)); len(got) != 1 {
		t.Errorf("company_id != False rule: findings %+v", got)
	}
	if got := shop(only(run(t, securityInput(t, "base.group_system", cleanCSV, cleanRules)), CheckMultiCompanyRule)); len(got) != 0 {
		t.Errorf("clean: findings %+v", got)
	}
}

func TestCheckAlwaysTrueRule(t *testing.T) {
	for _, dom := range []string{"[(1, '=', 1)]", "[]", "['|', (1, '=', 1), ('name', '=', 'x')]"} {
		clerkAll := strings.Replace(cleanRules, `<field name="domain_force">[('user_id', '=', user.id)]</field>`, `<field name="domain_force">`+dom+`</field>`, 1)
		got := only(run(t, securityInput(t, "base.group_system", cleanCSV, clerkAll)), CheckAlwaysTrueRule)
		if len(got) != 1 || got[0].ID != "shop.note_own" || got[0].Severity != Medium || got[0].File != "rules.xml" || got[0].Line != 6 {
			t.Errorf("%s: findings %+v", dom, got)
		}
	}
	// Clean: the manager's always-true rule, the clerk's own-records rule,
	// a rule using the user (not constant).
	if got := only(run(t, securityInput(t, "base.group_system", cleanCSV, cleanRules)), CheckAlwaysTrueRule); len(got) != 0 {
		t.Errorf("clean: findings %+v", got)
	}
}

func TestCheckACLPortalWrite(t *testing.T) {
	cases := map[string]string{
		"portal":  "access_x,x,model_shop_tag,base.group_portal,1,1,0,0\n",
		"public":  "access_x,x,model_shop_tag,base.group_public,1,0,1,0\n",
		"nogroup": "access_x,x,model_shop_tag,,1,0,0,1\n",
		"implied": "access_x,x,model_shop_tag,group_portal_helper,1,1,0,0\n",
	}
	for name, row := range cases {
		got := only(run(t, securityInput(t, "base.group_system", cleanCSV+row, cleanRules)), CheckACLPortalWrite)
		if len(got) != 1 || got[0].ID != "shop.access_x" || got[0].Severity != High || got[0].File != "ir.model.access.csv" || got[0].Line != 6 {
			t.Errorf("%s: findings %+v", name, got)
		}
	}
	// Clean: portal and public read only, writes for internal groups,
	// an inactive row.
	inactive := strings.Replace(cleanCSV, "perm_unlink\n", "perm_unlink,active\n", 1)
	inactive = strings.ReplaceAll(inactive, "0\n", "0,1\n")
	inactive = strings.ReplaceAll(inactive, "1,1,1,1\n", "1,1,1,1,1\n")
	inactive += "access_y,y,model_shop_tag,base.group_portal,1,1,1,1,0\n"
	for name, csv := range map[string]string{"clean": cleanCSV, "inactive": inactive} {
		if got := only(run(t, securityInput(t, "base.group_system", csv, cleanRules)), CheckACLPortalWrite); len(got) != 0 {
			t.Errorf("%s: findings %+v", name, got)
		}
	}
}

func TestCheckSecretFieldReadable(t *testing.T) {
	got := only(run(t, securityInput(t, "", cleanCSV, cleanRules)), CheckSecretFieldNoGrps)
	if len(got) != 1 || got[0].ID != "shop.note.webhook_token" || got[0].Severity != High {
		t.Fatalf("findings %+v", got)
	}
	if got := only(run(t, securityInput(t, "base.group_system", cleanCSV, cleanRules)), CheckSecretFieldNoGrps); len(got) != 0 {
		t.Errorf("with groups: findings %+v", got)
	}
	// A model nobody may read leaks nothing.
	noRead := "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"
	if got := only(run(t, securityInput(t, "", noRead, cleanRules)), CheckSecretFieldNoGrps); len(got) != 0 {
		t.Errorf("unreadable model: findings %+v", got)
	}
	for name, want := range map[string]bool{"password": true, "api_key": true, "x_secret_value": true, "access_token": true, "oauth_tokens": true,
		"key": true, "keyword": false, "monkey": false, "name": false, "passport": false} {
		if secretName(name) != want {
			t.Errorf("secretName(%q) = %v", name, !want)
		}
	}
}

// wantSeverities checks that got has exactly the findings of want, by id,
// with their severities and a fix each.
func wantSeverities(t *testing.T, got []Finding, want map[string]Severity) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("findings %v, want %v", ids(got), want)
	}
	for _, f := range got {
		if sev, ok := want[f.ID]; !ok || sev != f.Severity || f.Fix == "" {
			t.Errorf("%s: %s (fix %q), want %s", f.ID, f.Severity, f.Fix, want[f.ID])
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }

func TestCheckKeyNoExpiry(t *testing.T) {
	keys := []Key{
		{ID: 1, Login: "bot", Name: "forever", CreatedAt: now.AddDate(0, 0, -1), LastUsed: ptr(now)},
		{ID: 2, Login: "bot", Name: "expiring", CreatedAt: now.AddDate(0, 0, -1), ExpiresAt: ptr(now.AddDate(0, 1, 0)), LastUsed: ptr(now)},
		{ID: 3, Login: "bot", Name: "revoked", CreatedAt: now.AddDate(0, 0, -1), RevokedAt: ptr(now)},
	}
	got := only(run(t, Input{Keys: keys}), CheckKeyNoExpiry)
	if len(got) != 1 || !strings.HasPrefix(got[0].ID, "key 1 ") || got[0].Severity != Medium {
		t.Fatalf("findings %+v", got)
	}
}

func TestCheckKeyUnused(t *testing.T) {
	exp := ptr(now.AddDate(1, 0, 0))
	keys := []Key{
		{ID: 1, Login: "bot", Name: "stale", CreatedAt: now.AddDate(-1, 0, 0), ExpiresAt: exp, LastUsed: ptr(now.AddDate(0, 0, -91))},
		{ID: 2, Login: "bot", Name: "never", CreatedAt: now.AddDate(0, 0, -100), ExpiresAt: exp},
		// Clean: used recently, new and unused, stale but revoked or expired.
		{ID: 3, Login: "bot", Name: "busy", CreatedAt: now.AddDate(-1, 0, 0), ExpiresAt: exp, LastUsed: ptr(now.AddDate(0, 0, -89))},
		{ID: 4, Login: "bot", Name: "new", CreatedAt: now.AddDate(0, 0, -3), ExpiresAt: exp},
		{ID: 5, Login: "bot", Name: "revoked", CreatedAt: now.AddDate(-1, 0, 0), ExpiresAt: exp, RevokedAt: ptr(now)},
		{ID: 6, Login: "bot", Name: "expired", CreatedAt: now.AddDate(-1, 0, 0), ExpiresAt: ptr(now.AddDate(0, 0, -1))},
	}
	got := only(run(t, Input{Keys: keys}), CheckKeyUnused)
	if len(got) != 2 || !strings.HasPrefix(got[0].ID, "key 1 ") || !strings.HasPrefix(got[1].ID, "key 2 ") || got[0].Severity != Low {
		t.Fatalf("findings %+v", got)
	}
}

// fakeTwoFactor answers from a set of uids; err fails every call.
type fakeTwoFactor struct {
	on  map[int64]bool
	err error
}

func (f fakeTwoFactor) Enabled(_ context.Context, uid int64) (bool, error) { return f.on[uid], f.err }

func TestCheckAdminNo2FA(t *testing.T) {
	reg := fixtureModels(t, "base.group_system")
	set := security(t, reg, map[string]string{"groups.xml": groupsXML})
	users := []User{
		{ID: 2, Login: "admin", Active: true, Groups: []string{"base.group_system"}},
		{ID: 3, Login: "rights", Active: true, Groups: []string{"base.group_erp_manager"}},
		{ID: 4, Login: "safe-admin", Active: true, Groups: []string{"base.group_system"}},
		// Clean: a plain user, an inactive administrator, the special accounts.
		{ID: 5, Login: "clerk", Active: true, Groups: []string{"shop.group_clerk", "base.group_user"}},
		{ID: 6, Login: "old-admin", Active: false, Groups: []string{"base.group_system"}},
		{ID: 1, Login: "__system__", Active: true, Groups: []string{"base.group_system"}},
	}
	in := Input{Models: reg, Security: set, Users: users, TwoFactor: fakeTwoFactor{on: map[int64]bool{4: true}}}
	r := run(t, in)
	if got := only(r, CheckAdminNo2FA); !slices.Equal(ids(got), []string{"admin", "rights"}) || got[0].Severity != Medium {
		t.Fatalf("findings %+v", got)
	}
	if got := only(r, CheckTwoFactorSkip); len(got) != 0 {
		t.Errorf("skip note with a provider: %+v", got)
	}
	// Every administrator enrolled: nothing.
	in.TwoFactor = fakeTwoFactor{on: map[int64]bool{2: true, 3: true, 4: true}}
	if got := only(run(t, in), CheckAdminNo2FA); len(got) != 0 {
		t.Errorf("all enrolled: %+v", got)
	}
	// No provider: skipped with one info note, never a pass in silence.
	in.TwoFactor = nil
	r = run(t, in)
	if got := only(r, CheckAdminNo2FA); len(got) != 0 {
		t.Errorf("no provider: %+v", got)
	}
	if got := only(r, CheckTwoFactorSkip); len(got) != 1 || got[0].Severity != Info {
		t.Errorf("no provider: skip note %+v", got)
	}
	// A provider failure fails the run (not a silent pass).
	in.TwoFactor = fakeTwoFactor{err: errors.New("no table")}
	if _, err := Check(context.Background(), in); err == nil {
		t.Error("provider error: no error")
	}
}

func TestCheckUserIdle(t *testing.T) {
	users := []User{
		{ID: 2, Login: "ghost", Active: true, Groups: []string{"base.group_user"}, Created: now.AddDate(-3, 0, 0), LastSeen: now.AddDate(-1, 0, -2)},
		{ID: 3, Login: "never", Active: true, Groups: []string{"base.group_user"}, Created: now.AddDate(-2, 0, 0)},
		{ID: 4, Login: "old-admin", Active: true, Groups: []string{"base.group_system"}, Created: now.AddDate(-2, 0, 0)},
		// Clean: seen recently, created recently, inactive, special.
		{ID: 5, Login: "busy", Active: true, Created: now.AddDate(-3, 0, 0), LastSeen: now.AddDate(0, -11, 0)},
		{ID: 6, Login: "newbie", Active: true, Created: now.AddDate(0, -1, 0)},
		{ID: 7, Login: "gone", Active: false, Created: now.AddDate(-3, 0, 0)},
		{ID: 8, Login: "__public__", Active: true, Created: now.AddDate(-3, 0, 0)},
	}
	got := only(run(t, Input{Users: users}), CheckUserIdle)
	want := map[string]Severity{"ghost": Low, "never": Low, "old-admin": Medium}
	wantSeverities(t, got, want)
}

func TestCheckSudoReasons(t *testing.T) {
	var reasons []ReasonCount
	for i := range 12 {
		reasons = append(reasons, ReasonCount{Reason: "reason " + string(rune('a'+i)), Count: 100 - i})
	}
	got := only(run(t, Input{Sudo: reasons, SudoSince: now.AddDate(0, 0, -90)}), CheckSudoReasons)
	if len(got) != SudoListed+1 || got[0].ID != "reason a" || got[SudoListed-1].ID != "reason j" || got[0].Severity != Info {
		t.Fatalf("findings %v", ids(got))
	}
	if last := got[SudoListed]; !strings.Contains(last.Message, "2 other sudo reasons used 179 times") {
		t.Errorf("rest: %q", last.Message)
	}
	if got := only(run(t, Input{}), CheckSudoReasons); len(got) != 0 {
		t.Errorf("no sudo: %+v", got)
	}
}

// A lint:ignore explains the finding below it: still listed, marked, and
// no longer failing; a targeted one names a finding without a
// declaration; one without a reason, or matching nothing, is reported.
func TestLintIgnore(t *testing.T) {
	csv := cleanCSV + "# lint:ignore acl-portal-write the portal books its own visits\naccess_x,x,model_shop_tag,base.group_portal,1,1,0,0\n" +
		"# lint:ignore acl-portal-write\naccess_z,z,model_shop_tag,base.group_public,1,1,0,0\n"
	rules := strings.Replace(cleanRules, "</odoo>", "<!-- lint:ignore secret-field-readable=shop.note.webhook_token rotated daily by the shop -->\n"+
		"<!-- lint:ignore always-true-rule=shop.nothing stale -->\n</odoo>", 1)
	r := run(t, securityInput(t, "", csv, rules))
	byID := map[string]Finding{}
	for _, f := range r.Findings {
		byID[f.Check+" "+f.ID] = f
	}
	if f := byID["acl-portal-write shop.access_x"]; f.Ignored != "the portal books its own visits" {
		t.Errorf("access_x: %+v", f)
	}
	if f := byID["secret-field-readable shop.note.webhook_token"]; f.Ignored != "rotated daily by the shop" {
		t.Errorf("targeted: %+v", f)
	}
	if f, ok := byID["acl-portal-write shop.access_z"]; !ok || f.Ignored != "" {
		t.Errorf("ignore without a reason accepted: %+v", f)
	}
	if f := byID["lint-ignore-invalid "]; f.File != "ir.model.access.csv" || f.Line != 8 {
		t.Errorf("invalid ignore: %+v", f)
	}
	if f := byID["lint-ignore-unused shop.nothing"]; f.Severity != Low {
		t.Errorf("unused ignore: %+v", f)
	}
	if !r.Failed(High) { // access_z is still high
		t.Error("access_z does not fail")
	}
	// With access_z gone, nothing high is left unexplained.
	csv = cleanCSV + "# lint:ignore acl-portal-write the portal books its own visits\naccess_x,x,model_shop_tag,base.group_portal,1,1,0,0\n"
	r = run(t, securityInput(t, "", csv, rules))
	if r.Failed(High) {
		t.Errorf("explained findings fail: %+v", r.Findings)
	}
	if !r.Failed(Low) {
		t.Error("the unused ignore (low) does not fail --fail-on low")
	}
}

func TestReportOutput(t *testing.T) {
	r := run(t, securityInput(t, "", cleanCSV, cleanRules))
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("JSON: %v\n%s", err, b.String())
	}
	if len(back.Findings) != len(r.Findings) || back.Findings[0].Severity != High || !strings.Contains(b.String(), `"severity": "high"`) {
		t.Errorf("round trip: %+v", back.Findings)
	}
	b.Reset()
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "HIGH") || !strings.Contains(b.String(), "fix: ") || !strings.HasSuffix(b.String(), "ignored\n") {
		t.Errorf("text:\n%s", b.String())
	}
	for i := 1; i < len(r.Findings); i++ {
		if r.Findings[i].Severity > r.Findings[i-1].Severity {
			t.Fatalf("not sorted by severity: %+v", r.Findings)
		}
	}
	for _, s := range []string{"info", "LOW", "medium", "High"} {
		if _, err := ParseSeverity(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("critical accepted")
	}
}
