package apidoc

import (
	"net/http"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// Version is the document's info.version: the Odoo API rampart speaks.
const Version = odoorpc.ServerVersion

// Deps is what the /doc routes need.
type Deps struct {
	// DB is the database name served.
	DB string
	// Routes returns the route table at request time, so that routes an
	// app registers after wiring are described too.
	Routes func() []*httpd.Route
	// RPC is the Odoo service whose catalog (models, fields, methods,
	// checked against the caller's rights) the documents describe.
	RPC *odoorpc.Service
}

// Service serves the documentation routes.
type Service struct{ d Deps }

// New returns the documentation service.
func New(d Deps) *Service { return &Service{d: d} }

// Document builds the OpenAPI document for env's user (a superuser Env,
// or a nil principal, gives the whole API); caller names the login in the
// description ("" for the whole API).
func (s *Service) Document(env *orm.Env, p *principal.Principal, caller string) (obj, error) {
	cat, err := s.d.RPC.Catalog(odoorpc.ORMData(env), p)
	if err != nil {
		return nil, err
	}
	return Build(Input{Version: Version, DB: s.d.DB, Routes: s.d.Routes(), Models: cat, Caller: caller}), nil
}

// Routes are /doc (the HTML page), /doc/openapi.json (session) and
// /doc-bearer/openapi.json (API key). Like every /doc* route they answer
// only the API-docs group, as Odoo 19's /doc.
func (s *Service) Routes() []*httpd.Route {
	get := []string{http.MethodGet, http.MethodHead}
	return []*httpd.Route{
		{Name: "doc-openapi", Path: "/doc/openapi.json", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: []string{http.MethodGet},
			ReadOnly: true, Handler: s.handleOpenAPI},
		{Name: "doc-bearer-openapi", Path: "/doc-bearer/openapi.json", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: []string{http.MethodGet},
			ReadOnly: true, Scope: "rpc", Handler: s.handleOpenAPI},
		{Name: "doc-page", Path: "/doc", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: get,
			ReadOnly: true, Handler: s.handlePage},
		{Name: "doc-page-index", Path: "/doc/index.html", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: get,
			ReadOnly: true, Handler: s.handlePage},
	}
}

func (s *Service) handleOpenAPI(r *httpd.Request) (any, error) {
	if err := odoorpc.RequireDocGroup(r.Principal); err != nil {
		return nil, err
	}
	return s.Document(r.Env, r.Principal, r.Principal.Login)
}
