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
//   - /doc/index.json and /doc-bearer/index.json: what the caller may use.
//
// The protocols are thin transports over one service layer (Service): the
// same method table, the same Python-style argument binding and the same
// access checks answer every protocol, so a refusal is the same refusal
// whichever way it is asked. Only the rendering of results and errors
// differs, and that is the transport's job (httpd for JSON types, this
// package for XML-RPC faults).
//
// Where Odoo leaks internals, rampart does not: faults and error bodies
// carry a short message, never a traceback; the detail goes to the log.
package odoorpc
