package httpd

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
)

// writeResult renders a handler's result by route type.
func (s *Server) writeResult(w http.ResponseWriter, hr *http.Request, route *Route, rpcID any, result any) {
	switch route.Type {
	case TypeJSON2:
		writeJSON(w, http.StatusOK, result)
	case TypeJSONRPC:
		env := map[string]any{"jsonrpc": "2.0", "id": rpcID}
		if result != nil { // Odoo omits "result" when the value is None
			env["result"] = result
		}
		writeJSON(w, http.StatusOK, env)
	default:
		switch v := result.(type) {
		case written:
		case Redirect:
			http.Redirect(w, hr, localPath(string(v)), http.StatusSeeOther)
		case string:
			writeHTML(w, http.StatusOK, v)
		case []byte:
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", "application/octet-stream")
			}
			w.WriteHeader(http.StatusOK)
			w.Write(v)
		case nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
}

// writeError renders err in the route type's error format. Internal
// errors are logged with their cause and shown only as "internal error"
// with the request id.
func (s *Server) writeError(w http.ResponseWriter, hr *http.Request, st *reqState, route *Route, rpcID any, err error) {
	e := errs.As(err)
	st.errKind = e.Kind
	if e.Kind == errs.Internal {
		s.log.Error("request failed", "request_id", st.id, "route", route.Name, "err", e.Err)
	} else if e.Err != nil {
		s.log.Debug("request refused", "request_id", st.id, "route", route.Name, "kind", e.Kind.String(), "err", e.Err)
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if route.ErrorWriter != nil {
		route.ErrorWriter(w, hr, st.id, e)
		return
	}
	status := e.Kind.Status()
	msg := e.Message()
	if e.Kind == errs.Internal {
		msg = "internal error (request id " + st.id + ")"
	}
	switch route.Type {
	case TypeJSON2:
		writeJSON(w, status, s.errorBody(e, msg))
	case TypeJSONRPC:
		code, message := 0, "Odoo Server Error"
		switch e.Kind {
		case errs.SessionExpired:
			code, message = 100, "Odoo Session Expired"
		case errs.NotFound:
			code, message = 404, "404: Not Found"
		}
		// Odoo answers application errors with HTTP 200 so its clients read
		// the envelope. Refusals that happen before the call is understood
		// (malformed body, size, media type, method, rate limit, missing
		// session) keep their real status: proxies and clients need them,
		// and the body is still the envelope.
		httpStatus := http.StatusOK
		switch e.Kind {
		case errs.BadRequest, errs.PayloadTooLarge, errs.UnsupportedMediaType, errs.MethodNotAllowed,
			errs.TooManyRequests, errs.SessionExpired, errs.Unauthorized, errs.Unavailable:
			httpStatus = status
		}
		writeJSON(w, httpStatus, map[string]any{
			"jsonrpc": "2.0", "id": rpcID,
			"error": map[string]any{"code": code, "message": message, "data": s.errorBody(e, msg)},
		})
	default:
		if e.Kind == errs.SessionExpired {
			target := s.cfg.LoginPath + "?redirect=" + url.QueryEscape(hr.URL.RequestURI())
			http.Redirect(w, hr, target, http.StatusSeeOther)
			return
		}
		writeHTML(w, status, errorPage(status, msg))
	}
}

// errorBody is Odoo's serialize_exception shape. debug is empty unless the
// server runs in dev mode, and even then never for Internal errors sent to
// non-dev servers: Odoo leaks tracebacks here, rampart does not.
func (s *Server) errorBody(e *errs.Error, msg string) map[string]any {
	args := []any{msg}
	if e.Kind.OdooName()[:8] == "werkzeug" {
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
		"name": e.Kind.OdooName(), "message": msg, "arguments": args, "context": ctx, "debug": debug,
	}
	if len(e.Fields) > 0 {
		body["fields"] = e.Fields
	}
	return body
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := jsonx.Append(make([]byte, 0, 1024), v)
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
