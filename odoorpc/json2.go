package odoorpc

import (
	"net/http"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// handleJSON2 is POST /json/2/{model}/{method}: the body's ids and context,
// every other key a named argument; the bare result.
func (s *Service) handleJSON2(r *httpd.Request) (any, error) {
	model, method := r.HTTP.PathValue("model"), r.HTTP.PathValue("method")
	if method == "" {
		// A read-only route names its method in the path itself.
		method = r.HTTP.URL.Path[strings.LastIndexByte(r.HTTP.URL.Path, '/')+1:]
	}
	kwargs := make(map[string]any, len(r.Params))
	var ids []int64
	for k, v := range r.Params {
		switch k {
		case "ids":
			list, ok := v.([]any)
			if !ok && v != nil {
				return nil, errs.E(errs.UserError, "ids must be a list of integers")
			}
			var err error
			if ids, err = argIDs(clipName(model)+"."+clipName(method), list); err != nil {
				return nil, err
			}
		default:
			// context stays in kwargs: invoke applies it.
			kwargs[k] = v
		}
	}
	res, err := s.invoke(invocation{
		r: r, p: r.Principal, data: s.requestData(r), model: model, method: method,
		ids: ids, kwargs: kwargs,
	})
	if um, ok := err.(errUnknownModel); ok {
		return nil, errs.Ef(errs.NotFound, "the model '%s' does not exist", clipName(um.model))
	}
	return res, err
}

// checkDBHeader refuses an X-Odoo-Database naming a database rampart does
// not serve. Odoo then finds no database and answers 404.
func (s *Service) checkDBHeader(r *httpd.Request) error {
	db := r.HTTP.Header.Get("X-Odoo-Database")
	if db == "" || db == s.deps.DB {
		return nil
	}
	return errs.Ef(errs.NotFound, "database %q does not exist", clipName(db))
}

// handleJSON2CatchAll answers every other /json/2 request as Odoo does.
func handleJSON2CatchAll(*httpd.Request) (any, error) {
	return nil, errs.E(errs.NotFound, "Did you mean POST /json/2/<model>/<method>?")
}

func (s *Service) json2Routes() []*httpd.Route {
	other := []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch}
	all := append([]string{http.MethodPost}, other...)
	routes := []*httpd.Route{
		{Name: "json2-catchall", Path: "/json/2", Type: httpd.TypeJSON2, Auth: httpd.AuthNone,
			Methods: all, Handler: handleJSON2CatchAll},
		{Name: "json2-catchall-path", Path: "/json/2/{path...}", Type: httpd.TypeJSON2, Auth: httpd.AuthNone,
			Methods: all, Handler: handleJSON2CatchAll},
	}
	// The read-only built-ins get routes of their own so that their
	// transaction runs on a read-only connection (Odoo's readonly routes,
	// computed from @api.readonly): reads then never queue behind the
	// one writer. Everything else goes through the generic route.
	paths := []struct {
		name, path string
		readOnly   bool
	}{{"json2", "/json/2/{model}/{method}", false}}
	for _, m := range s.deps.Methods.readOnlyBuiltins() {
		paths = append(paths, struct {
			name, path string
			readOnly   bool
		}{"json2-" + m, "/json/2/{model}/" + m, true})
	}
	for _, p := range paths {
		routes = append(routes,
			&httpd.Route{Name: p.name, Path: p.path, Type: httpd.TypeJSON2, Auth: httpd.AuthBearer,
				Methods: []string{http.MethodPost}, Scope: "rpc", ReadOnly: p.readOnly, Handler: s.dbChecked(s.handleJSON2)},
			// A GET on a valid model/method path gets the catch-all's 404
			// in Odoo, not a 405.
			&httpd.Route{Name: p.name + "-other-methods", Path: p.path, Type: httpd.TypeJSON2, Auth: httpd.AuthNone,
				Methods: other, Handler: handleJSON2CatchAll})
	}
	return routes
}
