package odoorpc

import (
	"net/http"
	"strconv"

	"github.com/rampart/rampart/ratepolicy"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// webRoutes are the web-client endpoints client libraries (odoorpc,
// OdooRPC-JS, ...) use. All are JSON-RPC except the two version pages.
func (s *Service) webRoutes() []*httpd.Route {
	post := []string{http.MethodPost}
	get := []string{http.MethodGet}
	jr := func(name, path string, auth httpd.Auth, h httpd.Handler) *httpd.Route {
		return &httpd.Route{Name: name, Path: path, Type: httpd.TypeJSONRPC, Auth: auth, Methods: post, Handler: h}
	}
	// It takes a password: the rate limiter's login budget applies.
	authenticate := jr("web-session-authenticate", "/web/session/authenticate", httpd.AuthNone, s.handleAuthenticate)
	authenticate.RateLimit = ratepolicy.LoginIP
	authenticate.MaxBody = s.deps.PreAuthMaxBody // read before anyone is authenticated
	return []*httpd.Route{
		jr("web-version-info", "/web/webclient/version_info", httpd.AuthNone, func(*httpd.Request) (any, error) {
			return versionInfo(), nil
		}),
		authenticate,
		jr("web-session-info", "/web/session/get_session_info", httpd.AuthUser, s.dbChecked(func(r *httpd.Request) (any, error) {
			return s.sessionInfo(r, r.Principal, s.requestData(r))
		})),
		jr("web-session-check", "/web/session/check", httpd.AuthUser, s.dbChecked(func(*httpd.Request) (any, error) { return nil, nil })),
		jr("web-session-destroy", "/web/session/destroy", httpd.AuthUser, s.dbChecked(s.handleDestroy)),
		s.callKwRoute(jr("web-call-kw", "/web/dataset/call_kw", httpd.AuthUser, s.dbChecked(s.handleCallKw))),
		s.callKwRoute(jr("web-call-kw-path", "/web/dataset/call_kw/{path...}", httpd.AuthUser, s.dbChecked(s.handleCallKw))),
		jr("web-database-list", "/web/database/list", httpd.AuthNone, func(*httpd.Request) (any, error) {
			if !s.deps.ListDB {
				return nil, errs.E(errs.AccessDenied, "Access Denied")
			}
			return []string{s.deps.DB}, nil
		}),
		{Name: "web-version", Path: "/web/version", Type: httpd.TypeHTTP, Auth: httpd.AuthNone, Methods: get, ReadOnly: true, Handler: versionPage},
		{Name: "json-version", Path: "/json/version", Type: httpd.TypeHTTP, Auth: httpd.AuthNone, Methods: get, ReadOnly: true, Handler: versionPage},
	}
}

// dbChecked refuses, before h runs, a request whose X-Odoo-Database names
// another database: Odoo then has no database for the request, and only
// auth=none routes exist without one.
func (s *Service) dbChecked(h httpd.Handler) httpd.Handler {
	return func(r *httpd.Request) (any, error) {
		if err := s.checkDBHeader(r); err != nil {
			return nil, err
		}
		return h(r)
	}
}

// versionPage is /web/version and /json/version, which replace common.version.
func versionPage(*httpd.Request) (any, error) {
	return map[string]any{"version_info": ServerVersionInfo(), "version": ServerVersion}, nil
}

// stringParam is a web endpoint's required string parameter. Odoo drops
// unknown parameters silently and so does rampart, but it insists on the
// presence and type of those it uses.
func stringParam(r *httpd.Request, name string) (string, error) {
	switch v := r.Params[name].(type) {
	case string:
		return v, nil
	case nil:
		return "", typeError("missing required parameter '%s'", name)
	}
	return "", typeError("parameter '%s' must be a string", name)
}

// handleAuthenticate is /web/session/authenticate: an interactive login
// (API keys are refused here, as in Odoo) that sets the session cookie.
func (s *Service) handleAuthenticate(r *httpd.Request) (any, error) {
	db, err := stringParam(r, "db")
	if err != nil {
		return nil, err
	}
	if db != s.deps.DB {
		return nil, errs.E(errs.AccessError, "Database not found.")
	}
	login, err := stringParam(r, "login")
	if err != nil {
		return nil, err
	}
	password, err := stringParam(r, "password")
	if err != nil {
		return nil, err
	}
	if s.deps.Sessions == nil {
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	p, err := s.deps.Sessions.Login(r, login, password)
	if err != nil {
		return nil, err
	}
	// The login committed its own session; session_info only reads, in
	// the Env httpd finishes after the handler like every other.
	r.Principal, r.ReadOnly = p, true
	if _, err := r.OpenEnv(); err != nil {
		return nil, err
	}
	return s.sessionInfo(r, p, s.requestData(r))
}

func (s *Service) handleDestroy(r *httpd.Request) (any, error) {
	if s.deps.Sessions == nil {
		return nil, nil
	}
	return nil, s.deps.Sessions.Logout(r)
}

// callKwRoute lets a call_kw that only reads run on a read-only
// transaction, as Odoo derives the cursor from the method's _readonly.
func (s *Service) callKwRoute(rt *httpd.Route) *httpd.Route {
	rt.Prepare = func(r *httpd.Request) error {
		model, _ := r.Params["model"].(string)
		method, _ := r.Params["method"].(string)
		r.ReadOnly = r.Route.ReadOnly || s.deps.Methods.readOnly(model, method)
		return nil
	}
	return rt
}

// handleCallKw is /web/dataset/call_kw: execute_kw for the logged-in
// session, params {model, method, args, kwargs}. The path suffix is
// cosmetic, as in Odoo.
func (s *Service) handleCallKw(r *httpd.Request) (any, error) {
	model, err := stringParam(r, "model")
	if err != nil {
		return nil, err
	}
	method, err := stringParam(r, "method")
	if err != nil {
		return nil, err
	}
	in := invocation{r: r, p: r.Principal, data: s.requestData(r), model: model, method: method, rpc: true}
	switch a := r.Params["args"].(type) {
	case nil:
	case []any:
		in.args = a
	default:
		return nil, typeError("call_kw(): args must be a list")
	}
	switch kw := r.Params["kwargs"].(type) {
	case nil:
	case map[string]any:
		in.kwargs = kw
	default:
		return nil, typeError("call_kw(): kwargs must be a dictionary")
	}
	return s.invokeRPC(in)
}

// sessionInfo is Odoo's session_info() for p, with the fields clients
// read (uid, user_context, server_version_info, user_companies, ...).
func (s *Service) sessionInfo(r *httpd.Request, p *principal.Principal, data Data) (map[string]any, error) {
	if p == nil || p.Public {
		return nil, errs.E(errs.SessionExpired, "Session expired")
	}
	u, err := s.deps.Identity.User(ctxOf(r), p.UserID)
	if err != nil {
		return nil, err
	}
	internal := p.InGroup("base.group_user")
	uctx := userContext(u.ID)
	var partnerID any = false
	partnerName := ""
	if u.PartnerID != 0 {
		partnerID = u.PartnerID
		if partnerName, err = data.PartnerName(u.PartnerID); err != nil {
			return nil, err
		}
	}
	scheme := "http"
	if r.TLS {
		scheme = "https"
	}
	info := map[string]any{
		"uid":                  u.ID,
		"is_system":            p.IsSystem(),
		"is_admin":             p.IsSystem() || p.InGroup("base.group_erp_manager"),
		"is_public":            p.Public,
		"is_internal_user":     internal,
		"user_context":         uctx,
		"db":                   s.deps.DB,
		"user_settings":        map[string]any{},
		"server_version":       ServerVersion,
		"server_version_info":  ServerVersionInfo(),
		"support_url":          "https://www.odoo.com/help",
		"name":                 u.Name,
		"username":             u.Login,
		"quick_login":          true,
		"partner_display_name": partnerName,
		"partner_id":           partnerID,
		"web.base.url":         scheme + "://" + r.HTTP.Host,
		"active_ids_limit":     20000,
		"profile_session":      nil,
		"profile_collectors":   nil,
		"profile_params":       nil,
		"max_file_upload_size": 128 << 20,
		"home_action_id":       false,
		"currencies":           map[string]any{},
		"bundle_params":        map[string]any{"lang": uctx["lang"]},
		"test_mode":            false,
		"view_info":            map[string]any{},
		"groups":               map[string]any{"base.group_allow_export": internal},
	}
	if internal {
		companies, err := data.Companies(u.CompanyIDs)
		if err != nil {
			return nil, err
		}
		allowed := map[string]any{}
		for _, c := range companies {
			var parent any = false
			if c.ParentID != 0 {
				parent = c.ParentID
			}
			children := c.ChildIDs
			if children == nil {
				children = []int64{}
			}
			allowed[strconv.FormatInt(c.ID, 10)] = map[string]any{
				"id": c.ID, "name": c.Name, "sequence": c.Sequence, "child_ids": children, "parent_id": parent,
			}
		}
		info["user_companies"] = map[string]any{
			"current_company":               u.CompanyID,
			"allowed_companies":             allowed,
			"disallowed_ancestor_companies": map[string]any{},
		}
		info["show_effect"] = true
	}
	return info, nil
}
