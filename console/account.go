package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
)

type accountData struct {
	TwoFactor identity.TwoFactorStatus
	Sessions  []identity.SessionInfo
}

// gate returns the signed-in user, or what to answer instead: the login
// page for a visitor, My account for a user whose group requires 2FA
// before they enrolled (only the account pages stay open to them).
func (c *Console) gate(r *httpd.Request, accountPage bool) (*principal.Principal, any, error) {
	p, ok := c.user(r)
	if !ok {
		return nil, toLogin(r), nil
	}
	if !accountPage {
		st, err := c.o.Identity.TwoFactor(r.HTTP.Context(), p.UserID)
		if err != nil {
			return nil, nil, err
		}
		if st.Required && !st.Enabled {
			return nil, httpd.Redirect(Prefix + "/account?required=2fa"), nil
		}
	}
	return p, nil, nil
}

func (c *Console) account(r *httpd.Request) (any, error) {
	return c.accountPage(r, http.StatusOK, "", "")
}

func (c *Console) accountPage(r *httpd.Request, status int, flash, msg string) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	ctx := r.HTTP.Context()
	st, err := c.o.Identity.TwoFactor(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	sessions, err := c.o.Identity.ListSessions(ctx, p.UserID, p.SessionID)
	if err != nil {
		return nil, err
	}
	if msg == "" && st.Required && !st.Enabled {
		msg = "A group you belong to requires two-factor authentication: enable it below to use the rest of the console."
	}
	return c.render(r, status, "account", view{Title: "My account", Nav: "account", Flash: flash, Error: msg,
		Data: accountData{TwoFactor: st, Sessions: sessions}})
}

// fail renders the account page with a client error, or returns the error.
func (c *Console) fail(r *httpd.Request, err error) (any, error) {
	status, msg, ok := pageErr(err)
	if !ok {
		return nil, err
	}
	return c.accountPage(r, status, "", msg)
}

func (c *Console) changePassword(r *httpd.Request) (any, error) {
	if _, ok := c.user(r); !ok {
		return toLogin(r), nil
	}
	old, nw, again := r.HTTP.PostFormValue("current"), r.HTTP.PostFormValue("new"), r.HTTP.PostFormValue("confirm_new")
	if nw != again {
		return c.accountPage(r, http.StatusUnprocessableEntity, "", "The new passwords do not match.")
	}
	if len(old) > maxPassword || len(nw) > maxPassword {
		return c.accountPage(r, http.StatusUnprocessableEntity, "", "Passwords are at most 1024 characters.")
	}
	// Checks the current password (throttled), ends every session of the
	// user and opens a new one for this browser.
	if err := c.o.Web.ChangePassword(r, old, nw); err != nil {
		return c.fail(r, err)
	}
	return c.accountPage(r, http.StatusOK, "Password changed. Your other sessions were ended.", "")
}

// reauth checks the "confirm" field (password, or a current code for a
// 2FA user) before a sensitive action.
func (c *Console) reauth(r *httpd.Request, p *principal.Principal) error {
	secret := r.HTTP.PostFormValue("confirm")
	if secret == "" || len(secret) > maxPassword {
		return errs.E(errs.AccessDenied, "Confirm with your password (or a current two-factor code).")
	}
	if err := c.o.Identity.Reauthenticate(r.HTTP.Context(), p, secret, r.Client); err != nil {
		if errs.Is(err, errs.AccessDenied) {
			return errs.E(errs.AccessDenied, "Wrong password or code: the action was not done.")
		}
		return err
	}
	return nil
}

func (c *Console) twoFactorBegin(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	if err := c.reauth(r, p); err != nil {
		return c.fail(r, err)
	}
	if _, err := c.o.Identity.BeginTwoFactor(r.HTTP.Context(), p.UserID); err != nil {
		return c.fail(r, err)
	}
	return httpd.Redirect(Prefix + "/account/2fa"), nil
}

type twoFactorData struct {
	Secret   string
	Grouped  string // the secret in groups of four, easier to type
	URI      string
	QR       template.HTML
	Recovery []string
}

func (c *Console) twoFactorPage(r *httpd.Request) (any, error) {
	return c.twoFactorRender(r, http.StatusOK, "")
}

func (c *Console) twoFactorRender(r *httpd.Request, status int, msg string) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	secret, err := c.o.Identity.PendingTwoFactorSecret(r.HTTP.Context(), p.UserID)
	if err != nil {
		return nil, err
	}
	if secret == "" {
		return httpd.Redirect(Prefix + "/account"), nil
	}
	uri := identity.TOTPURI(c.o.Issuer, p.Login, secret)
	svg, err := qrSVG(uri)
	if err != nil {
		return nil, err
	}
	var groups []string
	for i := 0; i < len(secret); i += 4 {
		groups = append(groups, secret[i:min(i+4, len(secret))])
	}
	return c.render(r, status, "twofactor", view{Title: "Enable two-factor authentication", Nav: "account", Error: msg,
		Data: twoFactorData{Secret: secret, Grouped: strings.Join(groups, " "), URI: uri, QR: svg}})
}

func (c *Console) twoFactorConfirm(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	codes, err := c.o.Identity.ConfirmTwoFactor(r.HTTP.Context(), p, r.HTTP.PostFormValue("code"), r.Client)
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.twoFactorRender(r, status, msg)
	}
	return c.render(r, http.StatusOK, "recovery", view{Title: "Recovery codes", Nav: "account",
		Flash: "Two-factor authentication is enabled.", Data: twoFactorData{Recovery: codes}})
}

func (c *Console) twoFactorDisable(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	if err := c.o.Identity.DisableTwoFactor(r.HTTP.Context(), p, r.HTTP.PostFormValue("confirm"), r.HTTP.PostFormValue("code"), r.Client); err != nil {
		return c.fail(r, err)
	}
	return c.accountPage(r, http.StatusOK, "Two-factor authentication is disabled.", "")
}

func formID(r *httpd.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.HTTP.PostFormValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.ValidationError, "Invalid "+name+".")
	}
	return id, nil
}

func (c *Console) endSession(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	id, err := formID(r, "id")
	if err != nil {
		return c.fail(r, err)
	}
	// EndSession only ends sessions of this user (another's id: NotFound).
	if err := c.o.Identity.EndSession(r.HTTP.Context(), p.UserID, id); err != nil {
		return c.fail(r, err)
	}
	if id == p.SessionID {
		return httpd.Redirect(Prefix + "/login"), nil
	}
	return c.accountPage(r, http.StatusOK, "Session ended.", "")
}

func (c *Console) endOtherSessions(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, true)
	if p == nil {
		return redirect, err
	}
	if err := c.o.Identity.EndUserSessions(r.HTTP.Context(), p.UserID, p.SessionID); err != nil {
		return c.fail(r, err)
	}
	return c.accountPage(r, http.StatusOK, "Your other sessions were ended.", "")
}
