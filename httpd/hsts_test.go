package httpd

import (
	"net/http"
	"testing"
)

// HSTS pins subdomains only for real names: on localhost (or an address)
// includeSubDomains would pin every *.localhost development site of the
// browser to HTTPS.
func TestHSTSNoSubdomainsForLocalhost(t *testing.T) {
	for _, c := range []struct{ host, want string }{
		{"example.com", "max-age=31536000; includeSubDomains"},
		{"api.example.com:8443", "max-age=31536000; includeSubDomains"},
		{"localhost:8069", "max-age=31536000"},
		{"localhost", "max-age=31536000"},
		{"dev.localhost:8443", "max-age=31536000"},
		{"127.0.0.1:8443", "max-age=31536000"},
		{"[::1]:8443", "max-age=31536000"},
	} {
		h := http.Header{}
		securityHeaders(h, true, c.host)
		if got := h.Get("Strict-Transport-Security"); got != c.want {
			t.Errorf("%s: HSTS %q, want %q", c.host, got, c.want)
		}
	}
}
