// Package apidoc describes rampart's API from its one source of truth, the
// route table and the model registry with its policy: an OpenAPI 3.1
// document (`rampart openapi`, GET /doc/openapi.json) and Odoo 19's /doc
// page. Served over HTTP both show only what the caller may do: the
// models it may read and the methods its ACLs and API-key scopes allow.
//
// The document is plain maps encoded by encoding/json, which sorts object
// keys: the same routes and models always give the same bytes (the golden
// test relies on it).
package apidoc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc"
)

// Input is what a document is built from.
type Input struct {
	// Version is the info.version (rampart's module version).
	Version string
	// DB is the database name served (X-Odoo-Database).
	DB string
	// Routes is the route table (httpd.Server.Routes).
	Routes []*httpd.Route
	// Models is the caller's catalog (odoorpc.Service.Catalog).
	Models []odoorpc.ModelDoc
	// Caller is the login the document is for; "" for the whole API.
	Caller string
}

// obj is a JSON object of the document.
type obj = map[string]any

// Build returns the OpenAPI 3.1 document.
func Build(in Input) obj {
	b := &builder{in: in, paths: obj{}, schemas: baseSchemas(), opIDs: map[string]bool{}, tagDesc: map[string]string{}}
	for _, r := range in.Routes {
		if modelRoute(r) {
			continue // described per model and method below
		}
		b.route(r)
	}
	for _, m := range in.Models {
		b.model(m)
	}
	desc := "rampart's HTTP API: Odoo 19's JSON-2, JSON-RPC and XML-RPC endpoints, the web-client endpoints and rampart's own routes."
	if in.Caller != "" {
		desc += " This document is the view of the user " + strconv.Quote(in.Caller) + ": only the models they may read and the methods their access rights allow."
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title": "rampart", "version": in.Version, "description": desc,
			"license": obj{"name": "Proprietary", "identifier": "LicenseRef-rampart"},
		},
		"servers": []any{obj{"url": "/", "description": "this server"}},
		"paths":   b.paths,
		"components": obj{
			"schemas":         b.schemas,
			"securitySchemes": securitySchemes(),
			"headers":         rateHeaders(),
			"responses":       sharedResponses(),
			"parameters": obj{"X-Odoo-Database": obj{"name": "X-Odoo-Database", "in": "header", "required": false,
				"description": "The database; another one than the served database is 404.", "schema": obj{"type": "string", "enum": []any{in.DB}}}},
		},
		"tags": b.tags(),
	}
}

// Marshal encodes the document deterministically, indented, with a final
// newline.
func Marshal(doc obj) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

type builder struct {
	in      Input
	paths   obj
	schemas obj
	opIDs   map[string]bool
	tagSet  []string
	tagDesc map[string]string
}

func (b *builder) tags() []any {
	slices.Sort(b.tagSet)
	out := []any{}
	for _, t := range slices.Compact(b.tagSet) {
		d := b.tagDesc[t]
		if d == "" {
			d = "Routes under /" + t + "."
		}
		out = append(out, obj{"name": t, "description": d})
	}
	return out
}

// modelRoute reports the JSON-2 dispatch routes, which the document
// replaces by one path per model and method.
func modelRoute(r *httpd.Route) bool {
	return strings.HasPrefix(r.FullPath(), "/json/2/{model}/")
}

// pathParam matches a ServeMux wildcard: {name} or {name...}.
var pathParam = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

func (b *builder) opID(base string) string {
	id := base
	for i := 2; b.opIDs[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	b.opIDs[id] = true
	return id
}

// route adds one route of the table: each of its methods an operation.
func (b *builder) route(r *httpd.Route) {
	full := r.FullPath()
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(full, -1) {
		d := "path segment"
		if m[2] != "" {
			d = "the rest of the path (one or more segments)"
		}
		params = append(params, obj{"name": m[1], "in": "path", "required": true, "description": d, "schema": obj{"type": "string"}})
	}
	// ServeMux's {$} anchors a path at its trailing slash: OpenAPI paths
	// are exact already, so the anchor is dropped.
	path := pathParam.ReplaceAllString(strings.ReplaceAll(full, "{$}", ""), "{$1}")
	item, _ := b.paths[path].(obj)
	if item == nil {
		item = obj{}
		b.paths[path] = item
	}
	tag := tagOf(full)
	b.tagSet = append(b.tagSet, tag)
	for _, method := range r.Methods {
		lm := strings.ToLower(method)
		op := obj{
			"operationId": b.opID(r.Name + "." + lm),
			"summary":     fmt.Sprintf("%s (%s, auth %s)", r.Name, r.Type, r.Auth),
			"tags":        []any{tag},
			"security":    security(r, method),
			"responses":   b.responses(r, method),
			"x-rampart": obj{
				"type": string(r.Type), "auth": string(r.Auth), "csrf": r.CSRFEnabled() && unsafe(method),
				"read_only": r.ReadOnly, "rate_limit": rateLimitName(r),
			},
		}
		ps := slices.Clone(params)
		if r.Params != nil && (method == http.MethodGet || method == http.MethodHead) && r.Type == httpd.TypeHTTP {
			for _, f := range paramFields(r.Params) {
				ps = append(ps, obj{"name": f.name, "in": "query", "required": f.required, "schema": f.schema})
			}
		} else if body := requestBody(r, method); body != nil {
			op["requestBody"] = body
		}
		if len(ps) > 0 {
			op["parameters"] = ps
		}
		if deprecated(r) {
			op["deprecated"] = true
			op["description"] = deprecationText(r)
			// The dates for machines (gateways, linters): the Sunset
			// header's date and the deprecation's.
			if !r.Sunset.IsZero() {
				op["x-sunset"] = day(r.Sunset)
			}
			if !r.Deprecated.IsZero() {
				op["x-deprecated-since"] = day(r.Deprecated)
			}
		}
		item[lm] = op
	}
}

func tagOf(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if seg[0] == "api" && len(seg) > 2 {
		return seg[2]
	}
	if seg[0] == "" {
		return "root"
	}
	return seg[0]
}

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func rateLimitName(r *httpd.Route) string {
	if r.RateLimit == "" {
		return "default"
	}
	return string(r.RateLimit)
}

func deprecated(r *httpd.Route) bool { return !r.Deprecated.IsZero() || !r.Sunset.IsZero() }

func deprecationText(r *httpd.Route) string {
	var parts []string
	if !r.Deprecated.IsZero() {
		parts = append(parts, "Deprecated since "+day(r.Deprecated)+" (Deprecation header).")
	}
	if !r.Sunset.IsZero() {
		parts = append(parts, "Removed after "+day(r.Sunset)+" (Sunset header).")
	}
	if r.Successor != "" {
		parts = append(parts, "Successor: "+r.Successor+" (Link header, rel=successor-version).")
	}
	return strings.Join(parts, " ")
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// security is the route's security requirement: alternatives, any one of
// which suffices. Bearer requirements list the key scopes that pass.
func security(r *httpd.Route, method string) []any {
	switch r.Auth {
	case httpd.AuthNone, httpd.AuthCall:
		return []any{}
	case httpd.AuthPublic:
		return []any{obj{}, sessionReq(r, method)}
	case httpd.AuthBearer:
		scopes := []any{}
		if r.Scope != "" {
			scopes = append(scopes, r.Scope)
		}
		return []any{obj{"apiKey": scopes}}
	default:
		return []any{sessionReq(r, method)}
	}
}

func sessionReq(r *httpd.Route, method string) obj {
	if r.CSRFEnabled() && unsafe(method) {
		return obj{"session": []any{}, "csrfToken": []any{}}
	}
	return obj{"session": []any{}}
}

func securitySchemes() obj {
	return obj{
		"apiKey": obj{"type": "http", "scheme": "bearer",
			"description": "An API key (rampart keys create, or res.users.apikeys.generate) as `Authorization: Bearer <key>`. " +
				"The requirement lists the scopes that pass: `rpc` (Odoo's global key) allows everything the user may do, " +
				"`read` every read, `model:M` every operation on M, `model:M:op` that one. A bad, expired or revoked key is 401 with `WWW-Authenticate: Bearer`."},
		"session": obj{"type": "apiKey", "in": "cookie", "name": "session_id",
			"description": "The session cookie set by POST /web/session/authenticate or the login page."},
		"csrfToken": obj{"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
			"description": "Unsafe methods of cookie-authenticated http routes need the session's CSRF token, in this header or the csrf_token form field."},
	}
}

// rateHeaders are the rate-limit headers (draft-ietf-httpapi-ratelimit-headers).
func rateHeaders() obj {
	str := obj{"type": "string"}
	return obj{
		"RateLimit":        obj{"description": `The caller's state per applied policy: "name";r=<remaining>;t=<seconds until idle>.`, "schema": str},
		"RateLimit-Policy": obj{"description": `The applied policies: "name";q=<requests>;w=<window seconds>.`, "schema": str},
		"Retry-After":      obj{"description": "Seconds to wait before retrying.", "schema": obj{"type": "string", "pattern": "^[0-9]+$"}},
		"Deprecation":      obj{"description": "When the route was deprecated (RFC 9745: @<unix seconds>).", "schema": str},
		"Sunset":           obj{"description": "When the route goes away (RFC 8594, an HTTP date).", "schema": str},
		"Link":             obj{"description": `The successor: <path>; rel="successor-version".`, "schema": str},
	}
}

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

// limitHeaders are the headers of an answer that went through the rate
// limiter; retry adds Retry-After (429, 503).
func limitHeaders(retry bool, r *httpd.Route) obj {
	h := obj{"RateLimit": ref("headers", "RateLimit"), "RateLimit-Policy": ref("headers", "RateLimit-Policy")}
	if retry {
		h["Retry-After"] = ref("headers", "Retry-After")
	}
	if r != nil && deprecated(r) {
		if !r.Deprecated.IsZero() {
			h["Deprecation"] = ref("headers", "Deprecation")
		}
		if !r.Sunset.IsZero() {
			h["Sunset"] = ref("headers", "Sunset")
		}
		if r.Successor != "" {
			h["Link"] = ref("headers", "Link")
		}
	}
	return h
}

// errorStatuses are the statuses any route may answer with an error,
// whatever its handler does: the pipeline's own refusals.
func errorStatuses(r *httpd.Route, method string) []int {
	s := []int{400, 404, 405, 413, 429, 500, 503}
	switch r.Auth {
	case httpd.AuthUser, httpd.AuthBearer, httpd.AuthPublic:
		s = append(s, 401, 403)
	case httpd.AuthCall:
		s = append(s, 403)
	}
	if r.CSRFEnabled() && unsafe(method) {
		s = append(s, 403)
	}
	if r.Type != httpd.TypeHTTP || r.Params != nil {
		s = append(s, 415)
	}
	// Any handler may refuse its input (an http form's bad value too).
	s = append(s, 422)
	if r.Type == httpd.TypeJSON2 {
		s = append(s, 403, 409, 422) // the handler's Odoo exceptions
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func (b *builder) responses(r *httpd.Route, method string) obj {
	out := obj{}
	switch {
	case r.Codec != nil: // XML-RPC: a methodResponse, faults included, always 200
		out["200"] = obj{"description": "An XML-RPC methodResponse: the result or a fault (Odoo's fault codes).",
			"headers": limitHeaders(false, r), "content": obj{"text/xml": obj{"schema": obj{"type": "string"}}}}
		for _, s := range []int{400, 405, 413, 429, 503} {
			out[strconv.Itoa(s)] = obj{"description": http.StatusText(s) + " (an XML-RPC fault body)",
				"headers": limitHeaders(s == 429 || s == 503, r), "content": obj{"text/xml": obj{"schema": obj{"type": "string"}}}}
		}
		return out
	case r.Type == httpd.TypeJSONRPC:
		out["200"] = obj{"description": "A JSON-RPC 2.0 answer: result, or error with Odoo's serialized exception in error.data.",
			"headers": limitHeaders(false, r), "content": obj{"application/json": obj{"schema": ref("schemas", "JsonRpcResponse")}}}
		// Application errors are HTTP 200 with the envelope, as Odoo;
		// refusals before the call keep their status (httpd's jsonrpc
		// codec), 401 for an expired session or a bad key among them.
		for _, s := range []int{400, 401, 405, 413, 415, 429, 503} {
			out[strconv.Itoa(s)] = obj{"description": http.StatusText(s),
				"headers": limitHeaders(s == 429 || s == 503, r), "content": obj{"application/json": obj{"schema": ref("schemas", "JsonRpcResponse")}}}
		}
		return out
	case r.Type == httpd.TypeJSON2:
		out["200"] = obj{"description": "The result, bare.", "headers": limitHeaders(false, r),
			"content": obj{"application/json": obj{"schema": obj{}}}}
		if strings.HasPrefix(r.Path, "/doc") {
			out["304"] = obj{"description": "Not modified."}
		}
		for _, s := range errorStatuses(r, method) {
			out[strconv.Itoa(s)] = errorResponse(s, r)
		}
		return out
	}
	// http: pages, redirects or JSON the handler chose.
	content := obj{"text/html": obj{"schema": obj{"type": "string"}}, "application/json": obj{"schema": obj{}}}
	out["200"] = obj{"description": "The page (or the JSON the handler returns).", "headers": limitHeaders(false, r), "content": content}
	out["303"] = obj{"description": "A redirect (a login, or to the login page when the session expired).",
		"headers": obj{"Location": obj{"schema": obj{"type": "string"}}}}
	if method == http.MethodHead {
		out["200"] = obj{"description": "The page's headers.", "headers": limitHeaders(false, r)}
	}
	for _, s := range errorStatuses(r, method) {
		out[strconv.Itoa(s)] = obj{"description": http.StatusText(s) + " (an HTML error page)",
			"headers": limitHeaders(s == 429 || s == 503, r), "content": obj{"text/html": obj{"schema": obj{"type": "string"}}}}
	}
	return out
}

// errorStatusesAll are the statuses of the shared error responses.
var errorStatusesAll = []int{400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503}

// errorResponse is a JSON-2 error answer: the shared component, unless
// the route adds deprecation headers of its own.
func errorResponse(status int, r *httpd.Route) obj {
	if r == nil || !deprecated(r) {
		return ref("responses", "Error"+strconv.Itoa(status))
	}
	return errorResponseBody(status, r)
}

func errorResponseBody(status int, r *httpd.Route) obj {
	h := limitHeaders(status == 429 || status == 503, r)
	if status == 401 {
		h["WWW-Authenticate"] = obj{"schema": obj{"type": "string"}}
	}
	if status == 405 {
		h["Allow"] = obj{"schema": obj{"type": "string"}}
	}
	return obj{"description": http.StatusText(status) + ": Odoo's JSON-2 error body.", "headers": h,
		"content": obj{"application/json": obj{"schema": ref("schemas", "Error")}}}
}

func requestBody(r *httpd.Route, method string) obj {
	if !unsafe(method) && r.Type == httpd.TypeHTTP {
		return nil
	}
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete {
		return nil
	}
	var params obj
	if r.Params != nil {
		params = structSchema(r.Params)
	} else {
		params = obj{"type": "object"}
	}
	switch {
	case r.Codec != nil:
		return obj{"required": true, "content": obj{"text/xml": obj{"schema": obj{"type": "string",
			"description": "An XML-RPC methodCall."}}}}
	case r.Type == httpd.TypeJSONRPC:
		env := obj{"allOf": []any{ref("schemas", "JsonRpcRequest"), obj{"properties": obj{"params": params}}}}
		return obj{"required": true, "content": obj{"application/json": obj{"schema": env}}}
	case r.Type == httpd.TypeJSON2:
		return obj{"required": false, "content": obj{"application/json": obj{"schema": params}}}
	}
	return obj{"content": obj{
		"application/x-www-form-urlencoded": obj{"schema": params},
		"multipart/form-data":               obj{"schema": params},
	}}
}

// paramField is one field of a Route.Params struct.
type paramField struct {
	name     string
	required bool
	schema   obj
}

// structSchema is the JSON Schema of a Route.Params struct.
func structSchema(v any) obj {
	props, req := obj{}, []any{}
	for _, f := range paramFields(v) {
		props[f.name] = f.schema
		if f.required {
			req = append(req, f.name)
		}
	}
	s := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(req) > 0 {
		s["required"] = req
	}
	return s
}

// paramFields describes a Params struct from httpd's own compiled spec
// (json names, validate rules), sorted by name. A struct httpd refuses
// never reaches a registered route, so it has no fields here.
func paramFields(v any) []paramField {
	docs, err := httpd.DescribeParams(v)
	if err != nil {
		return nil
	}
	out := make([]paramField, 0, len(docs))
	for _, d := range docs {
		s := goSchema(d.Type)
		if d.Min != nil {
			s["minimum"] = *d.Min
		}
		if d.Max != nil {
			s["maximum"] = *d.Max
		}
		lenKey := func(prefix string) string {
			if s["type"] == "array" {
				return prefix + "Items"
			}
			return prefix + "Length"
		}
		if d.MinLen != nil {
			s[lenKey("min")] = *d.MinLen
		}
		if d.MaxLen != nil {
			s[lenKey("max")] = *d.MaxLen
		}
		if d.OneOf != nil {
			var enum []any
			for _, x := range d.OneOf {
				if s["type"] == "integer" {
					i, _ := strconv.Atoi(x)
					enum = append(enum, i)
				} else {
					enum = append(enum, x)
				}
			}
			s["enum"] = enum
		}
		if d.Email {
			s["format"] = "email"
		}
		out = append(out, paramField{name: d.Name, required: d.Required, schema: s})
	}
	slices.SortFunc(out, func(a, b paramField) int { return strings.Compare(a.name, b.name) })
	return out
}

// goSchema maps a Go type to JSON Schema.
func goSchema(t reflect.Type) obj {
	switch t.Kind() {
	case reflect.Pointer:
		s := goSchema(t.Elem())
		return obj{"anyOf": []any{s, obj{"type": "null"}}}
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": goSchema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object"}
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return obj{"type": "string", "format": "date-time"}
		}
		return structSchema(reflect.New(t).Interface())
	}
	return obj{}
}

func sharedResponses() obj {
	out := obj{}
	for _, s := range errorStatusesAll {
		out["Error"+strconv.Itoa(s)] = errorResponseBody(s, nil)
	}
	return out
}

// baseSchemas are the shared schemas: Odoo's error bodies and the
// JSON-RPC envelope.
func baseSchemas() obj {
	return obj{
		"Error": obj{
			"description": "Odoo's serialized exception (JSON-2 error body, and JSON-RPC error.data). debug is empty outside dev mode.",
			"type":        "object",
			"required":    []any{"name", "message", "arguments", "context", "debug"},
			"properties": obj{
				"name":      obj{"type": "string", "examples": []any{"odoo.exceptions.AccessError"}},
				"message":   obj{"type": "string"},
				"arguments": obj{"type": "array"},
				"context":   obj{"type": "object"},
				"debug":     obj{"type": "string"},
				"fields": obj{"type": "array", "description": "The fields a validation error is about.", "items": obj{
					"type": "object", "properties": obj{"field": obj{"type": "string"}, "message": obj{"type": "string"}}}},
			},
		},
		"JsonRpcRequest": obj{
			"type": "object",
			"properties": obj{
				"jsonrpc": obj{"const": "2.0"},
				"method":  obj{"type": "string", "examples": []any{"call"}},
				"id":      obj{"type": []any{"string", "number", "null"}},
				"params":  obj{"type": "object"},
			},
		},
		"JsonRpcResponse": obj{
			"type":     "object",
			"required": []any{"jsonrpc"},
			"properties": obj{
				"jsonrpc": obj{"const": "2.0"},
				"id":      obj{"type": []any{"string", "number", "null"}},
				"result":  obj{},
				"error": obj{"type": "object", "required": []any{"code", "message", "data"}, "properties": obj{
					"code":    obj{"type": "integer", "description": "0 (an Odoo exception), 100 (session expired), 200 or 404 (not found)."},
					"message": obj{"type": "string"},
					"data":    ref("schemas", "Error"),
				}},
			},
		},
		"Domain": obj{
			"description": "An Odoo domain in its JSON form: conditions [field, operator, value] and the prefix operators '&', '|', '!'.",
			"type":        "array",
			"examples":    []any{[]any{}, []any{[]any{"id", "=", 1}}, []any{"|", []any{"id", "=", 1}, []any{"id", ">", 2}}},
			"items": obj{"anyOf": []any{
				obj{"enum": []any{"&", "|", "!"}},
				obj{"type": "array", "minItems": 3, "maxItems": 3, "prefixItems": []any{obj{"type": "string"}, obj{"type": "string"}, obj{}}},
			}},
		},
		"Context": obj{"description": "Odoo's context (lang, tz, allowed_company_ids, active_test, default_<field>, ...).", "type": "object"},
	}
}
