package odoorpc

import (
	"net/http"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// docAttributes are the fields_get attributes /doc/index.json reports.
var docAttributes = []string{"type", "string", "required", "readonly", "relation", "selection", "help"}

// handleDocIndex is /doc/index.json and /doc-bearer/index.json: the models
// the caller may read, their fields (as fields_get filters them for the
// caller: field groups apply) and the methods whose operation the caller's
// ACLs allow.
func (s *Service) handleDocIndex(r *httpd.Request) (any, error) {
	data := s.requestData(r)
	models := []any{}
	for _, name := range data.Models() {
		m, err := data.Model(name)
		if err != nil {
			return nil, err
		}
		if err = m.CheckAccess("read"); err != nil {
			if errs.Is(err, errs.AccessError) {
				continue
			}
			return nil, err
		}
		if !s.scopeAllows(r.Principal, name, "read") {
			continue
		}
		fields, err := m.FieldsGet(nil, docAttributes)
		if err != nil {
			return nil, err
		}
		methods := []string{}
		for _, mn := range s.deps.Methods.names(name) {
			op := s.deps.Methods.lookup(name, mn).op()
			if op != "read" {
				if err := m.CheckAccess(op); err != nil || !s.scopeAllows(r.Principal, name, op) {
					continue
				}
			}
			methods = append(methods, mn)
		}
		models = append(models, map[string]any{"model": name, "fields": fields, "methods": methods})
	}
	return map[string]any{"models": models}, nil
}

func (s *Service) docRoutes() []*httpd.Route {
	get := []string{http.MethodGet}
	return []*httpd.Route{
		{Name: "doc-index", Path: "/doc/index.json", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: get,
			ReadOnly: true, Handler: s.dbChecked(s.handleDocIndex)},
		{Name: "doc-bearer-index", Path: "/doc-bearer/index.json", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: get,
			ReadOnly: true, Scope: "rpc", Handler: s.dbChecked(s.handleDocIndex)},
	}
}
