package httpd

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// FullPath is the path the route is served at: Path, or
// /api/v{Version}{Path} for a versioned route.
func (r *Route) FullPath() string {
	if r.Version > 0 {
		return "/api/v" + strconv.Itoa(r.Version) + r.Path
	}
	return r.Path
}

// CSRFEnabled reports whether the route checks CSRF tokens: http routes
// unless they opt out; never the JSON types, which need a JSON content type
// (a CORS-preflighted request) or a bearer token instead.
func (r *Route) CSRFEnabled() bool {
	if r.Type != TypeHTTP {
		return false
	}
	return r.CSRF == nil || *r.CSRF
}

var knownMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// normalize validates the spec and fills defaults. All problems with one
// route are reported together.
func (r *Route) normalize() error {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if r.Path == "" || r.Path[0] != '/' {
		bad("path %q must start with /", r.Path)
	}
	if strings.ContainsAny(r.Path, " \t") || strings.HasPrefix(r.Path, "/api/v") && r.Version > 0 {
		bad("path %q: no spaces, and a versioned route's path must not repeat the /api/vN prefix", r.Path)
	}
	if r.Name == "" {
		r.Name = r.FullPath()
	}
	switch r.Type {
	case "":
		r.Type = TypeHTTP
	case "json":
		r.Type = TypeJSONRPC // Odoo 19's deprecated alias
	case TypeHTTP, TypeJSONRPC, TypeJSON2:
	default:
		bad("unknown type %q (want http, jsonrpc or json2)", r.Type)
	}
	switch r.Auth {
	case "":
		r.Auth = AuthUser // safe default: a route that says nothing needs a user
	case AuthNone, AuthPublic, AuthUser, AuthBearer:
	case AuthCall:
		if r.Prepare == nil {
			bad("auth call needs a Prepare hook to read the call's credentials")
		}
	default:
		bad("unknown auth %q (want none, public, user, bearer or call)", r.Auth)
	}
	if len(r.Methods) == 0 {
		if r.Type == TypeHTTP {
			r.Methods = []string{http.MethodGet, http.MethodHead}
		} else {
			r.Methods = []string{http.MethodPost}
		}
	}
	seen := map[string]bool{}
	for i, m := range r.Methods {
		m = strings.ToUpper(m)
		r.Methods[i] = m
		if !slices.Contains(knownMethods, m) {
			bad("unknown method %q", m)
		}
		if seen[m] {
			bad("method %s listed twice", m)
		}
		seen[m] = true
	}
	if r.CSRF != nil && *r.CSRF && r.Type != TypeHTTP {
		bad("csrf applies only to http routes; %s routes rely on JSON content types or bearer keys", r.Type)
	}
	if c := r.CORS; c != nil {
		if len(c.Origins) == 0 {
			bad("cors: no origins")
		}
		for _, o := range c.Origins {
			if o == "*" && c.Credentials {
				bad("cors: credentials are never allowed with the * origin")
			}
			if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
				bad("cors: origin %q must be scheme://host[:port] or *", o)
			}
		}
		for i, m := range c.Methods {
			c.Methods[i] = strings.ToUpper(m)
			if !slices.Contains(r.Methods, c.Methods[i]) {
				bad("cors: method %q is not one of the route's methods", m)
			}
		}
		if c.MaxAge < 0 {
			bad("cors: negative max age")
		}
	}
	if r.Scope != "" && strings.ContainsAny(r.Scope, " ,") {
		bad("scope %q: one scope, no spaces or commas", r.Scope)
	}
	if r.Version < 0 {
		bad("version must be positive")
	}
	if !r.Sunset.IsZero() && !r.Deprecated.IsZero() && r.Sunset.Before(r.Deprecated) {
		bad("sunset before deprecation")
	}
	if r.Successor != "" && !strings.HasPrefix(r.Successor, "/") && !strings.HasPrefix(r.Successor, "https://") {
		bad("successor %q must be a path or an https URL", r.Successor)
	}
	if r.Params != nil {
		spec, err := compileParams(r.Params)
		if err != nil {
			bad("%v", err)
		}
		r.params = spec
	}
	if r.Handler == nil {
		bad("no handler")
	}
	if len(errs) > 0 {
		return errors.New("route " + r.Path + ": " + strings.Join(errs, "; "))
	}
	return nil
}
