package odoorpc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc/xmlrpc"
	"github.com/rampart/rampart/ratelimit"
)

// Legacy-endpoint deprecation, announced with RFC 9745 Deprecation and
// RFC 8594 Sunset headers. Odoo 19.0 (released in September 2025)
// deprecates /xmlrpc and /jsonrpc; its external-API documentation
// schedules their removal for Odoo 22, "fall 2028" (the 19.0 source says
// Odoo 20; rampart follows the later, documented date). The exact days
// are rampart's choice: the first of the announced month or season.
var (
	legacyDeprecated = time.Date(2025, time.September, 1, 0, 0, 0, 0, time.UTC)
	legacySunset     = time.Date(2028, time.October, 1, 0, 0, 0, 0, time.UTC)
)

// legacySuccessor is the Link rel="successor-version" target.
const legacySuccessor = "/json/2"

// handleXMLRPC serves /xmlrpc/2/{service} (v1=false) and /xmlrpc/{service}.
// It always answers 200 text/xml, a fault for any error: XML-RPC clients
// only understand faults.
func (s *Service) handleXMLRPC(v1 bool) httpd.Handler {
	return func(r *httpd.Request) (any, error) {
		service := r.HTTP.PathValue("service")
		res, err := s.xmlrpcCall(r, service)
		var buf bytes.Buffer
		if err == nil {
			if encErr := xmlrpc.EncodeResponse(&buf, res); encErr != nil {
				buf.Reset()
				err = errs.Internalf("xmlrpc: encode %s result: %w", service, encErr)
			}
		}
		if err != nil {
			s.logFault(r, err)
			writeFault(r.W, v1, r.ID, errs.As(err))
			return httpd.Written, nil
		}
		h := r.W.Header()
		h.Set("Content-Type", "text/xml; charset=utf-8")
		r.W.WriteHeader(http.StatusOK)
		r.W.Write(buf.Bytes())
		return httpd.Written, nil
	}
}

// faultWriter renders the errors httpd raises before the handler runs
// (405, 413, 429, ...) as faults too: XML-RPC clients understand nothing else.
func faultWriter(v1 bool) func(http.ResponseWriter, *http.Request, string, *errs.Error) {
	return func(w http.ResponseWriter, _ *http.Request, requestID string, e *errs.Error) {
		writeFault(w, v1, requestID, e)
	}
}

// writeFault answers 200 text/xml with the fault for e, copying the
// headers e carries (Retry-After, Allow, ...).
func writeFault(w http.ResponseWriter, v1 bool, requestID string, e *errs.Error) {
	for k, vs := range e.Header {
		w.Header()[k] = vs
	}
	var buf bytes.Buffer
	if err := xmlrpc.EncodeFault(&buf, faultFor(e, v1, requestID)); err != nil {
		// A fault of our own making always encodes; say so plainly if not.
		http.Error(w, "internal error (request id "+requestID+")", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

func (s *Service) xmlrpcCall(r *httpd.Request, service string) (any, error) {
	l := s.deps.XMLLimits
	if r.HTTP.ContentLength > l.MaxBytes {
		return nil, errs.E(errs.PayloadTooLarge, "invalid XML-RPC request: body exceeds the size limit")
	}
	call, err := xmlrpc.DecodeCall(r.HTTP.Body, xmlrpc.Limits{
		MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth, MaxValues: l.MaxValues, MaxString: l.MaxString,
	})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.Is(err, xmlrpc.ErrTooLarge) || errors.As(err, &mbe) {
			return nil, errs.Wrap(errs.PayloadTooLarge, err, "invalid XML-RPC request: body exceeds the size limit")
		}
		var xe *xmlrpc.Error
		if errors.As(err, &xe) {
			return nil, errs.Wrap(errs.BadRequest, err, xe.Error())
		}
		return nil, errs.Wrap(errs.BadRequest, err, "invalid XML-RPC request")
	}
	args := make([]any, len(call.Params))
	for i, p := range call.Params {
		args[i] = normalize(p)
	}
	return s.dispatchRPC(r, service, call.Method, args)
}

// normalize turns XML-RPC-only value types into the JSON forms the
// service layer and the ORM speak: datetimes become Odoo's naive UTC
// strings, binary becomes base64 text (Odoo's binary field form).
func normalize(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.DateTime)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	}
	return v
}

// logFault logs what a fault hides: internal causes at error level,
// refusals at debug.
func (s *Service) logFault(r *httpd.Request, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		s.deps.Log.Error("xmlrpc call failed", "request_id", r.ID, "err", e.Err)
		return
	}
	s.deps.Log.Debug("xmlrpc call refused", "request_id", r.ID, "kind", e.Kind.String(), "msg", e.Message())
}

func (s *Service) legacyRoutes() []*httpd.Route {
	csrfOff := false
	dep := func(rt *httpd.Route) *httpd.Route {
		rt.Deprecated, rt.Sunset, rt.Successor = legacyDeprecated, legacySunset, legacySuccessor
		// httpd's post-auth stage runs before the call's credentials
		// are known and would count every integration as "anonymous"
		// (a budget sized for login pages). The services apply the
		// caller's own limit once the credentials are checked
		// (Service.limit, with Deps.Limiter); httpd's per-address
		// pre-auth limit always applies.
		rt.RateLimit = ratelimit.NoPolicy
		if rt.Type == httpd.TypeHTTP {
			// httpd refuses a body that declares more than this with its
			// own 413 before the handler runs; a larger body sent without
			// a length (chunked) is cut by the decoder and answered with
			// a fault. The limit must stay bounded: httpd buffers form
			// and untyped bodies whole.
			rt.MaxBody = s.deps.XMLLimits.MaxBytes
		}
		return rt
	}
	return []*httpd.Route{
		dep(&httpd.Route{Name: "xmlrpc2", Path: "/xmlrpc/2/{service}", Type: httpd.TypeHTTP, Auth: httpd.AuthNone,
			Methods: []string{http.MethodPost}, CSRF: &csrfOff, Handler: s.handleXMLRPC(false), ErrorWriter: faultWriter(false)}),
		dep(&httpd.Route{Name: "xmlrpc", Path: "/xmlrpc/{service}", Type: httpd.TypeHTTP, Auth: httpd.AuthNone,
			Methods: []string{http.MethodPost}, CSRF: &csrfOff, Handler: s.handleXMLRPC(true), ErrorWriter: faultWriter(true)}),
		dep(&httpd.Route{Name: "jsonrpc", Path: "/jsonrpc", Type: httpd.TypeJSONRPC, Auth: httpd.AuthNone,
			Methods: []string{http.MethodPost}, Handler: s.handleJSONRPC}),
	}
}
