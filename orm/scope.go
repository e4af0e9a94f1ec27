package orm

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

// API-key scopes only ever narrow the user's rights. They are applied
// here, in the Env, to every model an operation touches on the caller's
// behalf — the model called, the comodels of x2many commands, the models
// a cascade deletes from, the comodels a domain or a display name
// reads — and not only to the model named in the request. Sudo Envs
// (server code, triggers) are not the caller's doing and skip them.

// scopeAllows reports whether the caller's key scopes allow op on model.
func (e *Env) scopeAllows(model string, op Op) bool {
	if e.su || e.user == nil || e.user.Scopes == nil {
		return true
	}
	return principal.ScopeAllows(e.user.Scopes, model, string(op))
}

// scopeError is the refusal of an operation outside the key's scopes, in
// the words odoorpc uses for the model named in the request.
func scopeError(model string, op Op) error {
	return errs.Ef(errs.AccessError, "This API key's scope does not allow the operation '%s' on '%s'.", op, model)
}

// checkScope refuses (audited) an operation outside the key's scopes.
func (e *Env) checkScope(method, model string, op Op) error {
	if !e.scopeAllows(model, op) {
		return e.denied(method, model, nil, scopeError(model, op))
	}
	return nil
}

// Refused records a refusal decided outside the ORM for this Env's
// caller (a private method, a key scope checked by the RPC layer) in the
// audit trail, and returns err.
func (e *Env) Refused(method, model string, err error) error {
	return e.denied(method, model, nil, err)
}

// checkModel is the model-level check of op on model done for the caller:
// the key's scopes, then the ACL. Every operation, x2many command, domain
// traversal and display name goes through it. The refusal is audited.
func (e *Env) checkModel(method, model string, op Op) error {
	if e.su {
		return nil
	}
	if err := e.checkScope(method, model, op); err != nil {
		return err
	}
	if err := e.reg.policy.CheckModel(e, model, op); err != nil {
		return e.denied(method, model, nil, err)
	}
	return nil
}
