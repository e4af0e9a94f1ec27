package httpd

import (
	"net/http"
	"net/url"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/jsonx"
)

// The built-in codecs, one per route type. They hold the server for its
// configuration (JSON depth, dev mode, login path).
type (
	json2Codec   struct{ s *Server }
	jsonrpcCodec struct{ s *Server }
	httpCodec    struct{ s *Server }
)

// codecFor is the route's wire format: its own Codec, else its type's.
func (s *Server) codecFor(route *Route) Codec {
	if route.Codec != nil {
		return route.Codec
	}
	switch route.Type {
	case TypeJSON2:
		return json2Codec{s}
	case TypeJSONRPC:
		return jsonrpcCodec{s}
	}
	return httpCodec{s}
}

// buffered reports a codec httpd reads the whole (bounded) body for.
func buffered(c Codec) bool {
	switch c.(type) {
	case json2Codec, jsonrpcCodec:
		return true
	}
	return false
}

// Decode: the JSON-2 body is one JSON object, every key a named argument.
func (c json2Codec) Decode(r *Request, body []byte) error {
	ct := mediaType(r.HTTP.Header.Get("Content-Type"))
	// An empty body needs no content type (later 19.x revisions).
	if len(body) == 0 && (ct == "" || ct == "application/json") {
		r.Params = map[string]any{}
		return nil
	}
	if ct != "application/json" {
		return unsupportedMedia("application/json")
	}
	v, err := jsonx.Decode(body, jsonx.Options{MaxDepth: c.s.cfg.MaxJSONDepth})
	if err != nil {
		return errs.Wrap(errs.BadRequest, err, "could not parse the body as json: "+err.Error())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return errs.E(errs.BadRequest, "the body must be a JSON object")
	}
	r.Params = obj
	return nil
}

// WriteResult: the bare result.
func (c json2Codec) WriteResult(r *Request, result any) {
	if r.Streaming() {
		c.s.streamJSON(r, result)
		return
	}
	c.s.writeJSON(r.W, http.StatusOK, result)
}

// WriteError: the status of the kind, Odoo's serialized exception.
func (c json2Codec) WriteError(r *Request, e *errs.Error) {
	c.s.writeJSON(r.W, e.Kind.Status(), c.s.errorBody(r, e))
}

// Decode: a JSON-RPC 2.0 envelope whose params are an object (named
// parameters); the id is kept for the answer.
func (c jsonrpcCodec) Decode(r *Request, body []byte) error {
	ct := mediaType(r.HTTP.Header.Get("Content-Type"))
	if ct != "application/json" && ct != "application/json-rpc" {
		return unsupportedMedia("application/json")
	}
	v, err := jsonx.Decode(body, jsonx.Options{MaxDepth: c.s.cfg.MaxJSONDepth})
	if err != nil {
		return errs.Wrap(errs.BadRequest, err, "Invalid JSON data: "+err.Error())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return errs.E(errs.BadRequest, "Invalid JSON-RPC data: the body must be a JSON object")
	}
	id := obj["id"]
	switch id.(type) {
	case nil, string, int64, float64:
	default:
		return errs.E(errs.BadRequest, "Invalid JSON-RPC data: id must be a string, a number or null")
	}
	r.rpcID = id
	if v, ok := obj["jsonrpc"]; ok && v != "2.0" {
		return errs.E(errs.BadRequest, `Invalid JSON-RPC data: "jsonrpc" must be "2.0"`)
	}
	r.Params = map[string]any{}
	if p, present := obj["params"]; present && p != nil {
		pm, ok := p.(map[string]any)
		if !ok {
			return errs.E(errs.BadRequest, "Invalid JSON-RPC data: params must be an object (named parameters)")
		}
		r.Params = pm
	}
	return nil
}

// WriteResult: the envelope; Odoo omits "result" when the value is None.
func (c jsonrpcCodec) WriteResult(r *Request, result any) {
	env := map[string]any{"jsonrpc": "2.0", "id": r.rpcID}
	if result != nil {
		env["result"] = result
	}
	if r.Streaming() {
		c.s.streamJSON(r, env)
		return
	}
	c.s.writeJSON(r.W, http.StatusOK, env)
}

// WriteError: the envelope with Odoo's code and message.
func (c jsonrpcCodec) WriteError(r *Request, e *errs.Error) {
	code, message := 0, "Odoo Server Error"
	switch e.Kind {
	case errs.SessionExpired:
		code, message = 100, "Odoo Session Expired"
	case errs.NotFound:
		// werkzeug's NotFound only: an unknown method over JSON-RPC is
		// Odoo's AttributeError, a plain server error (code 0).
		if e.Name == "" {
			code, message = 404, "404: Not Found"
		}
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
		httpStatus = e.Kind.Status()
	}
	c.s.writeJSON(r.W, httpStatus, map[string]any{
		"jsonrpc": "2.0", "id": r.rpcID,
		"error": map[string]any{"code": code, "message": message, "data": c.s.errorBody(r, e)},
	})
}

// Decode: http routes read forms and queries when they declare Params
// (bindParams); anything else is the handler's.
func (httpCodec) Decode(*Request, []byte) error { return nil }

// WriteResult: HTML for a string, bytes as they are, a redirect, nothing
// (204), or JSON for anything else.
func (c httpCodec) WriteResult(r *Request, result any) {
	w := r.W
	switch v := result.(type) {
	case written:
	case Redirect:
		http.Redirect(w, r.HTTP, localPath(string(v)), http.StatusSeeOther)
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
		c.s.writeJSON(w, http.StatusOK, v)
	}
}

// WriteError: an HTML page with the status; an expired session goes to
// the login page.
func (c httpCodec) WriteError(r *Request, e *errs.Error) {
	if e.Kind == errs.SessionExpired {
		target := c.s.cfg.LoginPath + "?redirect=" + url.QueryEscape(r.HTTP.URL.RequestURI())
		http.Redirect(r.W, r.HTTP, target, http.StatusSeeOther)
		return
	}
	status := e.Kind.Status()
	writeHTML(r.W, status, errorPage(status, clientMessage(r, e)))
}

// clientMessage is the error's message, or the request id alone for an
// internal error.
func clientMessage(r *Request, e *errs.Error) string {
	if e.Kind == errs.Internal {
		return InternalMessage(r)
	}
	return e.Message()
}
