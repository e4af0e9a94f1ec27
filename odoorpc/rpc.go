package odoorpc

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// dispatchRPC is Odoo's dispatch_rpc: the legacy services shared by
// /jsonrpc and /xmlrpc. args are positional, as both protocols send them.
func (s *Service) dispatchRPC(r *httpd.Request, service, method string, args []any) (any, error) {
	switch service {
	case "common":
		return s.common(r, method, args)
	case "object":
		return s.object(r, method, args)
	case "db":
		return s.db(r, method, args)
	}
	return nil, errs.Ef(errs.NotFound, "Service %s not found", clipName(service))
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

func (s *Service) object(r *httpd.Request, method string, args []any) (any, error) {
	var lo, hi int
	switch method {
	case "execute":
		lo, hi = 5, 1<<20 // the XML/JSON limits bound the count first
	case "execute_kw":
		lo, hi = 6, 7
	default:
		return nil, errs.Ef(errs.NotFound, "Method not available %s", clipName(method))
	}
	if err := arity(method, args, lo, hi); err != nil {
		return nil, err
	}
	if err := s.checkDB(args[0]); err != nil {
		return nil, err
	}
	uid, err := argInt(method, "uid", args[1])
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
		return nil, typeError("%s(): model and method must be strings", method)
	}
	p, err := s.deps.Identity.CheckRPC(ctxOf(r), uid, secret, clientOf(r))
	if err != nil {
		return nil, err
	}
	in := invocation{r: r, p: p, model: model, method: name, rpc: true}
	if method == "execute" {
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
	return s.callAs(r, p, in)
}

// callAs runs in under p's data environment, wording an unknown model as
// the RPC services do.
func (s *Service) callAs(r *httpd.Request, p *principal.Principal, in invocation) (any, error) {
	return s.withEnv(r, p, s.deps.Methods.readOnly(in.model, in.method), func(d Data) (any, error) {
		in.data = d
		res, err := s.invoke(in)
		if um, ok := err.(errUnknownModel); ok {
			return nil, errs.Ef(errs.UserError, "Object %s doesn't exist", clipName(um.model))
		}
		return res, err
	})
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
