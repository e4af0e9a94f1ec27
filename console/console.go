// Package console is rampart's web console under /console/: sign-in with
// TOTP two-factor, the user's account (password, 2FA, sessions) and API
// keys, and the administration pages (users, keys, groups, ACLs and rules,
// access explain, audit, routes) for base.group_system members.
//
// It is server-rendered with html/template (auto-escaping); the one CSS
// and one JS file are embedded, served under fingerprinted names and
// cached for a year; every page answers with a strict Content-Security-
// Policy (default-src 'self', no inline script or style, frame-ancestors
// 'none'); every form carries the CSRF token httpd's guard checks before
// a handler runs. The JS is progressive enhancement only (copy button,
// client-side table sort): every page works without it.
//
// The console owns no security logic: pages call the same Go functions as
// the admin APIs and the CLI (package identity for users, keys, sessions
// and 2FA; access.Policy.ExplainFor; audit.Trail.Search; the server's
// route table), and data pages read through the request's ORM Env, so a
// salesman sees exactly what JSON-2 shows her and a non-administrator is
// refused the admin pages with the admin APIs' 403.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identityhttp"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console"

// CSP is the console's Content-Security-Policy: only this origin's files,
// no inline script or style (html/template output carries neither), no
// framing, forms posted only here. The QR code is inline SVG markup built
// from the code's modules, which default-src does not govern.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options are the console's dependencies: the services whose Go functions
// it calls.
type Options struct {
	Identity *identity.Service
	// Web is identity's web adapter: sign-in, sign-out and password
	// changes set or clear the session cookie through it.
	Web      *identityhttp.Web
	CSRF     *httpd.CSRFGuard
	Policy   *access.Policy
	Security *access.Set
	Audit    *audit.Trail
	Registry *orm.Registry
	// Routes lists the server's routes (httpd.Server.Routes), for the
	// routes page; read at request time, so it includes routes registered
	// after the console's.
	Routes func() []*httpd.Route
	// RateLog holds the recent 429 answers for the rate-limits page (nil:
	// the page says there is nothing recorded).
	RateLog *RateLog
	// Issuer names the server in authenticator apps (default "rampart").
	Issuer string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Console serves the pages. Build it with New.
type Console struct {
	o      Options
	pages  map[string]*template.Template
	assets map[string]asset // by fingerprinted name
	css    string           // URL of the stylesheet
	js     string           // URL of the script
}

type asset struct {
	body  []byte
	ctype string
}

// New parses the templates and fingerprints the assets.
func New(o Options) (*Console, error) {
	if o.Issuer == "" {
		o.Issuer = "rampart"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Console{o: o, pages: map[string]*template.Template{}, assets: map[string]asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype := "application/octet-stream"
		switch ext {
		case ".css":
			ctype = "text/css; charset=utf-8"
			c.css = Prefix + "/static/" + name
		case ".js":
			ctype = "text/javascript; charset=utf-8"
			c.js = Prefix + "/static/" + name
		}
		c.assets[name] = asset{body: b, ctype: ctype}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, err
		}
		c.pages[name] = t
	}
	return c, nil
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return "—"
	},
	"join":  strings.Join,
	"deref": func(b *bool) bool { return b != nil && *b },
	"dash": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
}

// view is what every page template receives.
type view struct {
	Title string
	Nav   string
	User  *principal.Principal
	Admin bool
	CSRF  string
	CSS   string
	JS    string
	// Flash is a success message, Error a refusal shown on the page.
	Flash string
	Error string
	Data  any
}

const formMax = 16 << 10

// Routes are the console's routes, all under /console/.
func (c *Console) Routes() []*httpd.Route {
	// Every console route runs on a read-only transaction: pages read
	// through the caller's Env, and every change (sessions, keys, users,
	// 2FA) goes through a service that writes in its own transaction. Auth
	// public lets a page redirect an anonymous visitor to the sign-in form
	// (each handler requires its session itself), and no anonymous request
	// can write through the route's Env (rampart lint checks this).
	get := func(name, p string, h httpd.Handler) *httpd.Route {
		return &httpd.Route{Name: "console." + name, Path: Prefix + p, Type: httpd.TypeHTTP, Auth: httpd.AuthPublic,
			ReadOnly: true, Handler: h}
	}
	getRO := get
	post := func(name, p string, h httpd.Handler) *httpd.Route {
		return &httpd.Route{Name: "console." + name, Path: Prefix + p, Type: httpd.TypeHTTP, Auth: httpd.AuthPublic,
			Methods: []string{http.MethodPost}, MaxBody: formMax, ReadOnly: true, Handler: h}
	}
	login := post("login.submit", "/login", c.loginPost)
	login.RateLimit = ratepolicy.LoginIP
	code := post("login.code", "/login/code", c.loginCode)
	code.RateLimit = ratepolicy.LoginIP
	return []*httpd.Route{
		{Name: "console.static", Path: Prefix + "/static/{file}", Type: httpd.TypeHTTP, Auth: httpd.AuthNone,
			RateLimit: ratepolicy.None, Handler: c.static},
		get("home", "/{$}", c.home),
		get("login", "/login", c.loginGet),
		login, code,
		post("logout", "/logout", c.logout),
		get("account", "/account", c.account),
		post("account.password", "/account/password", c.changePassword),
		post("account.2fa.begin", "/account/2fa/begin", c.twoFactorBegin),
		get("account.2fa", "/account/2fa", c.twoFactorPage),
		post("account.2fa.confirm", "/account/2fa/confirm", c.twoFactorConfirm),
		post("account.2fa.disable", "/account/2fa/disable", c.twoFactorDisable),
		post("account.sessions.end", "/account/sessions/end", c.endSession),
		post("account.sessions.end_others", "/account/sessions/end-others", c.endOtherSessions),
		get("keys", "/keys", c.keys),
		post("keys.create", "/keys", c.createKey),
		post("keys.revoke", "/keys/revoke", c.revokeKey),
		getRO("data", "/data", c.dataModels),
		getRO("data.model", "/data/{model}", c.dataModel),
		get("admin.users", "/admin/users", c.adminUsers),
		post("admin.users.create", "/admin/users", c.adminCreateUser),
		post("admin.users.action", "/admin/users/{id}/{action}", c.adminUserAction),
		get("admin.user", "/admin/users/{id}", c.adminUser),
		post("admin.keys.revoke", "/admin/keys/revoke", c.adminRevokeKey),
		get("admin.groups", "/admin/groups", c.adminGroups),
		post("admin.groups.2fa", "/admin/groups/2fa", c.adminGroupTwoFactor),
		get("admin.access", "/admin/access", c.adminAccess),
		getRO("admin.explain", "/admin/explain", c.adminExplain),
		get("admin.audit", "/admin/audit", c.adminAudit),
		get("admin.audit.export", "/admin/audit/export", c.adminAuditExport),
		get("admin.audit.entry", "/admin/audit/{id}", c.adminAuditEntry),
		get("admin.routes", "/admin/routes", c.adminRoutes),
		get("admin.ratelimits", "/admin/ratelimits", c.adminRateLimits),
	}
}

// static serves a fingerprinted asset: immutable, cached for a year.
func (c *Console) static(r *httpd.Request) (any, error) {
	a, ok := c.assets[r.HTTP.PathValue("file")]
	if !ok {
		return nil, errs.E(errs.NotFound, "Not Found")
	}
	h := r.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	r.W.WriteHeader(http.StatusOK)
	if r.HTTP.Method != http.MethodHead {
		_, _ = r.W.Write(a.body)
	}
	return httpd.Written, nil
}

// render writes page name with the layout, the console's CSP and no-store
// (pages carry CSRF tokens and personal data).
func (c *Console) render(r *httpd.Request, status int, name string, v view) (any, error) {
	t, ok := c.pages[name]
	if !ok {
		return nil, errs.Internalf("console: no page %q", name)
	}
	tok, err := c.o.CSRF.Token(r)
	if err != nil {
		return nil, err
	}
	v.CSRF, v.CSS, v.JS = tok, c.css, c.js
	if p := r.Principal; p != nil && !p.Public {
		v.User, v.Admin = p, p.IsSystem()
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		return nil, errs.Internalf("console: page %s: %w", name, err)
	}
	h := r.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	r.W.WriteHeader(status)
	_, _ = r.W.Write(b.Bytes())
	return httpd.Written, nil
}

// user returns the signed-in user, or a redirect to the login page.
func (c *Console) user(r *httpd.Request) (*principal.Principal, bool) {
	p := r.Principal
	if p == nil || p.Public || p.Via != "session" {
		return nil, false
	}
	return p, true
}

func toLogin(r *httpd.Request) httpd.Redirect {
	return httpd.Redirect(Prefix + "/login?redirect=" + urlQueryEscape(r.HTTP.URL.RequestURI()))
}

// admin returns the signed-in administrator; others get the admin APIs'
// 403 (access.RequireSystem), anonymous visitors the login page.
func (c *Console) admin(r *httpd.Request) (*principal.Principal, any, error) {
	p, ok := c.user(r)
	if !ok {
		return nil, toLogin(r), nil
	}
	if err := access.RequireSystem(p); err != nil {
		return nil, nil, err
	}
	return p, nil, nil
}

// pageErr turns a client error into a message shown on the page with its
// status; other errors go up (internal errors never show their text).
func pageErr(err error) (int, string, bool) {
	e := errs.As(err)
	switch e.Kind {
	case errs.Internal:
		return 0, "", false
	}
	return e.Kind.Status(), e.Message(), true
}

func (c *Console) home(r *httpd.Request) (any, error) {
	if _, ok := c.user(r); !ok {
		return toLogin(r), nil
	}
	return httpd.Redirect(Prefix + "/account"), nil
}
