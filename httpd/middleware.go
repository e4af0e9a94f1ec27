package httpd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
)

// reqState is what the outer middleware knows about a request, shared with
// the inner stages through the request context.
type reqState struct {
	id      string
	start   time.Time
	client  netip.Addr
	tls     bool
	req     *Request // set once routed
	errKind errs.Kind
	// refusedBy names the rate limit that refused the request (dispatch.go).
	refusedBy string
	// canceled: the client went away before the answer (writeError).
	canceled bool
	// aborted: a streamed answer failed after its first byte and the
	// connection was cut (AbortStream).
	aborted bool
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{id: newRequestID(), start: time.Now()}
}

// StateRequest returns the routed *Request of an http.Request that went
// through the pipeline (nil before routing). For middleware added with
// Server.Middleware.
func StateRequest(r *http.Request) *Request { return stateOf(r).req }

// ClientIP is the client address the pipeline settled on (proxy-aware).
func ClientIP(r *http.Request) netip.Addr { return stateOf(r).client }

// IsTLS reports whether the request came over TLS (directly or via a
// trusted proxy).
func IsTLS(r *http.Request) bool { return stateOf(r).tls }

// RequestID is the request's id.
func RequestID(r *http.Request) string { return stateOf(r).id }

// base is the outermost layer: request id, client IP, security headers,
// panic recovery and the access log.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{start: s.now()}
		st.id = r.Header.Get("X-Request-Id")
		if !saneRequestID(st.id) {
			st.id = newRequestID()
		}
		st.client, st.tls = s.clientInfo(r)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		rw := &recorder{ResponseWriter: w}
		h := rw.Header()
		h.Set("X-Request-Id", st.id)
		securityHeaders(h, st.tls, r.Host)

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					s.accessLog(r, rw, st)
					panic(p)
				}
				s.log.Error("panic in handler", "request_id", st.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rw.wroteHeader {
					if st.req != nil {
						s.writeError(st.req, st, errs.Internalf("panic: %v", p))
					} else {
						s.refuse(rw, r, st, &Route{Type: TypeHTTP, Name: r.URL.Path}, errs.Internalf("panic: %v", p))
					}
				}
			}
			s.accessLog(r, rw, st)
		}()
		if r.Method == "" || len(r.Method) > 16 || strings.IndexFunc(r.Method, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
			s.refuse(rw, r, st, &Route{Type: TypeHTTP}, errs.E(errs.MethodNotAllowed, "The method is not allowed for the requested URL."))
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// StatusClientClosedRequest is what the access log and the metrics record
// for a request whose client went away before the answer.
const StatusClientClosedRequest = 499

func (s *Server) accessLog(r *http.Request, rw *recorder, st *reqState) {
	d := s.now().Sub(st.start)
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	if st.canceled {
		// Nobody read the error answer: the log and the metrics say 499
		// (nginx's "client closed request"), so that client
		// cancellations do not count as the server's 5xx.
		status = StatusClientClosedRequest
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("request_id", st.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path), // never the query: it may hold tokens
		slog.Int("status", status),
		slog.Int64("bytes", rw.bytes),
		slog.Duration("duration", d),
		slog.String("client_ip", st.client.String()),
	)
	if st.req != nil {
		attrs = append(attrs, slog.String("route", st.req.Route.Name))
		if p := st.req.Principal; p != nil {
			attrs = append(attrs, slog.Int64("user_id", p.UserID))
			if p.KeyID != 0 {
				attrs = append(attrs, slog.Int64("key_id", p.KeyID))
			}
		}
	}
	if status >= 400 || st.errKind == errs.TooManyRequests {
		attrs = append(attrs, slog.String("error", st.errKind.String()))
	}
	if st.canceled {
		attrs = append(attrs, slog.Bool("client_canceled", true))
	}
	if st.aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	level := slog.LevelInfo
	if st.errKind == errs.TooManyRequests {
		// Counted into the per-client summary instead (refusallog.go).
		// By the error's kind, not the status: XML-RPC answers a refusal
		// with 200 and a fault.
		policy := st.refusedBy
		if policy == "" {
			policy = refusedHandler
		}
		route := r.URL.Path
		if st.req != nil {
			route = st.req.Route.Name
		}
		s.countRefusal(st.client, policy, route)
		level = slog.LevelDebug
	} else {
		s.flushRefusalsIfDue()
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
	if s.Observer != nil && st.req != nil {
		s.Observer.Observe(st.req, status, rw.bytes, d)
	}
}

// setRouteHeaders adds the deprecation headers of a deprecated route.
func (s *Server) setRouteHeaders(w http.ResponseWriter, r *Route) {
	h := w.Header()
	if !r.Deprecated.IsZero() {
		h.Set("Deprecation", fmt.Sprintf("@%d", r.Deprecated.Unix())) // RFC 9745
	}
	if !r.Sunset.IsZero() {
		h.Set("Sunset", r.Sunset.UTC().Format(http.TimeFormat)) // RFC 8594
	}
	if r.Successor != "" {
		h.Add("Link", "<"+r.Successor+">; rel=\"successor-version\"")
	}
	if r.Auth != AuthNone {
		// Authenticated answers are per-user: never cache them anywhere.
		h.Set("Cache-Control", "no-store")
	}
}

// clientInfo settles the client IP and scheme. X-Forwarded-For and
// X-Forwarded-Proto are believed only when the direct peer is a trusted
// proxy; the client is then the right-most address not itself trusted.
func (s *Server) clientInfo(r *http.Request) (netip.Addr, bool) {
	peer := remoteAddr(r.RemoteAddr)
	tls := r.TLS != nil
	if !s.trusted(peer) {
		return peer, tls
	}
	client := peer
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		parts := strings.Split(strings.Join(xff, ","), ",")
		for i := len(parts) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[i]))
			if err != nil {
				break // garbage: stop at the last address we can vouch for
			}
			client = a.Unmap()
			if !s.trusted(client) {
				break
			}
		}
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		tls = strings.EqualFold(strings.TrimSpace(p), "https")
	}
	return client, tls
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(ra string) netip.Addr {
	if ap, err := netip.ParseAddrPort(ra); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(ra)
	if err != nil {
		host = ra
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	typ := TypeHTTP
	// JSON clients get a JSON 404; browsers an HTML page.
	if ct := mediaType(r.Header.Get("Content-Type")); ct == "application/json" || ct == "application/json-rpc" ||
		strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/json/") {
		typ = TypeJSON2
	}
	s.refuse(w, r, st, &Route{Type: typ, Name: "not_found"}, errs.E(errs.NotFound, "The requested URL was not found on the server."))
}

func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder captures status and size for the access log.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
		finalHeaders(r.Header()) // headers.go: CSP by content type, no-store with cookies
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
