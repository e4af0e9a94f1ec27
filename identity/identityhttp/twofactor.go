package identityhttp

import (
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
)

// SignIn is the console's first sign-in step over the web
// (identity.Service.SignIn): for a user without two-factor
// authentication it ends the request's previous session, opens a new one
// and sets its cookie (pending == ""); for a user with it, nothing is
// opened and the pending-login token for SignInCode is returned.
func (w *Web) SignIn(r *httpd.Request, login, password string) (p *principal.Principal, pending string, err error) {
	sess, pending, err := w.S.SignIn(r.HTTP.Context(), w.loginInput(r, login, password))
	if err != nil || sess == nil {
		return nil, pending, err
	}
	w.started(r, sess)
	return sess.Principal, "", nil
}

// SignInCode is the second step: a valid code for the pending sign-in
// opens the session and sets its cookie.
func (w *Web) SignInCode(r *httpd.Request, pending, code string) (*principal.Principal, error) {
	sess, err := w.S.SignInCode(r.HTTP.Context(), pending, code, w.loginInput(r, "", ""))
	if err != nil {
		return nil, err
	}
	w.started(r, sess)
	return sess.Principal, nil
}

// loginInput describes r's login attempt to identity.
func (w *Web) loginInput(r *httpd.Request, login, password string) identity.LoginInput {
	prev, _ := sessionCookie(r.HTTP)
	return identity.LoginInput{Login: login, Password: password, Client: r.Client,
		UserAgent: r.HTTP.UserAgent(), PreviousSID: prev}
}
