package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// Form limits: generous for people, small for abuse.
const (
	maxLogin    = 256
	maxPassword = 1024
)

type loginData struct {
	Login    string
	Redirect string
	// Pending is the half-done sign-in awaiting a code (2FA users).
	Pending string
}

// localRedirect keeps a redirect only when it is a console path.
func localRedirect(target string) string {
	if len(target) > 2048 || !strings.HasPrefix(target, Prefix+"/") || strings.HasPrefix(target, "//") ||
		strings.ContainsAny(target, "\\\r\n\t") || strings.HasPrefix(target, Prefix+"/login") {
		return Prefix + "/account"
	}
	return target
}

func (c *Console) loginGet(r *httpd.Request) (any, error) {
	if _, ok := c.user(r); ok {
		return httpd.Redirect(localRedirect(r.HTTP.URL.Query().Get("redirect"))), nil
	}
	return c.render(r, http.StatusOK, "login", view{Title: "Sign in", Data: loginData{Redirect: localRedirect(r.HTTP.URL.Query().Get("redirect"))}})
}

// loginPost is the password step: a user without 2FA is signed in; a 2FA
// user gets the code form with a pending-login token.
func (c *Console) loginPost(r *httpd.Request) (any, error) {
	login := strings.TrimSpace(r.HTTP.PostFormValue("login"))
	password := r.HTTP.PostFormValue("password")
	d := loginData{Login: login, Redirect: localRedirect(r.HTTP.PostFormValue("redirect"))}
	if login == "" || password == "" || len(login) > maxLogin || len(password) > maxPassword {
		d.Login = ""
		return c.render(r, http.StatusUnprocessableEntity, "login", view{Title: "Sign in", Error: "Enter your login and password.", Data: d})
	}
	_, pending, err := c.o.Web.SignIn(r, login, password)
	if err != nil {
		return c.loginFailed(r, err, "login", d)
	}
	if pending == "" {
		return httpd.Redirect(d.Redirect), nil
	}
	d.Pending = pending
	return c.render(r, http.StatusOK, "login_code", view{Title: "Two-factor authentication", Data: d})
}

// loginCode is the code step (TOTP or a recovery code).
func (c *Console) loginCode(r *httpd.Request) (any, error) {
	d := loginData{Redirect: localRedirect(r.HTTP.PostFormValue("redirect")), Pending: r.HTTP.PostFormValue("pending")}
	code := r.HTTP.PostFormValue("code")
	if _, err := c.o.Web.SignInCode(r, d.Pending, code); err != nil {
		if errs.Is(err, errs.SessionExpired) {
			d.Pending = ""
			return c.render(r, http.StatusUnauthorized, "login", view{Title: "Sign in", Error: errs.As(err).Message(), Data: d})
		}
		return c.loginFailed(r, err, "login_code", d)
	}
	return httpd.Redirect(d.Redirect), nil
}

func (c *Console) loginFailed(r *httpd.Request, err error, page string, d loginData) (any, error) {
	e := errs.As(err)
	switch e.Kind {
	case errs.AccessDenied, errs.TooManyRequests, errs.UserError:
		for k, vs := range e.Header {
			for _, v := range vs {
				r.Header().Add(k, v)
			}
		}
		msg := e.Message()
		if e.Kind == errs.AccessDenied && page == "login" {
			msg = "Wrong login/password"
		}
		title := "Sign in"
		if page == "login_code" {
			title = "Two-factor authentication"
		}
		return c.render(r, e.Kind.Status(), page, view{Title: title, Error: msg, Data: d})
	}
	return nil, err
}

func (c *Console) logout(r *httpd.Request) (any, error) {
	if err := c.o.Web.Logout(r); err != nil {
		return nil, err
	}
	return httpd.Redirect(Prefix + "/login"), nil
}
