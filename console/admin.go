package console

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
)

// The administration pages: base.group_system only (access.RequireSystem,
// the admin APIs' check and 403 text).

type userRow struct {
	identity.User
	TwoFactor identity.TwoFactorStatus
}

type usersData struct {
	Users  []userRow
	Groups []identity.Group
}

func (c *Console) adminUsers(r *httpd.Request) (any, error) {
	return c.adminUsersPage(r, http.StatusOK, "", "")
}

func (c *Console) adminUsersPage(r *httpd.Request, status int, flash, msg string) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	ctx := r.HTTP.Context()
	us, err := c.o.Identity.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	d := usersData{}
	for _, u := range us {
		st, err := c.o.Identity.TwoFactor(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		d.Users = append(d.Users, userRow{User: u, TwoFactor: st})
	}
	if d.Groups, err = c.o.Identity.Groups(ctx); err != nil {
		return nil, err
	}
	return c.render(r, status, "users", view{Title: "Users", Nav: "users", Flash: flash, Error: msg, Data: d})
}

// adminCreateUser creates a user; granting groups needs re-authentication.
func (c *Console) adminCreateUser(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	fail := func(err error) (any, error) {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.adminUsersPage(r, status, "", msg)
	}
	if err := c.reauth(r, p); err != nil {
		return fail(err)
	}
	f := r.HTTP.PostForm
	groups := f["groups"]
	if len(groups) == 0 {
		groups = nil // identity's default: base.group_user
	}
	id, err := c.o.Identity.CreateUser(r.HTTP.Context(), identity.NewUser{
		Login: strings.TrimSpace(f.Get("login")), Name: strings.TrimSpace(f.Get("name")),
		Email: strings.TrimSpace(f.Get("email")), Password: f.Get("password"), Groups: groups,
	})
	if err != nil {
		return fail(err)
	}
	return httpd.Redirect(Prefix + "/admin/users/" + strconv.FormatInt(id, 10)), nil
}

type userData struct {
	U         *identity.User
	TwoFactor identity.TwoFactorStatus
	Keys      []keyRow
	Groups    []identity.Group
	Sessions  []identity.SessionInfo
}

func (c *Console) adminUser(r *httpd.Request) (any, error) {
	return c.adminUserPage(r, http.StatusOK, "", "")
}

func pathID(r *httpd.Request) (int64, error) {
	id, err := strconv.ParseInt(r.HTTP.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "Not Found")
	}
	return id, nil
}

func (c *Console) adminUserPage(r *httpd.Request, status int, flash, msg string) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.HTTP.Context()
	u, err := c.o.Identity.User(ctx, id)
	if err != nil {
		return nil, err
	}
	d := userData{U: u}
	if d.TwoFactor, err = c.o.Identity.TwoFactor(ctx, id); err != nil {
		return nil, err
	}
	ks, err := c.o.Identity.ListAPIKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		d.Keys = append(d.Keys, keyRow{APIKey: k, State: c.o.Identity.KeyState(k)})
	}
	if d.Groups, err = c.o.Identity.Groups(ctx); err != nil {
		return nil, err
	}
	if d.Sessions, err = c.o.Identity.ListSessions(ctx, id, 0); err != nil {
		return nil, err
	}
	return c.render(r, status, "user", view{Title: "User " + u.Login, Nav: "users", Flash: flash, Error: msg, Data: d})
}

// adminUserAction: disable, enable, password (reset), groups (add/remove),
// 2fa-reset, end-sessions. Granting groups and resetting credentials need
// re-authentication.
func (c *Console) adminUserAction(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	flash, err := c.userAction(r, p, id, r.HTTP.PathValue("action"))
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		if errs.Is(err, errs.NotFound) {
			return nil, err
		}
		return c.adminUserPage(r, status, "", msg)
	}
	return c.adminUserPage(r, http.StatusOK, flash, "")
}

func (c *Console) userAction(r *httpd.Request, p *principal.Principal, id int64, action string) (string, error) {
	ctx := r.HTTP.Context()
	u, err := c.o.Identity.User(ctx, id)
	if err != nil {
		return "", err
	}
	switch action {
	case "disable", "enable":
		// identity's one audited path, with the admin API's refusals
		// (built-in users, oneself).
		if err := c.o.Identity.SetUserActive(ctx, p, u.Login, action == "enable", r.Client); err != nil {
			return "", err
		}
		return "User " + action + "d.", nil
	case "password":
		if err := c.reauth(r, p); err != nil {
			return "", err
		}
		if err := c.o.Identity.SetPassword(ctx, id, r.HTTP.PostFormValue("password")); err != nil {
			return "", err
		}
		return "Password reset; the user's sessions were ended.", nil
	case "groups":
		if err := c.reauth(r, p); err != nil {
			return "", err
		}
		g := r.HTTP.PostFormValue("group")
		if r.HTTP.PostFormValue("op") == "remove" {
			err = c.o.Identity.RemoveGroups(ctx, id, g)
		} else {
			err = c.o.Identity.AddGroups(ctx, id, g)
		}
		if err != nil {
			return "", err
		}
		return "Groups changed; the user's sessions were ended.", nil
	case "companies":
		// Granting companies widens what the company rules let through:
		// re-authenticate, and only existing companies (read through the
		// administrator's Env) are accepted.
		if err := c.reauth(r, p); err != nil {
			return "", err
		}
		main, all, err := c.companies(r)
		if err != nil {
			return "", err
		}
		if err := c.o.Identity.SetCompanies(ctx, id, main, all); err != nil {
			return "", err
		}
		return "Companies changed; the user's sessions were ended.", nil
	case "2fa-reset":
		if err := c.reauth(r, p); err != nil {
			return "", err
		}
		if err := c.o.Identity.ResetTwoFactor(ctx, p, id, r.Client); err != nil {
			return "", err
		}
		return "Two-factor authentication reset.", nil
	case "end-sessions":
		if err := c.o.Identity.EndUserSessions(ctx, id, keepIfSelf(p, id)); err != nil {
			return "", err
		}
		return "Sessions ended.", nil
	}
	return "", errs.E(errs.NotFound, "Not Found")
}

// companies reads the form's main company and allowed companies and checks
// that they exist.
func (c *Console) companies(r *httpd.Request) (int64, []int64, error) {
	bad := errs.E(errs.ValidationError, "Companies are ids of existing companies, the main one among the allowed ones.")
	main, err := strconv.ParseInt(strings.TrimSpace(r.HTTP.PostFormValue("company")), 10, 64)
	if err != nil || main <= 0 {
		return 0, nil, bad
	}
	var all []int64
	var ids []any
	for _, f := range strings.FieldsFunc(r.HTTP.PostFormValue("companies"), func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return 0, nil, bad
		}
		if !slices.Contains(all, id) {
			all = append(all, id)
			ids = append(ids, id)
		}
	}
	if len(all) == 0 || len(all) > 1000 || !slices.Contains(all, main) {
		return 0, nil, bad
	}
	m, err := r.Env.Model("res.company")
	if err != nil {
		return 0, nil, err
	}
	d, err := domain.FromJSON([]any{[]any{"id", "in", ids}})
	if err != nil {
		return 0, nil, err
	}
	n, err := m.SearchCount(d, 0)
	if err != nil {
		return 0, nil, err
	}
	if n != int64(len(all)) {
		return 0, nil, bad
	}
	return main, all, nil
}

func keepIfSelf(p *principal.Principal, uid int64) int64 {
	if p.UserID == uid {
		return p.SessionID
	}
	return 0
}

func (c *Console) adminRevokeKey(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	id, err := formID(r, "id")
	if err == nil {
		err = c.o.Identity.RevokeAPIKey(r.HTTP.Context(), p, id)
	}
	back := r.HTTP.PostFormValue("user")
	if _, perr := strconv.ParseInt(back, 10, 64); perr != nil {
		back = ""
	}
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.adminUsersPage(r, status, "", msg)
	}
	if back != "" {
		return httpd.Redirect(Prefix + "/admin/users/" + back), nil
	}
	return c.adminUsersPage(r, http.StatusOK, "Key revoked.", "")
}

type groupsData struct {
	Groups   []identity.Group
	Required map[string]bool
}

func (c *Console) adminGroups(r *httpd.Request) (any, error) {
	return c.adminGroupsPage(r, http.StatusOK, "", "")
}

func (c *Console) adminGroupsPage(r *httpd.Request, status int, flash, msg string) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	ctx := r.HTTP.Context()
	gs, err := c.o.Identity.Groups(ctx)
	if err != nil {
		return nil, err
	}
	req, err := c.o.Identity.TwoFactorRequiredGroups(ctx)
	if err != nil {
		return nil, err
	}
	d := groupsData{Groups: gs, Required: map[string]bool{}}
	for _, g := range req {
		d.Required[g] = true
	}
	return c.render(r, status, "groups", view{Title: "Groups", Nav: "groups", Flash: flash, Error: msg, Data: d})
}

func (c *Console) adminGroupTwoFactor(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	err = c.reauth(r, p)
	if err == nil {
		err = c.o.Identity.SetTwoFactorRequired(r.HTTP.Context(), p, r.HTTP.PostFormValue("group"), r.HTTP.PostFormValue("required") == "1")
	}
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.adminGroupsPage(r, status, "", msg)
	}
	return c.adminGroupsPage(r, http.StatusOK, "Saved.", "")
}

type accessData struct {
	Models []string
	Model  string
	ACLs   []*access.ACL
	Rules  []*access.Rule
}

// adminAccess shows the ACL rows and record rules loaded for a model, with
// the file and line each came from.
func (c *Console) adminAccess(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	d := accessData{Models: c.o.Registry.Models(), Model: r.HTTP.URL.Query().Get("model")}
	slices.Sort(d.Models)
	if d.Model != "" {
		if !slices.Contains(d.Models, d.Model) {
			return nil, errs.Ef(errs.NotFound, "Unknown model %q", d.Model)
		}
		d.ACLs = c.o.Security.ACLRows(d.Model)
		for _, ru := range c.o.Security.Rules {
			if ru.Model == d.Model {
				d.Rules = append(d.Rules, ru)
			}
		}
	}
	return c.render(r, http.StatusOK, "access", view{Title: "Access rules", Nav: "access", Data: d})
}

type explainData struct {
	Ops    []string
	Users  []identity.User
	Models []string
	Q      access.ExplainRequest
	IDText string
	X      *access.Explanation
	Text   string
}

// adminExplain is `rampart access explain` / POST /rampart/admin/explain
// rendered: the same access.Policy.ExplainFor.
func (c *Console) adminExplain(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	q := r.HTTP.URL.Query()
	d := explainData{Ops: access.Ops(), Models: c.o.Registry.Models(), IDText: q.Get("id")}
	slices.Sort(d.Models)
	d.Q = access.ExplainRequest{User: q.Get("user"), Model: q.Get("model"), Op: q.Get("op")}
	if d.Q.Op == "" {
		d.Q.Op = "read"
	}
	ctx := r.HTTP.Context()
	if d.Users, err = c.o.Identity.ListUsers(ctx); err != nil {
		return nil, err
	}
	status, msg := http.StatusOK, ""
	if d.Q.User != "" && d.Q.Model != "" {
		if d.IDText != "" {
			id, perr := strconv.ParseInt(d.IDText, 10, 64)
			if perr != nil || id < 0 {
				return c.render(r, http.StatusUnprocessableEntity, "explain", view{Title: "Access explain", Nav: "explain", Error: "The record id is a positive number.", Data: d})
			}
			d.Q.ID = id
		}
		x, err := c.o.Policy.ExplainFor(r.Env, c.o.Identity, d.Q)
		if err != nil {
			var ok bool
			if status, msg, ok = pageErr(err); !ok {
				return nil, err
			}
		} else {
			d.X, d.Text = x, x.Text()
		}
	}
	return c.render(r, status, "explain", view{Title: "Access explain", Nav: "explain", Error: msg, Data: d})
}

type routeRow struct {
	Path, Name, Type, Auth, Methods, Scope, RateLimit, CORS, Deprecated, Sunset string
	CSRF                                                                        bool
	Version                                                                     int
}

type routesData struct {
	Routes []routeRow
	Sort   string
}

var routeSorts = map[string]func(a, b routeRow) bool{
	"path":  func(a, b routeRow) bool { return a.Path < b.Path },
	"type":  func(a, b routeRow) bool { return a.Type < b.Type },
	"auth":  func(a, b routeRow) bool { return a.Auth < b.Auth },
	"csrf":  func(a, b routeRow) bool { return !a.CSRF && b.CSRF },
	"scope": func(a, b routeRow) bool { return a.Scope < b.Scope },
	"rate":  func(a, b routeRow) bool { return a.RateLimit < b.RateLimit },
	"name":  func(a, b routeRow) bool { return a.Name < b.Name },
}

// adminRoutes is the `rampart routes` inventory as a table, sortable
// server-side (?sort=) and, with the script, in place.
func (c *Console) adminRoutes(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	d := routesData{Sort: r.HTTP.URL.Query().Get("sort")}
	for _, rt := range c.o.Routes() {
		x := routeRow{Path: rt.FullPath(), Name: rt.Name, Type: string(rt.Type), Auth: string(rt.Auth),
			Methods: strings.Join(rt.Methods, ","), CSRF: rt.CSRFEnabled(), Scope: rt.Scope,
			RateLimit: string(rt.RateLimit), Version: rt.Version}
		if rt.CORS != nil {
			x.CORS = strings.Join(rt.CORS.Origins, " ")
		}
		if !rt.Deprecated.IsZero() {
			x.Deprecated = rt.Deprecated.UTC().Format("2006-01-02")
		}
		if !rt.Sunset.IsZero() {
			x.Sunset = rt.Sunset.UTC().Format("2006-01-02")
		}
		d.Routes = append(d.Routes, x)
	}
	if less, ok := routeSorts[d.Sort]; ok {
		sort.SliceStable(d.Routes, func(i, j int) bool { return less(d.Routes[i], d.Routes[j]) })
	} else {
		d.Sort = "path"
	}
	return c.render(r, http.StatusOK, "routes", view{Title: "Routes", Nav: "routes", Data: d})
}
