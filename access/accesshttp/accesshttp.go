// Package accesshttp is package access's web adapter: its admin routes
// for httpd, so that access itself knows nothing of the transport.
package accesshttp

import (
	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/httpd"
)

// AdminRoutes are the admin JSON-2 endpoints of package access:
//
//	POST /rampart/admin/explain  {"user": "alice", "model": "sale.order", "op": "read", "id": 7}
//
// Bearer auth with an API key carrying the "admin" (or "rpc") scope, and
// base.group_system membership. The answer is the Explanation as JSON.
func AdminRoutes(p *access.Policy, users access.Users) []*httpd.Route {
	return []*httpd.Route{{
		Name:     "rampart.admin.explain",
		Path:     "/rampart/admin/explain",
		Type:     httpd.TypeJSON2,
		Auth:     httpd.AuthBearer,
		Scope:    access.AdminScope,
		ReadOnly: true,
		Handler: func(r *httpd.Request) (any, error) {
			if err := access.RequireSystem(r.Principal); err != nil {
				return nil, err
			}
			var req access.ExplainRequest
			if err := access.DecodeParams(r.Params, &req); err != nil {
				return nil, err
			}
			return p.ExplainFor(r.Env, users, req)
		},
	}}
}
