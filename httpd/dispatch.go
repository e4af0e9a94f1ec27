package httpd

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
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
			// Not a preflight for a CORS route: 405, in the format of the
			// path's routes (any one: a path's routes share their codec in
			// practice).
			shape := &Route{Type: TypeHTTP, Path: pr.pattern}
			for _, r := range pr.methods {
				shape.Type, shape.Codec = r.Type, r.Codec
				break
			}
			e := errs.Ef(errs.MethodNotAllowed, "The method %s is not allowed for the requested URL.", sanitizeMethod(hr.Method))
			e.WithHeader("Allow", pr.allow)
			s.refuse(w, hr, st, shape, e)
			return
		}
		req := NewRequest(route, w, hr)
		req.ID, req.Log, req.Client, req.TLS, req.Start = st.id, s.log, st.client, st.tls, st.start
		req.codec, req.envs = s.codecFor(route), s.Envs
		st.req = req
		s.setRouteHeaders(w, route)
		setCORSHeaders(w, hr, route)
		result, err := s.run(req)
		if err != nil {
			s.writeError(req, st, err)
			return
		}
		if req.envOpen {
			// A streamed answer reads while it is written (see keepOpen);
			// its read-only Env ends after, even if the write panics.
			defer req.Env.Finish(nil)
		}
		req.codec.WriteResult(req, result)
	})
}

// keepOpen decides the fate of an answer that holds a jsonx.Seq (records
// read while they are written, orm.Records). On a read-only Env and a
// codec that streams, the Env stays open until the answer is written:
// ending a read-only transaction later loses nothing. Anything else —
// an Env that may have written, whose commit must come before any
// success is written, or a codec that writes its answer whole — gets the
// answer in memory now, before the Env ends.
func (s *Server) keepOpen(req *Request, result any) (any, bool, error) {
	if !jsonx.Streams(result) {
		return result, false, nil
	}
	if req.Env.ReadOnly() && streams(req.codec) {
		return result, true, nil
	}
	v, err := jsonx.Materialize(result)
	return v, false, err
}

// run executes the pipeline stages after routing, each once, whatever the
// protocol: pre-auth limit, body, decode (codec), Prepare (the route's
// per-request facts), authentication, post-auth limit, CSRF, declared
// params, Env, handler, and the end of the transaction — before anything
// is written, so a client never sees success for a change that did not
// commit.
func (s *Server) run(req *Request) (result any, err error) {
	route, hr := req.Route, req.HTTP
	if s.Limiter != nil {
		if err = s.Limiter.Limit(req, PreAuth); err != nil {
			return nil, refusedBy(req, refusedPreAuth, err)
		}
	}
	body, err := s.readBody(req)
	if err != nil {
		return nil, err
	}
	if err = req.codec.Decode(req, body); err != nil {
		return nil, err
	}
	if route.Prepare != nil {
		if err = route.Prepare(req); err != nil {
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
			policy := string(req.RateLimit) // a named policy, or the caller's default one
			if policy == "" {
				policy = refusedPostAuth
			}
			return nil, refusedBy(req, policy, err)
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
	// err is the named result: the deferred Finish must see the handler's
	// error (to roll back) and its own failure must become the request's
	// (a failed commit is never answered as success). The Env may also
	// have been opened by the handler (Request.OpenEnv). A panic rolls
	// back and re-panics to the recovery middleware.
	defer func() {
		env := req.Env
		if env == nil {
			return
		}
		if p := recover(); p != nil {
			env.Finish(errors.New("panic"))
			panic(p)
		}
		if err == nil {
			if result, req.envOpen, err = s.keepOpen(req, result); req.envOpen {
				return
			}
		}
		if ferr := env.Finish(err); ferr != nil && err == nil {
			result, err = nil, ferr
		}
	}()
	if route.Auth != AuthNone && (route.Auth != AuthCall || req.Principal != nil) {
		if _, err = req.OpenEnv(); err != nil {
			return nil, err
		}
	}
	return route.Handler(req)
}

// refusedBy notes which limit refused the request, for the refusal
// summaries of the access log (refusallog.go).
func refusedBy(req *Request, policy string, err error) error {
	if st, ok := req.HTTP.Context().Value(stateKey{}).(*reqState); ok {
		st.refusedBy = policy
	}
	return err
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
	if req.Route.Type == TypeHTTP && !isFormOrEmpty(hr) || req.Route.Codec != nil && !buffered(req.Route.Codec) {
		// http handlers and other codecs (XML-RPC) stream the body
		// themselves; enforce the limit.
		hr.Body = http.MaxBytesReader(req.W, hr.Body, limit)
		return nil, nil
	}
	b, err := readBounded(hr.Body, hr.ContentLength, limit)
	if err != nil {
		return nil, errs.Wrap(errs.BadRequest, err, "The request body could not be read.")
	}
	if int64(len(b)) > limit {
		return nil, errs.Ef(errs.PayloadTooLarge, "The request body is larger than the limit of %d bytes.", limit)
	}
	if !buffered(req.codec) {
		// Hand the (bounded) form body back for ParseForm.
		hr.Body = io.NopCloser(bytes.NewReader(b))
	}
	return b, nil
}

func isFormOrEmpty(hr *http.Request) bool {
	ct := mediaType(hr.Header.Get("Content-Type"))
	return ct == "" || ct == "application/x-www-form-urlencoded"
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
