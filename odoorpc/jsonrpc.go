package odoorpc

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// handleJSONRPC is /jsonrpc: params {service, method, args}. httpd has
// already checked the envelope (params must be an object).
func (s *Service) handleJSONRPC(r *httpd.Request) (any, error) {
	for k := range r.Params {
		switch k {
		case "service", "method", "args":
		default:
			return nil, typeError("jsonrpc() got an unexpected keyword argument '%s'", clipName(k))
		}
	}
	service, ok1 := r.Params["service"].(string)
	method, ok2 := r.Params["method"].(string)
	if !ok1 || !ok2 {
		return nil, typeError("jsonrpc() needs the string parameters 'service' and 'method'")
	}
	var args []any
	switch a := r.Params["args"].(type) {
	case nil:
	case []any:
		args = a
	default:
		return nil, errs.E(errs.UserError, "jsonrpc(): args must be a list")
	}
	return s.dispatchRPC(r, service, method, args)
}
