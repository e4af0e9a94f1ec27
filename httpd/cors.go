package httpd

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
)

// CORS is answered inside dispatch, right after the route is matched: the
// policy is per route, and the route table is known only there.
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered before the rate limiter and authentication, as Odoo does
// (auth none, 204): browsers send preflights on their own and cache them
// for MaxAge, and refusing one with 429 or 401 would only turn a clear
// error into an opaque CORS failure in the page. The pre-auth flood guard
// protects what follows, not the preflight, which costs a map lookup.
//
// Refusals are explicit: a preflight from an unlisted origin, for a method
// or a header the route does not allow, is 403 in the route type's error
// format, without any Access-Control-* header. Actual requests from an
// unlisted origin are served as usual but get no Access-Control-* headers,
// so the browser does not expose the answer to the foreign page; whether
// a cookie-authenticated unsafe request may run at all is the CSRF guard's
// call (csrf.go), made before anything changes.

// defaultCORSHeaders are the request headers a CORS route accepts when it
// lists none.
var defaultCORSHeaders = []string{"Content-Type", "Authorization", "X-API-Key", "X-Requested-With", "X-CSRF-Token"}

// exposedHeaders lets cross-origin scripts read what they need to behave:
// the request id to report problems, rate-limit state and Retry-After.
const exposedHeaders = "X-Request-Id, RateLimit, RateLimit-Policy, Retry-After, Deprecation, Sunset, Link"

const defaultCORSMaxAge = 24 * time.Hour // Odoo's CORS_MAX_AGE

// isPreflight reports whether hr is a CORS preflight.
func isPreflight(hr *http.Request) bool {
	return hr.Method == http.MethodOptions && hr.Header.Get("Origin") != "" &&
		hr.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight for a path that has a CORS route; it
// returns false when no route of the path has a CORS policy, leaving the
// request to the normal 405/OPTIONS handling.
func (s *Server) preflight(w http.ResponseWriter, hr *http.Request, st *reqState, pr *pathRoutes) bool {
	var anyRoute *Route
	for _, m := range slices.Sorted(maps.Keys(pr.methods)) {
		if r := pr.methods[m]; r.CORS != nil {
			anyRoute = r
			break
		}
	}
	if anyRoute == nil {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	method := strings.ToUpper(hr.Header.Get("Access-Control-Request-Method"))
	target := pr.methods[method]
	if target == nil && method == http.MethodHead {
		target = pr.methods[http.MethodGet]
	}
	refuse := func(route *Route, msg string) bool {
		s.refuse(w, hr, st, route, errs.E(errs.Forbidden, "CORS preflight refused: "+msg))
		return true
	}
	if target == nil || target.CORS == nil {
		return refuse(anyRoute, "the method "+sanitizeMethod(method)+" is not allowed cross-origin for this URL.")
	}
	c := target.CORS
	origin := hr.Header.Get("Origin")
	allowOrigin, ok := c.allowOrigin(origin)
	if !ok {
		return refuse(target, "the origin is not allowed for this URL.")
	}
	methods := c.Methods
	if len(methods) == 0 {
		methods = target.Methods
	}
	if !slices.Contains(methods, method) {
		return refuse(target, "the method "+sanitizeMethod(method)+" is not allowed cross-origin for this URL.")
	}
	allowed := c.Headers
	if len(allowed) == 0 {
		allowed = defaultCORSHeaders
	}
	for _, rh := range strings.Split(strings.Join(hr.Header.Values("Access-Control-Request-Headers"), ","), ",") {
		rh = strings.TrimSpace(rh)
		if rh != "" && !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, rh) }) {
			return refuse(target, "the request header "+strconv.Quote(truncateName(rh))+" is not allowed.")
		}
	}
	maxAge := c.MaxAge
	if maxAge == 0 {
		maxAge = defaultCORSMaxAge
	}
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	h.Set("Access-Control-Allow-Headers", strings.Join(allowed, ", "))
	h.Set("Access-Control-Max-Age", strconv.Itoa(int(maxAge/time.Second)))
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// setCORSHeaders adds the CORS headers of an actual (non-preflight)
// request to a CORS route. Vary: Origin is set whatever the origin, so a
// cache never serves one origin's answer to another.
func setCORSHeaders(w http.ResponseWriter, hr *http.Request, r *Route) {
	c := r.CORS
	if c == nil {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := hr.Header.Get("Origin")
	allowOrigin, ok := c.allowOrigin(origin)
	if origin == "" || !ok {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	h.Set("Access-Control-Expose-Headers", exposedHeaders)
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// allowOrigin is the Access-Control-Allow-Origin value for origin, if it is
// allowed. A listed origin is echoed; "*" is answered with "*" (never with
// credentials: Register refuses that combination). Origins compare exactly,
// as browsers send them (scheme://host[:port], lower case).
func (c *CORS) allowOrigin(origin string) (string, bool) {
	if origin == "" {
		return "", false
	}
	// "null" (sandboxed frames, file: pages) is never matched by a list:
	// listing it would admit any of them. Only "*" covers it.
	if origin != "null" && slices.Contains(c.Origins, origin) {
		return origin, true
	}
	if slices.Contains(c.Origins, "*") {
		return "*", true
	}
	return "", false
}
