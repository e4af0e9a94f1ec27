package httpd

import (
	"net/url"

	"github.com/rampart/rampart/errs"
)

// Validator is implemented by Route.Params structs that check themselves
// beyond their tags (cross-field rules); it returns every problem, field
// by field. It runs only when the tag rules all passed.
type Validator interface {
	Validate() []errs.FieldError
}

// bindParams decodes the route's declared input into a fresh value of the
// Params type: JSON object members for json routes (the JSON-RPC params or
// the JSON-2 body), form and query values for http routes. Unknown members
// are refused: a typo must not be ignored.
func bindParams(route *Route, req *Request) (any, error) {
	spec := route.params
	if spec == nil { // a Route built without Register (tests)
		var err error
		if spec, err = compileParams(route.Params); err != nil {
			return nil, errs.Internalf("route %s: %v", route.Name, err)
		}
	}
	if route.Type != TypeHTTP {
		return spec.bind(req.Params, false)
	}
	if err := req.HTTP.ParseForm(); err != nil {
		return nil, errs.Wrap(errs.BadRequest, err, "The form could not be parsed.")
	}
	return spec.bind(formObject(req.HTTP.Form), true)
}

// formObject turns form values into the binder's input: every value is a
// []string, a repeated key meaning a list.
func formObject(f url.Values) map[string]any {
	m := make(map[string]any, len(f))
	for k, vs := range f {
		if k == "csrf_token" {
			continue // consumed by the CSRF check, as Odoo pops it
		}
		m[k] = vs
	}
	return m
}
