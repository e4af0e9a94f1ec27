package httpd

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
	"github.com/rampart/rampart/orm"
)

// dispatch serves every route sharing one path: it picks the route by
// method and runs the pipeline stages that need the route.
func (s *Server) dispatch(pr *pathRoutes) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		st := stateOf(hr)
		route := pr.methods[hr.Method]
		if route == nil && hr.Method == http.MethodHead {
			route = pr.methods[http.MethodGet]
		}
		if isPreflight(hr) && s.preflight(w, hr, st, pr) {
			return // answered before rate limits and authentication (cors.go)
		}
		if route == nil {
			// Not a preflight for a CORS route: 405.
			// Answer in the format of the path's routes (any one: a path's
			// routes share their type in practice).
			shape := &Route{Type: TypeHTTP, Path: pr.pattern}
			for _, r := range pr.methods {
				shape.Type, shape.ErrorWriter = r.Type, r.ErrorWriter
				break
			}
			e := errs.Ef(errs.MethodNotAllowed, "The method %s is not allowed for the requested URL.", sanitizeMethod(hr.Method))
			e.WithHeader("Allow", pr.allow)
			s.writeError(w, hr, st, shape, nil, e)
			return
		}
		req := &Request{
			HTTP: hr, W: w, Route: route, ID: st.id, Log: s.log, Client: st.client,
			TLS: st.tls, Start: st.start, Values: map[any]any{},
		}
		st.req = req
		s.setRouteHeaders(w, route)
		setCORSHeaders(w, hr, route)
		var rpcID any
		result, err := s.run(req, &rpcID)
		if err != nil {
			s.writeError(w, hr, st, route, rpcID, err)
			return
		}
		s.writeResult(w, hr, route, rpcID, result)
	})
}

// run executes the pipeline stages after routing. The returned rpcID is the
// JSON-RPC request id, echoed in the response envelope.
func (s *Server) run(req *Request, rpcID *any) (result any, err error) {
	route, hr := req.Route, req.HTTP
	if s.Limiter != nil {
		if err = s.Limiter.Limit(req, PreAuth); err != nil {
			return nil, err
		}
	}
	body, err := s.readBody(req)
	if err != nil {
		return nil, err
	}
	if route.Type != TypeHTTP {
		var id any
		req.Params, id, err = s.decodeJSON(route, hr, body)
		*rpcID = id
		if err != nil {
			return nil, err
		}
	}
	if s.Auth != nil {
		if err = s.Auth.Authenticate(req); err != nil {
			return nil, err
		}
	}
	if s.Limiter != nil {
		if err = s.Limiter.Limit(req, PostAuth); err != nil {
			return nil, err
		}
	}
	// Every unsafe request goes to the CSRF checker: it checks tokens on
	// CSRF-protected http routes and the request's origin on those and on
	// any cookie-authenticated request (csrf.go).
	if s.CSRF != nil && !isSafeMethod(hr.Method) {
		if err = s.CSRF.CheckCSRF(req); err != nil {
			return nil, err
		}
	}
	if route.Params != nil {
		if req.Input, err = bindParams(route, req); err != nil {
			return nil, err
		}
	}
	if !route.ReadOnly && route.ReadOnlyIf != nil && route.ReadOnlyIf(req) {
		// The Env factory reads req.Route.ReadOnly: give it this request's
		// answer without touching the shared route.
		rt := *route
		rt.ReadOnly = true
		req.Route = &rt
	}
	if s.Envs != nil && route.Auth != AuthNone {
		// err is the named result: the deferred Finish must see the
		// handler's error (to roll back) and its own failure must become
		// the request's (a failed commit is never answered as success).
		var env *orm.Env
		if env, err = s.Envs.NewEnv(req); err != nil {
			return nil, err
		}
		req.Env = env
		// The transaction ends before the response is written, so a
		// client never sees success for a change that did not commit. A
		// panic rolls back and re-panics to the recovery middleware.
		defer func() {
			if p := recover(); p != nil {
				env.Finish(errors.New("panic"))
				panic(p)
			}
			if ferr := env.Finish(err); ferr != nil && err == nil {
				result, err = nil, ferr
			}
		}()
	}
	return route.Handler(req)
}

// readBody reads the whole body within the route's limit. Over the limit
// is 413, whatever Content-Length claimed.
func (s *Server) readBody(req *Request) ([]byte, error) {
	hr := req.HTTP
	limit := s.cfg.MaxBody
	if req.Route.MaxBody != 0 {
		limit = req.Route.MaxBody
	}
	if limit < 0 {
		limit = 0
	}
	if hr.ContentLength > limit {
		return nil, errs.Ef(errs.PayloadTooLarge, "The request body is larger than the limit of %d bytes.", limit)
	}
	if hr.Body == nil || hr.Body == http.NoBody {
		return nil, nil
	}
	if req.Route.Type == TypeHTTP && !isFormOrEmpty(hr) {
		// http handlers may stream other bodies themselves; enforce the limit.
		hr.Body = http.MaxBytesReader(req.W, hr.Body, limit)
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(hr.Body, limit+1))
	if err != nil {
		return nil, errs.Wrap(errs.BadRequest, err, "The request body could not be read.")
	}
	if int64(len(b)) > limit {
		return nil, errs.Ef(errs.PayloadTooLarge, "The request body is larger than the limit of %d bytes.", limit)
	}
	if req.Route.Type == TypeHTTP {
		// Hand the (bounded) form body back for ParseForm.
		hr.Body = io.NopCloser(bytes.NewReader(b))
	}
	return b, nil
}

func isFormOrEmpty(hr *http.Request) bool {
	ct := mediaType(hr.Header.Get("Content-Type"))
	return ct == "" || ct == "application/x-www-form-urlencoded"
}

// decodeJSON checks the content type and strictly decodes the body.
func (s *Server) decodeJSON(route *Route, hr *http.Request, body []byte) (map[string]any, any, error) {
	ct := mediaType(hr.Header.Get("Content-Type"))
	switch route.Type {
	case TypeJSONRPC:
		if ct != "application/json" && ct != "application/json-rpc" {
			return nil, nil, unsupportedMedia("application/json")
		}
	case TypeJSON2:
		// An empty body needs no content type (later 19.x revisions).
		if len(body) == 0 && ct == "" {
			return map[string]any{}, nil, nil
		}
		if ct != "application/json" {
			return nil, nil, unsupportedMedia("application/json")
		}
		if len(body) == 0 {
			return map[string]any{}, nil, nil
		}
	}
	v, err := jsonx.Decode(body, jsonx.Options{MaxDepth: s.cfg.MaxJSONDepth})
	if err != nil {
		if route.Type == TypeJSON2 {
			return nil, nil, errs.Wrap(errs.BadRequest, err, "could not parse the body as json: "+err.Error())
		}
		return nil, nil, errs.Wrap(errs.BadRequest, err, "Invalid JSON data: "+err.Error())
	}
	obj, ok := v.(map[string]any)
	if route.Type == TypeJSON2 {
		if !ok {
			return nil, nil, errs.E(errs.BadRequest, "the body must be a JSON object")
		}
		return obj, nil, nil
	}
	if !ok {
		return nil, nil, errs.E(errs.BadRequest, "Invalid JSON-RPC data: the body must be a JSON object")
	}
	id := obj["id"]
	switch id.(type) {
	case nil, string, int64, float64:
	default:
		return nil, nil, errs.E(errs.BadRequest, "Invalid JSON-RPC data: id must be a string, a number or null")
	}
	if v, ok := obj["jsonrpc"]; ok && v != "2.0" {
		return nil, id, errs.E(errs.BadRequest, `Invalid JSON-RPC data: "jsonrpc" must be "2.0"`)
	}
	params := map[string]any{}
	if p, present := obj["params"]; present && p != nil {
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, id, errs.E(errs.BadRequest, "Invalid JSON-RPC data: params must be an object (named parameters)")
		}
		params = pm
	}
	return params, id, nil
}

func unsupportedMedia(want string) error {
	return errs.Ef(errs.UnsupportedMediaType, "Unsupported Media Type: verify the Content-Type of the request; this endpoint expects %s.", want).
		WithHeader("Accept", want)
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// sanitizeMethod keeps an unknown method printable and short in messages.
func sanitizeMethod(m string) string {
	if len(m) > 16 || strings.IndexFunc(m, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return "this method"
	}
	return m
}
