package identityhttp

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
)

// AdminRoutes are identity's admin JSON-2 endpoints:
//
//	POST /rampart/admin/users/disable  {"login": "bob"} → {"login", "active": false}
//	POST /rampart/admin/users/enable   {"login": "bob"} → {"login", "active": true}
//
// Bearer auth with an "admin" (or "rpc") scoped key of a base.group_system
// member, as the CLI's `users disable` but over HTTP. Disabling ends the
// user's sessions and makes their keys unusable on every instance within
// a second (see Channel). An administrator cannot disable themselves, nor
// the built-in __system__ and __public__ users.
func (w *Web) AdminRoutes() []*httpd.Route {
	rt := func(name string, active bool) *httpd.Route {
		return &httpd.Route{
			Name: "rampart.admin.users." + name, Path: "/rampart/admin/users/" + name,
			Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Scope: identity.AdminScope,
			Handler: noStore(func(r *httpd.Request) (any, error) { return w.handleSetActive(r, active) }),
		}
	}
	return []*httpd.Route{rt("disable", false), rt("enable", true)}
}

func (w *Web) handleSetActive(r *httpd.Request, active bool) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	if !p.IsSystem() {
		return nil, errs.E(errs.AccessError, "This endpoint is reserved to administrators (Administration / Settings).")
	}
	login, err := stringParam(r, "login", true)
	if err != nil {
		return nil, err
	}
	if err := w.S.SetUserActive(r.HTTP.Context(), p, login, active, r.Client); err != nil {
		return nil, err
	}
	return map[string]any{"login": login, "active": active}, nil
}
