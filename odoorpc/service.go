package odoorpc

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// Odoo's version, as its clients read it.
const (
	ServerVersion   = "19.0"
	ServerSerie     = "19.0"
	ProtocolVersion = 1
)

// ServerVersionInfo is Odoo's version_info tuple.
func ServerVersionInfo() []any { return []any{19, 0, 0, "final", 0, ""} }

// Service is the transport-independent service layer: the common, object
// and db services and the method dispatch behind every protocol.
type Service struct {
	deps Deps
}

// NewService checks deps and fills defaults.
func NewService(d Deps) (*Service, error) {
	if d.Identity == nil {
		return nil, errors.New("odoorpc: Deps.Identity is required")
	}
	d.defaults()
	return &Service{deps: d}, nil
}

// Methods is the registry apps add public methods to.
func (s *Service) Methods() *Methods { return s.deps.Methods }

// invocation is one method call before binding.
type invocation struct {
	r      *httpd.Request
	p      *principal.Principal
	data   Data
	model  string
	method string
	// JSON-2 passes ids explicitly and named arguments only.
	ids []int64
	// RPC passes positional args (ids first for record methods) and kwargs.
	args   []any
	kwargs map[string]any
	rpc    bool
}

// refused puts a refusal of the call in the audit trail, through the
// request's Env when there is one.
func (in invocation) refused(err error) error {
	if d, ok := in.data.(ormData); ok && d.env != nil {
		return d.env.Refused(clipName(in.method), clipName(in.model), err)
	}
	return err
}

// errUnknownModel marks an unknown model so each protocol can word it as
// Odoo does.
type errUnknownModel struct{ model string }

func (e errUnknownModel) Error() string { return "unknown model " + e.model }

// invoke runs one public method with Odoo's checks, in Odoo's order:
// the model exists, the method is public and exists, ids only for record
// methods, the arguments bind to the signature.
func (s *Service) invoke(in invocation) (any, error) {
	qual := clipName(in.model) + "." + clipName(in.method)
	known := s.deps.Methods.hasModel(in.model)
	if !known {
		if _, err := in.data.Model(in.model); err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errUnknownModel{in.model}
			}
			return nil, err
		}
	}
	if strings.HasPrefix(in.method, "_") || isUnsafeName(in.method) {
		return nil, in.refused(errs.Ef(errs.AccessError, "Private methods (such as '%s') cannot be called remotely.", qual))
	}
	m := s.deps.Methods.lookup(in.model, in.method)
	if m == nil {
		return nil, unknownMethod(qual, in.rpc)
	}
	if !s.scopeAllows(in.p, in.model, m.op()) {
		return nil, in.refused(errs.Ef(errs.AccessError, "This API key's scope does not allow the operation '%s' on '%s'.", m.op(), clipName(in.model)))
	}
	cctx, kwargs, err := splitContext(qual, in.kwargs)
	if err != nil {
		return nil, err
	}
	args, ids := in.args, in.ids
	if in.rpc && !m.ModelLevel {
		// execute_kw and call_kw: a record method's ids are args[0].
		if len(args) == 0 {
			return nil, pyTypeError(typeError("%s() missing 1 required positional argument: 'ids'", qual))
		}
		if ids, err = argIDs(qual, args[0]); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	if m.ModelLevel && len(ids) > 0 {
		return nil, unprocessable(errs.Ef(errs.UserError, "cannot call %s with ids", qual))
	}
	bound, err := bindCall(qual, m, args, kwargs, in.rpc)
	if err != nil {
		return nil, err
	}
	data := in.data
	if cctx != nil {
		data = data.WithContext(cctx)
	}
	if !m.ModelLevel && ids == nil {
		ids = []int64{}
	}
	c := &Call{
		Ctx: in.r.HTTP.Context(), Principal: in.p, Client: in.r.Client, Data: data,
		Model: in.model, Method: in.method, IDs: ids, Args: bound, Context: cctx,
		RPC: in.rpc, svc: s,
	}
	return m.Fn(c)
}

// splitContext takes Odoo's context out of the keyword arguments: it is
// applied to the environment, never bound to a parameter.
func splitContext(qual string, kwargs map[string]any) (map[string]any, map[string]any, error) {
	v, ok := kwargs["context"]
	if !ok {
		return nil, kwargs, nil
	}
	cctx, isMap := v.(map[string]any)
	if v != nil && !isMap {
		return nil, nil, typeError("%s(): context must be a dictionary", qual)
	}
	rest := make(map[string]any, len(kwargs))
	for k, v := range kwargs {
		if k != "context" {
			rest[k] = v
		}
	}
	return cctx, rest, nil
}

// hasModel reports whether some public method exists for model outside
// the ORM (res.users.apikeys lives in package identity).
func (ms *Methods) hasModel(model string) bool {
	if len(ms.perModelBuiltins[model]) > 0 {
		return true
	}
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	return len(ms.perModel[model]) > 0
}

// requestData is the Data of the Env httpd opened for the request.
func (s *Service) requestData(r *httpd.Request) Data { return s.deps.Data(r.Env) }

// checkDB refuses a database other than the one served. Odoo answers a
// database hidden by its dbfilter as if it did not exist.
func (s *Service) checkDB(v any) error {
	db, ok := v.(string)
	if !ok {
		return typeError("db must be a string")
	}
	if db != s.deps.DB {
		return errs.Ef(errs.NotFound, "database %q does not exist", clipName(db))
	}
	return nil
}

func ctxOf(r *httpd.Request) context.Context { return r.HTTP.Context() }

func clientOf(r *httpd.Request) netip.Addr { return r.Client }

// scopeAllows applies the caller's API-key scopes, which only ever narrow
// what the user's rights allow.
func (s *Service) scopeAllows(p *principal.Principal, model, op string) bool {
	if p == nil || p.Scopes == nil {
		return true
	}
	if s.deps.ScopeAllows != nil {
		return s.deps.ScopeAllows(p.Scopes, model, op)
	}
	for _, sc := range p.Scopes {
		if sc == "rpc" {
			return true
		}
	}
	return false
}
