package odoorpc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc/xmlrpc"
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

// xmlrpcCodec is XML-RPC's wire format for httpd: a methodCall in, a
// methodResponse out, and a fault for every error — also the refusals
// httpd makes before the handler runs (405, 413, 429, ...) — always
// 200 text/xml: XML-RPC clients understand nothing else. v1 is /xmlrpc
// (string fault codes), else /xmlrpc/2.
type xmlrpcCodec struct {
	v1     bool
	limits xmlrpc.Limits
}

// Decode reads the call into the /jsonrpc params shape {service, method,
// args}, the service taken from the path. httpd bounds the body with the
// route's limit; the decoder bounds depth, values and strings.
func (c xmlrpcCodec) Decode(r *httpd.Request, _ []byte) error {
	call, err := xmlrpc.DecodeCall(r.HTTP.Body, c.limits)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.Is(err, xmlrpc.ErrTooLarge) || errors.As(err, &mbe) {
			return errs.Wrap(errs.PayloadTooLarge, err, "invalid XML-RPC request: body exceeds the size limit")
		}
		var xe *xmlrpc.Error
		if errors.As(err, &xe) {
			return errs.Wrap(errs.BadRequest, err, xe.Error())
		}
		return errs.Wrap(errs.BadRequest, err, "invalid XML-RPC request")
	}
	args := make([]any, len(call.Params))
	for i, p := range call.Params {
		args[i] = normalize(p)
	}
	r.Params = map[string]any{"service": r.HTTP.PathValue("service"), "method": call.Method, "args": args}
	return nil
}

// WriteResult answers the methodResponse; a result that cannot be
// encoded is an internal fault.
func (c xmlrpcCodec) WriteResult(r *httpd.Request, res any) {
	if r.Streaming() {
		httpd.StreamResult(r, "text/xml; charset=utf-8", func(w io.Writer) error { return xmlrpc.EncodeResponse(w, res) })
		return
	}
	var buf bytes.Buffer
	if err := xmlrpc.EncodeResponse(&buf, res); err != nil {
		e := errs.Internalf("xmlrpc: encode %s result: %w", r.HTTP.PathValue("service"), err)
		r.Log.Error("request failed", "request_id", r.ID, "route", r.Route.Name, "err", e.Err)
		c.WriteError(r, e)
		return
	}
	writeXML(r.W, buf.Bytes())
}

// WritesSeq: records read while they are written (httpd.SeqWriter).
func (xmlrpcCodec) WritesSeq() {}

// WriteError answers 200 text/xml with the fault for e.
func (c xmlrpcCodec) WriteError(r *httpd.Request, e *errs.Error) {
	var buf bytes.Buffer
	if err := xmlrpc.EncodeFault(&buf, faultFor(e, c.v1, r.ID)); err != nil {
		// A fault of our own making always encodes; say so plainly if not.
		http.Error(r.W, httpd.InternalMessage(r), http.StatusInternalServerError)
		return
	}
	writeXML(r.W, buf.Bytes())
}

func writeXML(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
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

func (s *Service) legacyRoutes() []*httpd.Route {
	csrfOff := false
	l := s.deps.XMLLimits
	limits := xmlrpc.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth, MaxValues: l.MaxValues, MaxString: l.MaxString}
	// The credentials travel in each call (auth call): prepareRPC hands
	// them to httpd's authentication and picks the caller's rate limit
	// and the read-only transaction; httpd runs every stage once.
	rpc := func(rt *httpd.Route) *httpd.Route {
		rt.Auth, rt.Methods, rt.Prepare, rt.Handler = httpd.AuthCall, []string{http.MethodPost}, s.prepareRPC, s.handleRPC
		rt.Deprecated, rt.Sunset, rt.Successor = legacyDeprecated, legacySunset, legacySuccessor
		return rt
	}
	xml := func(name, path string, v1 bool) *httpd.Route {
		// httpd refuses a body that declares more than MaxBytes with its
		// own 413 before decoding; a larger body sent without a length
		// (chunked) is cut by the decoder. Both become faults.
		return rpc(&httpd.Route{Name: name, Path: path, Type: httpd.TypeHTTP, CSRF: &csrfOff,
			MaxBody: l.MaxBytes, Codec: xmlrpcCodec{v1: v1, limits: limits}})
	}
	return []*httpd.Route{
		xml("xmlrpc2", "/xmlrpc/2/{service}", false),
		xml("xmlrpc", "/xmlrpc/{service}", true),
		rpc(&httpd.Route{Name: "jsonrpc", Path: "/jsonrpc", Type: httpd.TypeJSONRPC, MaxBody: s.deps.PreAuthMaxBody}),
	}
}
