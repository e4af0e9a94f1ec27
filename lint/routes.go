package lint

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rampart/rampart/httpd"
)

// Route check names.
const (
	CheckRouteAnonymousUnsafe = "route-anonymous-unsafe"
	CheckRouteCSRFDisabled    = "route-csrf-disabled"
	CheckRouteCORSCredentials = "route-cors-credentials"
)

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkRoutes reads the route table as Register normalized it.
func checkRoutes(routes []*httpd.Route) []Finding {
	var out []Finding
	for _, r := range routes {
		var unsafe []string
		for _, m := range r.Methods {
			if !safeMethod(m) {
				unsafe = append(unsafe, m)
			}
		}
		id := r.FullPath()
		methods := strings.Join(r.Methods, ",")
		add := func(check string, sev Severity, msg, fix string) {
			out = append(out, Finding{Check: check, Severity: sev, ID: id, Message: msg, Fix: fix})
		}
		switch r.Auth {
		case httpd.AuthPublic:
			// The public user's Env: its ACLs decide, but a writable
			// transaction on an unsafe method is a write path for anyone.
			switch {
			case len(unsafe) > 0 && !r.ReadOnly:
				add(CheckRouteAnonymousUnsafe, High,
					fmt.Sprintf("auth public route %s (%s) accepts %s on a writable transaction: anyone can write through it", r.Name, methods, strings.Join(unsafe, ",")),
					"require auth user or bearer; if anonymous input is the point, set ReadOnly and write under a reasoned Sudo of exactly what is needed")
			case len(unsafe) > 0:
				add(CheckRouteAnonymousUnsafe, Low,
					fmt.Sprintf("auth public route %s accepts %s without a user (read-only transaction)", r.Name, strings.Join(unsafe, ",")),
					"serve it on GET/HEAD, or require auth user or bearer")
			case !r.ReadOnly:
				add(CheckRouteAnonymousUnsafe, Low,
					fmt.Sprintf("auth public route %s (%s) runs on a writable transaction", r.Name, methods),
					"set ReadOnly: a GET for anyone should not be able to write")
			}
		case httpd.AuthNone:
			// No principal and no Env: the handler writes only what it
			// writes itself (a login, a session), so this is for review.
			if len(unsafe) > 0 {
				add(CheckRouteAnonymousUnsafe, Low,
					fmt.Sprintf("auth none route %s accepts %s without any authentication", r.Name, strings.Join(unsafe, ",")),
					"make sure the handler writes nothing but what it must (a login), is rate-limited and checks the origin; otherwise require auth user or bearer")
			}
		}
		// Cookie sessions reach user and public routes; an http route
		// without CSRF then lets any site post as the signed-in user.
		if r.Type == httpd.TypeHTTP && !r.CSRFEnabled() && len(unsafe) > 0 && (r.Auth == httpd.AuthUser || r.Auth == httpd.AuthPublic) {
			add(CheckRouteCSRFDisabled, High,
				fmt.Sprintf("CSRF is disabled on %s, a cookie-authenticated (auth %s) http route accepting %s", r.Name, r.Auth, strings.Join(unsafe, ",")),
				"remove CSRF: false, or make it a bearer (API key) route")
		}
		if c := r.CORS; c != nil && c.Credentials {
			var wild, plain []string
			for _, o := range c.Origins {
				switch {
				case strings.Contains(o, "*") || o == "null":
					wild = append(wild, o)
				case strings.HasPrefix(o, "http://"):
					plain = append(plain, o)
				}
			}
			switch {
			case len(wild) > 0:
				add(CheckRouteCORSCredentials, High,
					fmt.Sprintf("CORS with credentials on %s allows the wildcard origin(s) %s", r.Name, strings.Join(wild, ", ")),
					"list the exact origins (scheme://host[:port]) that may send credentials")
			case len(c.Origins) > CORSManyOrigins:
				add(CheckRouteCORSCredentials, Medium,
					fmt.Sprintf("CORS with credentials on %s allows %d origins: each can act as the signed-in user", r.Name, len(c.Origins)),
					fmt.Sprintf("keep credentials for at most %d origins you control, or use bearer keys without credentials", CORSManyOrigins))
			case len(plain) > 0:
				add(CheckRouteCORSCredentials, Medium,
					fmt.Sprintf("CORS with credentials on %s allows plain-http origin(s) %s", r.Name, strings.Join(plain, ", ")),
					"allow only https origins to send credentials")
			}
		}
	}
	return out
}
