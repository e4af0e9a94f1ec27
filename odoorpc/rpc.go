package odoorpc

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/ratepolicy"
)

// rpcCall is one legacy RPC call: /jsonrpc params {service, method,
// args}, or an XML-RPC call to /xmlrpc[/2]/{service}, which the xmlrpc
// codec decodes into the same params. For object calls prepareRPC also
// takes out the model method.
type rpcCall struct {
	service, method string
	args            []any
	model, name     string
}

// prepareRPC is the legacy routes' Prepare hook (Odoo's dispatch_rpc up
// to the credential check): it checks the call's shape and, for the
// object service, hands the credentials it carries to httpd's
// authentication and decides the request's facts — a read gets a
// read-only transaction, and the caller's own rate limit applies (per
// key, else per user). Calls without credentials (version, login, db)
// skip the post-auth limit: httpd's per-address pre-auth limit applies.
func (s *Service) prepareRPC(r *httpd.Request) error {
	c, err := rpcCallOf(r.Params)
	if err != nil {
		return err
	}
	r.Input = c
	r.RateLimit = ratepolicy.None
	if c.service == "common" && (c.method == "login" || c.method == "authenticate") {
		// They take a password: the per-address login budget applies, as
		// on /web/session/authenticate. execute_kw's password is charged
		// to it by identity when it is actually checked (not cached).
		r.RateLimit = ratepolicy.LoginIP
	}
	if c.service != "object" {
		return nil
	}
	cred, err := s.objectCredentials(c)
	if err != nil {
		return err
	}
	r.Credentials = cred
	r.RateLimit = ratepolicy.Default // the caller's own: per key, else per user
	r.ReadOnly = r.Route.ReadOnly || s.deps.Methods.readOnly(c.model, c.name)
	return nil
}

// rpcCallOf reads params {service, method, args}.
func rpcCallOf(params map[string]any) (*rpcCall, error) {
	for k := range params {
		switch k {
		case "service", "method", "args":
		default:
			return nil, typeError("jsonrpc() got an unexpected keyword argument '%s'", clipName(k))
		}
	}
	service, ok1 := params["service"].(string)
	method, ok2 := params["method"].(string)
	if !ok1 || !ok2 {
		return nil, typeError("jsonrpc() needs the string parameters 'service' and 'method'")
	}
	c := &rpcCall{service: service, method: method}
	switch a := params["args"].(type) {
	case nil:
	case []any:
		c.args = a
	default:
		return nil, errs.E(errs.UserError, "jsonrpc(): args must be a list")
	}
	return c, nil
}

// handleRPC is Odoo's dispatch_rpc: the legacy services shared by
// /jsonrpc and /xmlrpc, after httpd checked the call's credentials.
func (s *Service) handleRPC(r *httpd.Request) (any, error) {
	c, _ := r.Input.(*rpcCall)
	if c == nil {
		return nil, errs.Internalf("odoorpc: RPC route without its Prepare hook")
	}
	switch c.service {
	case "common":
		return s.common(r, c.method, c.args)
	case "object":
		return s.object(r, c)
	case "db":
		return s.db(r, c.method, c.args)
	}
	return nil, errs.Ef(errs.NotFound, "Service %s not found", clipName(c.service))
}

// versionInfo is common.version().
func versionInfo() map[string]any {
	return map[string]any{
		"server_version":      ServerVersion,
		"server_version_info": ServerVersionInfo(),
		"server_serie":        ServerSerie,
		"protocol_version":    ProtocolVersion,
	}
}

// arity checks a service method's positional arguments the way Python
// reports them.
func arity(name string, args []any, lo, hi int) error {
	if len(args) >= lo && len(args) <= hi {
		return nil
	}
	if len(args) < lo {
		return typeError("%s() missing %d required positional argument(s)", name, lo-len(args))
	}
	if lo == hi {
		return typeError("%s() takes %d positional arguments but %d were given", name, hi, len(args))
	}
	return typeError("%s() takes from %d to %d positional arguments but %d were given", name, lo, hi, len(args))
}

func (s *Service) common(r *httpd.Request, method string, args []any) (any, error) {
	switch method {
	case "version":
		return versionInfo(), nil
	case "about":
		return "See https://www.odoo.com", nil
	case "login", "authenticate":
		hi := 3
		if method == "authenticate" {
			hi = 4 // user_agent_env, ignored
		}
		if err := arity(method, args, 3, hi); err != nil {
			return nil, err
		}
		if err := s.checkDB(args[0]); err != nil {
			return nil, err
		}
		login, ok1 := args[1].(string)
		secret, ok2 := args[2].(string)
		if !ok1 || !ok2 || login == "" || secret == "" {
			return false, nil
		}
		uid, err := s.deps.Identity.LoginRPC(ctxOf(r), login, secret, clientOf(r))
		if err != nil {
			// Wrong credentials are not an error here, just False. The
			// login cooldown is the exception: Odoo raises it.
			if e := errs.As(err); e.Kind == errs.AccessDenied && e.Message() == "Access Denied" {
				return false, nil
			}
			return nil, err
		}
		return uid, nil
	}
	return nil, errs.Ef(errs.NotFound, "Method not available %s", clipName(method))
}

// objectCredentials checks an object call up to its credentials, in
// Odoo's order, and returns them: execute(db, uid, password, model,
// method, *args) or execute_kw(db, uid, password, model, method, args[,
// kwargs]).
func (s *Service) objectCredentials(c *rpcCall) (*httpd.Credentials, error) {
	var lo, hi int
	switch c.method {
	case "execute":
		lo, hi = 5, 1<<20 // the XML/JSON limits bound the count first
	case "execute_kw":
		lo, hi = 6, 7
	default:
		return nil, errs.Ef(errs.NotFound, "Method not available %s", clipName(c.method))
	}
	args := c.args
	if err := arity(c.method, args, lo, hi); err != nil {
		return nil, err
	}
	if err := s.checkDB(args[0]); err != nil {
		return nil, err
	}
	uid, err := argInt(c.method, "uid", args[1])
	if err != nil {
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	secret, _ := args[2].(string)
	if secret == "" {
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	model, ok1 := args[3].(string)
	name, ok2 := args[4].(string)
	if !ok1 || !ok2 {
		return nil, typeError("%s(): model and method must be strings", c.method)
	}
	c.model, c.name = model, name
	return &httpd.Credentials{UID: uid, Secret: secret}, nil
}

// object runs an object call as the principal httpd authenticated from
// the call's credentials, in the Env httpd opened for it.
func (s *Service) object(r *httpd.Request, c *rpcCall) (any, error) {
	if r.Principal == nil { // fail closed: no authenticator checked the call
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	in := invocation{r: r, p: r.Principal, data: s.requestData(r), model: c.model, method: c.name, rpc: true}
	args := c.args
	if c.method == "execute" {
		in.args = args[5:]
	} else {
		a, ok := args[5].([]any)
		if !ok && args[5] != nil {
			return nil, typeError("execute_kw(): args must be a list")
		}
		in.args = a
		if len(args) == 7 && args[6] != nil {
			kw, ok := args[6].(map[string]any)
			if !ok {
				return nil, typeError("execute_kw(): kwargs must be a dictionary")
			}
			in.kwargs = kw
		}
	}
	return s.invokeRPC(in)
}

// invokeRPC runs in, wording an unknown model as the RPC services do.
func (s *Service) invokeRPC(in invocation) (any, error) {
	res, err := s.invoke(in)
	if um, ok := err.(errUnknownModel); ok {
		return nil, errs.Ef(errs.UserError, "Object %s doesn't exist", clipName(um.model))
	}
	return res, err
}

func (s *Service) db(r *httpd.Request, method string, args []any) (any, error) {
	switch method {
	case "list":
		if !s.deps.ListDB {
			return nil, errs.E(errs.AccessDenied, "Access Denied")
		}
		return []string{s.deps.DB}, nil
	case "server_version":
		return ServerVersion, nil
	case "db_exist":
		if err := arity(method, args, 1, 1); err != nil {
			return nil, err
		}
		name, _ := args[0].(string)
		return name == s.deps.DB, nil
	case "list_lang":
		return [][2]string{{"en_US", "English (US)"}}, nil
	case "create_database", "duplicate_database", "drop", "dump", "restore", "rename",
		"change_admin_password", "migrate_databases", "list_countries":
		// rampart has no master password: databases are managed by the
		// operator, never over RPC.
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	return nil, errs.Ef(errs.NotFound, "Method not available %s", clipName(method))
}
