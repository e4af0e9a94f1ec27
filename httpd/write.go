package httpd

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
)

// writeError renders err with the request's codec. Internal errors are
// logged with their cause and shown only as "internal error" with the
// request id.
func (s *Server) writeError(r *Request, st *reqState, err error) {
	e := errs.As(err)
	st.errKind = e.Kind
	if clientGone(r, e) {
		// The client canceled or disconnected: whatever failed after
		// that (a query interrupted, a context error) is not the
		// server's fault and no operator needs to act on it.
		st.canceled = true
		s.log.Info("request canceled by the client", "request_id", st.id, "route", r.Route.Name, "kind", e.Kind.String())
	} else if e.Kind == errs.Internal {
		s.log.Error("request failed", "request_id", st.id, "route", r.Route.Name, "err", e.Err)
	} else if e.Err != nil {
		s.log.Debug("request refused", "request_id", st.id, "route", r.Route.Name, "kind", e.Kind.String(), "err", e.Err)
	}
	h := r.W.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if r.codec == nil {
		r.codec = s.codecFor(r.Route)
	}
	r.codec.WriteError(r, e)
}

// clientGone reports an error caused by the client going away: its
// request context canceled (not a server-side deadline), or the error
// itself a context cancellation.
func clientGone(r *Request, e *errs.Error) bool {
	if e.Err != nil && errors.Is(e.Err, context.Canceled) {
		return true
	}
	return r.HTTP != nil && errors.Is(r.HTTP.Context().Err(), context.Canceled)
}

// refuse answers a request refused before it has a Request of its own
// (unknown method, 404, 405, preflight, panic) in route's format.
func (s *Server) refuse(w http.ResponseWriter, hr *http.Request, st *reqState, route *Route, err error) {
	s.writeError(&Request{HTTP: hr, W: w, Route: route, ID: st.id, Log: s.log}, st, err)
}

// errorBody is Odoo's serialize_exception shape. debug is empty unless the
// server runs in dev mode, and even then never for Internal errors sent to
// non-dev servers: Odoo leaks tracebacks here, rampart does not.
func (s *Server) errorBody(r *Request, e *errs.Error) map[string]any {
	msg := clientMessage(r, e)
	args := []any{msg}
	if name := e.OdooName(); len(name) > 8 && name[:8] == "werkzeug" {
		args = append(args, e.Kind.Status())
	}
	ctx := e.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	debug := ""
	if s.cfg.Dev && e.Err != nil {
		debug = e.Err.Error()
	}
	body := map[string]any{
		"name": e.OdooName(), "message": msg, "arguments": args, "context": ctx, "debug": debug,
	}
	if len(e.Fields) > 0 {
		body["fields"] = e.Fields
	}
	return body
}

// maxPooledJSON bounds the response buffers kept for reuse
// (Server.jsonBufs): a search_read answer is a few KB, and growing a fresh
// buffer for each was several allocations and copies per request. A
// buffer that grew larger is dropped, not kept.
const maxPooledJSON = 64 << 10

// StreamResult writes an answer holding a jsonx.Seq while it reads it,
// through encode: Content-Type set, no Content-Length (the length is not
// known; HTTP/1.1 sends it chunked), status 200, then encode's bytes as
// they come. The answer was measured against the budget before (see
// orm.Records), so what can fail now is the database or the client; the
// answer is then cut (AbortStream), never ended as if it were complete.
func StreamResult(r *Request, contentType string, encode func(w io.Writer) error) {
	h := r.W.Header()
	h.Set("Content-Type", contentType)
	h.Del("Content-Length")
	r.W.WriteHeader(http.StatusOK)
	if err := encode(r.W); err != nil {
		AbortStream(r, err)
	}
}

// AbortStream ends an answer that failed after its first byte: one log
// line (an error, or INFO when the client went away) and the connection
// cut. A chunked body without its last chunk, or an HTTP/2 stream reset,
// is an error to every HTTP client, so the part written is never taken
// for a whole answer; the JSON or XML cut short does not parse either.
func AbortStream(r *Request, err error) {
	st, _ := r.HTTP.Context().Value(stateKey{}).(*reqState)
	if st != nil {
		st.aborted = true
	}
	e := errs.As(err)
	if clientGone(r, e) {
		if st != nil {
			st.canceled = true
		}
		r.Log.Info("request canceled by the client while its answer was written", "request_id", r.ID, "route", r.Route.Name)
	} else {
		r.Log.Error("answer failed while it was written; connection cut", "request_id", r.ID, "route", r.Route.Name, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// streamJSON is writeJSON for an answer holding a jsonx.Seq.
func (s *Server) streamJSON(r *Request, v any) {
	StreamResult(r, "application/json; charset=utf-8", func(w io.Writer) error {
		_, _, err := jsonx.Write(w, make([]byte, 0, jsonx.FlushAt+4096), v)
		return err
	})
}

// writeJSON writes v as the JSON body with status.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	bp, _ := s.jsonBufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 4096)
		bp = &b
	}
	defer func() {
		if cap(*bp) <= maxPooledJSON {
			s.jsonBufs.Put(bp)
		}
	}()
	b, err := jsonx.Append((*bp)[:0], v)
	*bp = b[:0]
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"name":"werkzeug.exceptions.InternalServerError","message":"internal error: result is not JSON-serializable","arguments":[],"context":{},"debug":""}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func errorPage(status int, msg string) string {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) +
		"</title></head><body><h1>" + html.EscapeString(title) + "</h1><p>" + html.EscapeString(msg) + "</p></body></html>\n"
}

// localPath strips scheme, host and leading slashes or backslashes so a
// redirect can never leave the site (Odoo's local=True redirect).
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return "/"
	}
	path := u.EscapedPath()
	for len(path) > 0 && (path[0] == '/' || path[0] == '\\') {
		path = path[1:]
	}
	out := "/" + path
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}
