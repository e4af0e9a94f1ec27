// Package loginpage is the HTML login page, /web/login, that browsers are
// sent to when an auth=user http route finds no session (httpd's
// Config.LoginPath). GET renders a form carrying a CSRF token; POST checks
// the token (httpd's CSRF guard, before the handler runs), logs in through
// the Authenticator (package identity's Service: throttled, a new session
// id, the session cookie) and redirects to the local path in the
// `redirect` field — never to another site.
//
// The routes are auth=none, as Odoo's /web/login: the page must work
// without a session, so its CSRF token is bound to the anonymous binding
// cookie the guard sets, and a cross-site login (login CSRF) is refused by
// the guard's origin check.
package loginpage

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
)

// Authenticator logs a user in on r: it checks the password, opens the
// session and sets its cookie on r.W. identityhttp.Web implements it.
type Authenticator interface {
	Login(r *httpd.Request, login, password string) (*principal.Principal, error)
}

// TwoFactorAware is optionally implemented by the Authenticator: it tells
// a refusal of a right password because the user has two-factor
// authentication (which /web/login cannot complete) from a wrong one.
// identityhttp.Web implements it.
type TwoFactorAware interface {
	TwoFactorRefusal(err error) bool
}

// TokenSource issues CSRF tokens for forms; *httpd.CSRFGuard is one.
type TokenSource interface {
	Token(r *httpd.Request) (string, error)
}

// Options configure the page.
type Options struct {
	Auth Authenticator
	CSRF TokenSource
	// Path of the page (default /web/login; keep it equal to
	// httpd.Config.LoginPath).
	Path string
	// Home is where a login without a usable redirect goes (default /).
	Home string
	// Title is shown on the page (default "Log in").
	Title string
	// TwoFactorLogin is the sign-in page that asks for the second factor
	// (the console's, /console/login), linked from the message a 2FA user
	// gets here; empty: the message names API keys only.
	TwoFactorLogin string
}

// loginRateLimit is the rate limiter's per-IP budget for password
// attempts (package ratelimit's login_ip policy).
const loginRateLimit = ratepolicy.LoginIP

// Form limits: generous for people, small for abuse.
const (
	maxLogin    = 256
	maxPassword = 1024
	maxRedirect = 2048
)

// Routes returns GET and POST routes of the login page.
func Routes(o Options) []*httpd.Route {
	if o.Path == "" {
		o.Path = "/web/login"
	}
	if o.Home == "" {
		o.Home = "/"
	}
	if o.Title == "" {
		o.Title = "Log in"
	}
	p := &page{o: o}
	return []*httpd.Route{
		{Name: "web.login", Path: o.Path, Type: httpd.TypeHTTP, Auth: httpd.AuthNone, Handler: p.get},
		{Name: "web.login.submit", Path: o.Path, Type: httpd.TypeHTTP, Auth: httpd.AuthNone,
			Methods: []string{http.MethodPost}, MaxBody: 8 << 10, RateLimit: loginRateLimit, Handler: p.post},
	}
}

type page struct{ o Options }

var form = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input{padding:.4rem}.error{color:#a00}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}{{if .TwoFactorLogin}} <a href="{{.TwoFactorLogin}}">Sign in with your two-factor code</a>.{{end}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf_token" value="{{.Token}}">
<input type="hidden" name="redirect" value="{{.Redirect}}">
<label for="login">Login</label><input id="login" name="login" value="{{.Login}}" autocomplete="username" required maxlength="256" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Log in</button>
</form>
</body></html>
`))

type view struct {
	Title, Action, Token, Redirect, Login, Error string
	// TwoFactorLogin: a link shown after Error (2FA refusal only).
	TwoFactorLogin string
}

// msgTwoFactor is shown when the password was right but the user has
// two-factor authentication, which this page does not ask for. A wrong
// password never gets it (the identity service refuses those before its
// two-factor check), so it tells a guesser nothing.
const msgTwoFactor = "This account uses two-factor authentication, which this page does not ask for: sign in on the console with your code, or use an API key for programs."

// msgTwoFactorNoConsole is msgTwoFactor without a two-factor sign-in.
const msgTwoFactorNoConsole = "This account uses two-factor authentication, which this page does not ask for: use an API key for programs."

func (p *page) get(r *httpd.Request) (any, error) {
	redirect := r.HTTP.URL.Query().Get("redirect")
	return p.render(r, http.StatusOK, "", redirect, "")
}

func (p *page) post(r *httpd.Request) (any, error) {
	login := strings.TrimSpace(r.HTTP.PostFormValue("login"))
	password := r.HTTP.PostFormValue("password")
	redirect := r.HTTP.PostFormValue("redirect")
	if login == "" || password == "" || len(login) > maxLogin || len(password) > maxPassword {
		return p.render(r, http.StatusUnprocessableEntity, login, redirect, "Enter your login and password.")
	}
	if _, err := p.o.Auth.Login(r, login, password); err != nil {
		e := errs.As(err)
		switch e.Kind {
		case errs.AccessDenied, errs.TooManyRequests, errs.UserError:
			// Show the form again with the reason; Retry-After and the
			// like travel along.
			for k, vs := range e.Header {
				for _, v := range vs {
					r.Header().Add(k, v)
				}
			}
			msg := e.Message()
			if e.Kind == errs.AccessDenied {
				if tf, ok := p.o.Auth.(TwoFactorAware); ok && tf.TwoFactorRefusal(err) {
					return p.renderTwoFactor(r, e.Kind.Status(), login, redirect)
				}
				msg = "Wrong login/password"
			}
			return p.render(r, e.Kind.Status(), login, redirect, msg)
		}
		return nil, err
	}
	return httpd.Redirect(p.local(redirect)), nil
}

// local keeps a redirect target only when it is a path on this site:
// "/x", not "//host/x", "/\host", "https://host/x" or "javascript:...".
func (p *page) local(target string) string {
	if len(target) > maxRedirect || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") ||
		strings.HasPrefix(target, "/\\") || strings.ContainsAny(target, "\r\n\t") {
		return p.o.Home
	}
	return target
}

func (p *page) renderTwoFactor(r *httpd.Request, status int, login, redirect string) (any, error) {
	if p.o.TwoFactorLogin == "" {
		return p.render(r, status, login, redirect, msgTwoFactorNoConsole)
	}
	return p.page(r, status, view{Login: login, Redirect: redirect, Error: msgTwoFactor, TwoFactorLogin: p.o.TwoFactorLogin})
}

func (p *page) render(r *httpd.Request, status int, login, redirect, msg string) (any, error) {
	return p.page(r, status, view{Login: login, Redirect: redirect, Error: msg})
}

// page writes the form; v's Title, Action, Token and Redirect are set here.
func (p *page) page(r *httpd.Request, status int, v view) (any, error) {
	tok, err := p.o.CSRF.Token(r)
	if err != nil {
		return nil, err
	}
	if len(v.Login) > maxLogin {
		v.Login = ""
	}
	v.Title, v.Action, v.Token, v.Redirect = p.o.Title, p.o.Path, tok, p.local(v.Redirect)
	var b bytes.Buffer
	if err := form.Execute(&b, v); err != nil {
		return nil, errs.Internalf("login page: %w", err)
	}
	h := r.Header()
	h.Set("Cache-Control", "no-store") // the page holds a token bound to this browser
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	r.W.WriteHeader(status)
	r.W.Write(b.Bytes())
	return httpd.Written, nil
}
