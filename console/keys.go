package console

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
)

type keyRow struct {
	identity.APIKey
	State string
}

type keysData struct {
	Keys        []keyRow
	DefaultDays int
	// NewKey is the secret just created, shown once.
	NewKey  string
	NewName string
}

func (c *Console) keys(r *httpd.Request) (any, error) {
	return c.keysPage(r, http.StatusOK, "", "", keysData{})
}

func (c *Console) keysPage(r *httpd.Request, status int, flash, msg string, d keysData) (any, error) {
	p, redirect, err := c.gate(r, false)
	if p == nil {
		return redirect, err
	}
	ctx := r.HTTP.Context()
	ks, err := c.o.Identity.ListAPIKeys(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		d.Keys = append(d.Keys, keyRow{APIKey: k, State: c.o.Identity.KeyState(k)})
	}
	life, err := c.o.Identity.DefaultKeyLifetime(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	d.DefaultDays = max(1, int(math.Round(life.Hours()/24)))
	return c.render(r, status, "keys", view{Title: "My API keys", Nav: "keys", Flash: flash, Error: msg, Data: d})
}

// createKey creates a key for the signed-in user after re-authentication;
// the secret is shown once, on the answer to this POST (never in a URL).
// Scopes and the lifetime cap are the identity service's checks.
func (c *Console) createKey(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, false)
	if p == nil {
		return redirect, err
	}
	fail := func(err error) (any, error) {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.keysPage(r, status, "", msg, keysData{})
	}
	if err := c.reauth(r, p); err != nil {
		return fail(err)
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.HTTP.PostFormValue("days")))
	if err != nil || days < 1 || days > 3650 {
		return fail(errs.Validation("The lifetime is a number of days, 1 to 3650.", errs.FieldError{Field: "days", Message: "1 to 3650"}))
	}
	scopes := strings.Fields(strings.ReplaceAll(r.HTTP.PostFormValue("scopes"), ",", " "))
	name := r.HTTP.PostFormValue("name")
	secret, _, err := c.o.Identity.CreateAPIKey(r.HTTP.Context(), identity.NewAPIKey{
		UserID: p.UserID, Name: name, Scopes: scopes, ExpiresIn: time.Duration(days) * 24 * time.Hour,
		Actor: p, Client: r.Client,
	})
	if err != nil {
		return fail(err)
	}
	return c.keysPage(r, http.StatusOK, "Key created: copy it now, it will not be shown again.", "", keysData{NewKey: secret, NewName: name})
}

func (c *Console) revokeKey(r *httpd.Request) (any, error) {
	p, redirect, err := c.gate(r, false)
	if p == nil {
		return redirect, err
	}
	id, err := formID(r, "id")
	if err == nil {
		// Another user's key is NotFound for a non-administrator (the
		// service's rule); an administrator revokes others' keys from the
		// admin pages, and here only sees their own.
		var ks []identity.APIKey
		ks, err = c.o.Identity.ListAPIKeys(r.HTTP.Context(), p.UserID)
		if err == nil && !ownsKey(ks, id) {
			err = errs.E(errs.NotFound, "No such API key.")
		}
		if err == nil {
			err = c.o.Identity.RevokeAPIKey(r.HTTP.Context(), p, id)
		}
	}
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.keysPage(r, status, "", msg, keysData{})
	}
	return c.keysPage(r, http.StatusOK, "Key revoked.", "", keysData{})
}

func ownsKey(ks []identity.APIKey, id int64) bool {
	for _, k := range ks {
		if k.ID == id {
			return true
		}
	}
	return false
}
