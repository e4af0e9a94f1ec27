package identity

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// AdminScope is the API-key scope of the admin endpoints (as package
// access's; a key with "rpc" also passes).
const AdminScope = "admin"

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
func (s *Service) AdminRoutes() []*httpd.Route {
	rt := func(name string, active bool) *httpd.Route {
		return &httpd.Route{
			Name: "rampart.admin.users." + name, Path: "/rampart/admin/users/" + name,
			Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Scope: AdminScope,
			Handler: noStore(func(r *httpd.Request) (any, error) { return s.handleSetActive(r, active) }),
		}
	}
	return []*httpd.Route{rt("disable", false), rt("enable", true)}
}

func (s *Service) handleSetActive(r *httpd.Request, active bool) (any, error) {
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
	ctx := r.HTTP.Context()
	u, err := s.UserByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Login == SystemLogin || u.Login == PublicLogin:
		return nil, errs.E(errs.UserError, "The built-in users cannot be enabled or disabled.")
	case u.ID == p.UserID && !active:
		return nil, errs.E(errs.UserError, "You cannot deactivate the user you're currently logged in as.")
	}
	if err := s.SetActive(ctx, u.ID, active); err != nil {
		return nil, err
	}
	ev := EventUserDisabled
	if active {
		ev = EventUserEnabled
	}
	s.log.Info("identity: "+string(ev), "uid", u.ID, "by", p.UserID)
	s.emit(ctx, AuthEvent{Type: ev, UserID: u.ID, Login: u.Login, ActorID: p.UserID, Client: r.Client})
	return map[string]any{"login": u.Login, "active": active}, nil
}
