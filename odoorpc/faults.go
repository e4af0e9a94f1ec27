package odoorpc

import (
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/odoorpc/xmlrpc"
)

// Odoo's /xmlrpc/2 fault codes (odoo/addons/rpc/controllers/xmlrpc.py).
const (
	FaultApplicationError = 1 // anything else
	FaultWarning          = 2 // UserError and its subclasses, RedirectWarning
	FaultAccessDenied     = 3
	FaultAccessError      = 4
)

// faultCode maps an error kind to the /xmlrpc/2 code, in Odoo's order
// (AccessError is tested before AccessDenied there; both are distinct
// kinds here).
func faultCode(e *errs.Error) int {
	if strings.HasPrefix(e.Name, "builtins.") {
		// A Python builtin exception (AttributeError, TypeError) is
		// none of Odoo's classes: the generic fault.
		return FaultApplicationError
	}
	switch e.Kind {
	case errs.AccessError:
		return FaultAccessError
	case errs.AccessDenied, errs.SessionExpired, errs.Unauthorized, errs.TooManyRequests:
		// Odoo's login cooldown is an AccessDenied; rampart's throttle
		// is TooManyRequests, and XML-RPC clients see it as Odoo's.
		return FaultAccessDenied
	case errs.UserError, errs.ValidationError, errs.MissingError, errs.Conflict:
		return FaultWarning
	}
	return FaultApplicationError
}

// faultFor renders err as a fault. v2 faults carry an int code and the
// message; v1 (/xmlrpc) carries Odoo's string codes. Where Odoo puts a
// traceback (code 1), rampart puts the short message only; internal
// errors show just their request id.
func faultFor(err error, v1 bool, requestID string) *xmlrpc.Fault {
	e := errs.As(err)
	msg := e.Message()
	if strings.HasPrefix(e.Name, "builtins.") {
		// Odoo's fault string is the traceback, whose last line is
		// "<Class>: <message>"; rampart sends that line only.
		last := strings.TrimPrefix(e.Name, "builtins.") + ": " + msg
		if v1 {
			// /xmlrpc: the code is the exception's text, the string its
			// traceback.
			return &xmlrpc.Fault{Code: msg, String: last}
		}
		msg = last
	}
	if e.Kind == errs.Internal {
		msg = "internal error (request id " + requestID + ")"
	}
	if !v1 {
		return &xmlrpc.Fault{Code: faultCode(e), String: msg}
	}
	switch e.Kind {
	case errs.MissingError:
		return &xmlrpc.Fault{Code: "warning -- MissingError\n\n" + msg, String: ""}
	case errs.AccessError:
		return &xmlrpc.Fault{Code: "warning -- AccessError\n\n" + msg, String: ""}
	case errs.AccessDenied, errs.SessionExpired, errs.Unauthorized, errs.TooManyRequests:
		return &xmlrpc.Fault{Code: "AccessDenied", String: msg}
	case errs.UserError, errs.ValidationError, errs.Conflict:
		return &xmlrpc.Fault{Code: "warning -- UserError\n\n" + msg, String: ""}
	}
	return &xmlrpc.Fault{Code: msg, String: msg}
}
