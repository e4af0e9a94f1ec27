package httpd

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Security headers. Two moments: securityHeaders runs when a request
// arrives (what holds for every answer), finalHeaders when the status is
// written, once the handler has chosen a content type and maybe set a
// cookie.
//
//   - X-Content-Type-Options: nosniff, X-Frame-Options: DENY (and the CSP's
//     frame-ancestors 'none'): rampart pages are never framed, so
//     clickjacking a form is impossible; Referrer-Policy: no-referrer:
//     URLs never leak to other sites.
//   - Strict-Transport-Security when the request came over TLS (directly
//     or from a trusted proxy that says https): one year, subdomains
//     included. Never on plain HTTP, where browsers ignore it anyway and
//     it would pin a site that has no certificate yet.
//   - Content-Security-Policy on every answer, by content type. HTML gets
//     the page policy (own styles and images, forms posting only to this
//     site, no scripts at all: rampart's pages need none). Everything else
//     (JSON, files) gets "default-src 'none'; frame-ancestors 'none';
//     sandbox": browsers ignore a CSP on data they do not render, but a
//     JSON or SVG answer opened directly, or sniffed as HTML by an old
//     client, then cannot run anything. The cost is one header. A handler
//     that sets its own CSP keeps it.
//   - Cache-Control: no-store on answers of authenticated routes
//     (setRouteHeaders) and on any answer that sets a cookie: a shared
//     cache must never hand one user's data, session or CSRF binding to
//     another.

const (
	cspHTML = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	cspData = "default-src 'none'; frame-ancestors 'none'; sandbox"
	hsts    = "max-age=31536000; includeSubDomains"
	// hstsLocal is for localhost and addresses: includeSubDomains there
	// would pin every *.localhost development site to HTTPS.
	hstsLocal = "max-age=31536000"
)

// securityHeaders are set on every response before routing. host is the
// request's Host.
func securityHeaders(h http.Header, tls bool, host string) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if tls {
		if localHost(host) {
			h.Set("Strict-Transport-Security", hstsLocal)
		} else {
			h.Set("Strict-Transport-Security", hsts)
		}
	}
}

// localHost reports localhost, *.localhost and IP addresses.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// finalHeaders completes the headers when the status is written.
func finalHeaders(h http.Header) {
	html := strings.HasPrefix(mediaType(h.Get("Content-Type")), "text/html")
	if h.Get("Content-Security-Policy") == "" {
		if html {
			h.Set("Content-Security-Policy", cspHTML)
		} else {
			h.Set("Content-Security-Policy", cspData)
		}
	}
	if html {
		// A page opened from another site gets no handle on this window.
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	}
	if len(h.Values("Set-Cookie")) > 0 {
		h.Set("Cache-Control", "no-store")
	}
}
