package access

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// Users resolves the user an explanation is about. *identity.Service
// implements it.
type Users interface {
	UserByLogin(ctx context.Context, login string) (*identity.User, error)
	Principal(ctx context.Context, uid int64) (*principal.Principal, error)
}

// ExplainRequest is the input of the explain endpoint and command.
type ExplainRequest struct {
	// User is the login to explain for.
	User  string `json:"user"`
	Model string `json:"model"`
	Op    string `json:"op"`
	// ID is a record to judge (0: none).
	ID int64 `json:"id,omitempty"`
	// AllowedCompanyIDs narrows the user's active companies, as the
	// context key does in a request (never widens: outside the user's
	// companies it is an AccessError).
	AllowedCompanyIDs []int64 `json:"allowed_company_ids,omitempty"`
	// Plan adds the database's own plan (EXPLAIN) of the rule-filtered
	// search_read the user's request would run: Domain, Order and Limit
	// shape it as the request would (defaults: every record, the model's
	// order, the server's maximum limit).
	Plan   bool   `json:"plan,omitempty"`
	Domain []any  `json:"domain,omitempty"`
	Order  string `json:"order,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// ExplainFor resolves req.User and explains on e's transaction. e is the
// requester's Env (an administrator's, or the CLI's); the explanation is
// computed as req.User, never as the requester.
func (p *Policy) ExplainFor(e *orm.Env, users Users, req ExplainRequest) (*Explanation, error) {
	if req.User == "" || req.Model == "" || req.Op == "" {
		return nil, errs.E(errs.ValidationError, "user, model and op are required")
	}
	u, err := users.UserByLogin(e.Ctx(), req.User)
	if err != nil {
		return nil, err
	}
	target, err := users.Principal(e.Ctx(), u.ID)
	if err != nil {
		return nil, err
	}
	te := e.WithUser(target)
	if len(req.AllowedCompanyIDs) > 0 {
		ids := make([]any, len(req.AllowedCompanyIDs))
		for i, c := range req.AllowedCompanyIDs {
			ids[i] = c
		}
		te = te.WithContext(map[string]any{"allowed_company_ids": ids})
		if te.Companies() == nil {
			return nil, errs.Ef(errs.AccessError, "Access to unauthorized or invalid companies.")
		}
	}
	x, err := p.Explain(te, req.Model, req.Op, req.ID)
	if err == nil && req.Plan {
		x.Plan, err = explainPlan(te, req)
	}
	return x, err
}

// AdminScope is the API-key scope of the admin endpoints (a key with
// "rpc" also passes). The caller must moreover be in base.group_system.
const AdminScope = "admin"

// RequireSystem refuses callers outside base.group_system (Settings).
func RequireSystem(p *principal.Principal) error {
	if p == nil || !p.IsSystem() {
		return errs.E(errs.AccessError, "This endpoint is reserved to administrators (Administration / Settings).")
	}
	return nil
}

// DecodeParams decodes a JSON-2 body (already parsed into a map) into dst
// strictly: unknown keys and wrong types are ValidationErrors.
func DecodeParams(params map[string]any, dst any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return errs.Wrap(errs.BadRequest, err, "invalid parameters")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return errs.Wrap(errs.ValidationError, err, "invalid parameters: "+safeJSONErr(err))
	}
	return nil
}

// safeJSONErr keeps encoding/json's field-level message, which names the
// offending key but no server internals.
func safeJSONErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "wrong type for " + te.Field
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}
