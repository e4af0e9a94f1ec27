package odoorpc

import "github.com/rampart/rampart/httpd"

// Routes builds the service from d and returns every Odoo-compatible
// route, for the integrator to register. Apps add public methods to
// d.Methods (create it with NewMethods and keep it) before serving.
func Routes(d Deps) ([]*httpd.Route, error) {
	s, err := NewService(d)
	if err != nil {
		return nil, err
	}
	return s.Routes(), nil
}

// Routes returns every route this service answers.
func (s *Service) Routes() []*httpd.Route {
	var out []*httpd.Route
	out = append(out, s.json2Routes()...)
	out = append(out, s.legacyRoutes()...)
	out = append(out, s.webRoutes()...)
	out = append(out, s.docRoutes()...)
	return out
}
