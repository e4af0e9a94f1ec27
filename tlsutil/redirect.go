package tlsutil

import (
	"net"
	"net/http"
	"strings"
)

// redirectHandler sends GET and HEAD to the same URL over HTTPS (308, so
// the method is kept) and refuses every other method with 403: a client
// that posts over plain HTTP has already exposed its body, and must be
// fixed rather than quietly redirected. The target host is the request's
// own, checked to be a plain host name or address, so the answer cannot
// be made to point anywhere else.
func redirectHandler(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "This server accepts only HTTPS: send the request to https:// (its content was sent unencrypted).", http.StatusForbidden)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if !validHost(host) {
			http.Error(w, "Bad Request: invalid Host header", http.StatusBadRequest)
			return
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // IPv6 literal
		}
		if httpsPort != "" && httpsPort != "443" {
			host += ":" + httpsPort
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
