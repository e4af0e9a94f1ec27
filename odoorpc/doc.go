// Package odoorpc serves Odoo's external APIs on top of rampart's models,
// wire-compatible with Odoo 19 so that existing Odoo clients work
// unchanged:
//
//   - JSON-2: POST /json/2/{model}/{method} (bearer API key), bare JSON
//     results and Odoo's JSON-2 error bodies and statuses;
//   - JSON-RPC: /jsonrpc with the services common, object and db;
//   - XML-RPC: /xmlrpc/2/{service} and the legacy /xmlrpc/{service}, with
//     rampart's own codec (package xmlrpc) and Odoo's fault codes;
//   - the web-client endpoints client libraries use: /web/session/*,
//     /web/dataset/call_kw, /web/webclient/version_info, /web/database/list,
//     /web/version, /json/version;
//   - /doc/index.json, /doc-bearer/index.json, /doc/<model>.json and
//     /doc-bearer/<model>.json as Odoo 19's api_doc answers them, for the
//     API-docs group only (api_doc.group_allow_doc, implied by Settings;
//     anyone else gets Odoo's AccessError). Service.Catalog, the models,
//     fields and methods a caller may use, also feeds package apidoc (the
//     /doc page and the OpenAPI document).
//
// The protocols are thin transports over one service layer (Service): the
// same method table, the same Python-style argument binding and the same
// access checks answer every protocol, so a refusal is the same refusal
// whichever way it is asked. Only the rendering of results and errors
// differs, and that is the transport's job (httpd for the JSON types, this
// package for XML-RPC faults). Routes(Deps) returns every route; Deps
// carries the dependencies (identity, the Env factory, the method
// registry), nothing is global.
//
// # Errors
//
// One error kind, one answer per protocol:
//
//	kind              JSON-2  JSON-RPC code  /xmlrpc/2 fault  /xmlrpc fault
//	AccessError       403     0              4                "warning -- AccessError\n\n<msg>"
//	AccessDenied      403     0              3                "AccessDenied"
//	UserError         422     0              2                "warning -- UserError\n\n<msg>"
//	ValidationError   422     0              2                "warning -- UserError\n\n<msg>"
//	MissingError      404     0              2                "warning -- MissingError\n\n<msg>"
//	NotFound          404     404            1                <msg>
//	TooManyRequests   429     0 (HTTP 429)   3                "AccessDenied"
//	anything else     its     0              1                <msg>
//
// Odoo puts a Python traceback in code-1 faults and in every "debug"
// member; rampart never does: the client gets a short message (internal
// errors only "internal error (request id …)") and the log has the cause.
//
// # Choices where Odoo leaves room
//
//   - Argument binding errors (a missing, unknown or duplicated argument,
//     a wrong type) are UserError: 422 in JSON-2 as in Odoo, fault 2 in
//     XML-RPC, with Python's TypeError wording ("search() missing 1
//     required positional argument: 'domain'"). Odoo lets wrong types
//     reach the ORM and fail there with a 500.
//   - An unknown method over RPC is NotFound ("The method 'm.n' does not
//     exist", JSON-RPC code 404, fault 1); Odoo raises AttributeError
//     (code 0, fault 1).
//   - A database other than the configured one is NotFound ("database "x"
//     does not exist") for JSON-2 (X-Odoo-Database) and the RPC services,
//     as Odoo finds no such database; /web/session/authenticate answers
//     Odoo's AccessError "Database not found.".
//   - XML-RPC cannot send None in Odoo (allow_none=False: a method that
//     returns None faults); rampart sends False, never <nil/>.
//   - The legacy endpoints carry Deprecation (2025-09-01, Odoo 19.0's
//     release month), Sunset (2028-10-01: the documentation's "Odoo 22,
//     fall 2028") and Link: </json/2>; rel="successor-version".
//   - API-key scopes narrow every method: built-ins by their operation
//     (read for search, read, fields_get, ...), app methods as writes
//     unless registered with Op "read".
//   - Read-only built-ins run on read-only transactions: JSON-2 gives them
//     routes of their own, the RPC services choose per call.
//   - /jsonrpc and /xmlrpc are auth=none: the credentials travel in each
//     call. httpd's per-address limit applies before the call; the
//     per-key or per-user limit (Deps.Limiter) is applied by the services
//     once the call's credentials are checked, so a busy integration is
//     limited as itself, not as "anonymous".
//   - An XML-RPC body over Deps.XMLLimits.MaxBytes (default 1 MiB) is a
//     fault when it streams in without a length; one that declares a
//     larger Content-Length is refused by httpd's 413 before anything is
//     read (httpd buffers untyped bodies, so the route limit stays
//     bounded).
//   - db.list answers only when Deps.ListDB is set (Odoo's list_db); the
//     database-management methods (create, drop, dump, ...) are always
//     AccessDenied: rampart has no master password.
//   - context_get and session_info report lang en_US and tz False: rampart
//     users have no language or time-zone preference yet.
package odoorpc
