package odoorpc

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// The fakes stand in for identity and the ORM so that these tests pin the
// protocol layer alone: argument binding, error shapes, faults. The live
// tests (clients_test.go) run the real stack.

var (
	admin = &principal.Principal{UserID: 2, Login: "admin", GroupXMLIDs: []string{"base.group_user", "base.group_system", GroupAllowDoc}, Via: "password"}
	demo  = &principal.Principal{UserID: 6, Login: "demo", GroupXMLIDs: []string{"base.group_user"}, Via: "password"}
)

type fakeIdentity struct{}

func (fakeIdentity) LoginRPC(_ context.Context, login, secret string, _ netip.Addr) (int64, error) {
	switch {
	case login == "admin" && secret == "admin":
		return 2, nil
	case login == "demo" && (secret == "demo" || secret == "demokey"):
		return 6, nil
	}
	return 0, errs.E(errs.AccessDenied, "Access Denied")
}

func (fakeIdentity) CheckRPC(_ context.Context, uid int64, secret string, _ netip.Addr) (*principal.Principal, error) {
	switch {
	case uid == 2 && secret == "admin":
		return admin, nil
	case uid == 6 && (secret == "demo" || secret == "demokey"):
		return demo, nil
	}
	return nil, errs.E(errs.AccessDenied, "Access Denied")
}

func (fakeIdentity) User(_ context.Context, uid int64) (*identity.User, error) {
	return &identity.User{ID: uid, Name: "Mitchell Admin", Login: "admin", PartnerID: 3, CompanyID: 1, CompanyIDs: []int64{1}}, nil
}

func (fakeIdentity) GenerateKey(_ context.Context, p *principal.Principal, key, scope, name string, _ *time.Time, _ netip.Addr) (string, error) {
	if key != "demokey" {
		return "", errs.E(errs.AccessDenied, "Access Denied")
	}
	return "newkey", nil
}

func (fakeIdentity) RevokeKey(_ context.Context, _ *principal.Principal, key string, _ netip.Addr) error {
	if key != "newkey" {
		return errs.E(errs.AccessDenied, "Access Denied")
	}
	return nil
}

// fakeData has res.partner (full access), sale.order (read only for
// demo) and hr.secret (no access).
type fakeData struct{ ctx map[string]any }

func (d fakeData) Env() *orm.Env { return nil }
func (d fakeData) Companies(ids []int64) ([]CompanyInfo, error) {
	return []CompanyInfo{{ID: 1, Name: "YourCompany", Sequence: 10}}, nil
}
func (d fakeData) PartnerName(id int64) (string, error) { return "Mitchell Admin", nil }
func (d fakeData) Models() []string                     { return []string{"hr.secret", "res.partner", "sale.order"} }
func (d fakeData) WithContext(c map[string]any) Data {
	return fakeData{ctx: c}
}

func (d fakeData) Model(name string) (Model, error) {
	switch name {
	case "res.partner", "sale.order", "hr.secret":
		return fakeModel{name: name, ctx: d.ctx}, nil
	}
	return nil, errs.Ef(errs.NotFound, "Object %s doesn't exist", name)
}

type fakeModel struct {
	name string
	ctx  map[string]any
}

func (m fakeModel) DefaultGet(fields []string) (map[string]any, error) { return map[string]any{}, nil }

func (m fakeModel) CheckAccess(op string) error {
	if m.name == "hr.secret" || (m.name == "sale.order" && op != "read") {
		return errs.Ef(errs.AccessError, "You are not allowed to %s '%s' (%s) records.", op, m.name, m.name)
	}
	return nil
}

func (m fakeModel) Create(vals []map[string]any) ([]int64, error) {
	if err := m.CheckAccess("create"); err != nil {
		return nil, err
	}
	if _, ok := vals[0]["name"]; !ok {
		return nil, errs.Validation("The operation cannot be completed: name is required")
	}
	ids := make([]int64, len(vals))
	for i := range vals {
		ids[i] = int64(100 + i)
	}
	return ids, nil
}

func (m fakeModel) Read(ids []int64, fields []string) ([]map[string]any, error) {
	if err := m.CheckAccess("read"); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, id := range ids {
		if id > 1000 {
			return nil, errs.E(errs.MissingError, "Record does not exist or has been deleted.")
		}
		out = append(out, map[string]any{"id": id, "name": "Deco Addict", "lang": m.ctx["lang"]})
	}
	return out, nil
}

func (m fakeModel) Write(ids []int64, vals map[string]any) error { return m.CheckAccess("write") }
func (m fakeModel) Unlink(ids []int64) error                     { return m.CheckAccess("unlink") }

func (m fakeModel) Search(d []any, offset, limit int, order string) ([]int64, error) {
	if err := m.CheckAccess("read"); err != nil {
		return nil, err
	}
	return []int64{1, 2, 3}, nil
}

func (m fakeModel) SearchRead(d []any, fields []string, offset, limit int, order string) ([]map[string]any, error) {
	if err := m.CheckAccess("read"); err != nil {
		return nil, err
	}
	return []map[string]any{{"id": int64(25), "name": "Deco Addict"}}, nil
}

func (m fakeModel) SearchCount(d []any, limit int) (int64, error) { return 3, m.CheckAccess("read") }

func (m fakeModel) FieldsGet(fields, attributes []string) (map[string]map[string]any, error) {
	return map[string]map[string]any{"name": {"type": "char", "string": "Name"}}, nil
}

func (m fakeModel) NameSearch(name string, d []any, operator string, limit int) ([][2]any, error) {
	return [][2]any{{int64(25), "Deco Addict"}}, nil
}

// fakeAuth authenticates bearer keys, a fake session cookie and the
// credentials an RPC call carries (fakeIdentity's).
type fakeAuth struct{}

func (fakeAuth) Authenticate(r *httpd.Request) error {
	switch r.Route.Auth {
	case httpd.AuthCall:
		if c := r.Credentials; c != nil {
			p, err := fakeIdentity{}.CheckRPC(r.HTTP.Context(), c.UID, c.Secret, r.Client)
			r.Principal = p
			return err
		}
		return nil
	case httpd.AuthBearer:
		h := r.HTTP.Header.Get("Authorization")
		switch h {
		case "Bearer demokey":
			r.Principal = demo
			return nil
		case "Bearer dockey":
			// demo, given the API-docs group (Technical Documentation).
			p := *demo
			p.GroupXMLIDs = []string{"base.group_user", GroupAllowDoc}
			r.Principal = &p
			return nil
		case "Bearer readkey":
			p := *demo
			p.Scopes = []string{"read"}
			r.Principal = &p
			return nil
		}
		return errs.E(errs.Unauthorized, "Invalid apikey").WithHeader("WWW-Authenticate", "Bearer")
	case httpd.AuthUser:
		if c, err := r.HTTP.Cookie("session_id"); err == nil && c.Value == "good" {
			r.Principal = admin
			return nil
		}
		return errs.E(errs.SessionExpired, "Session expired")
	}
	return nil
}

type fakeSessions struct{}

func (fakeSessions) Login(r *httpd.Request, login, password string) (*principal.Principal, error) {
	if login == "admin" && password == "admin" {
		http.SetCookie(r.W, &http.Cookie{Name: "session_id", Value: "good", HttpOnly: true})
		return admin, nil
	}
	return nil, errs.E(errs.AccessDenied, "Access Denied")
}

func (fakeSessions) Logout(r *httpd.Request) error {
	http.SetCookie(r.W, &http.Cookie{Name: "session_id", Value: "", MaxAge: -1})
	return nil
}

// newTestServer serves Routes over httptest with the fakes.
func newTestServer(t *testing.T, mutate func(*Deps)) *httptest.Server {
	t.Helper()
	d := Deps{
		Identity: fakeIdentity{}, Sessions: fakeSessions{}, ListDB: true,
		Data: func(*orm.Env) Data { return fakeData{} },
	}
	if mutate != nil {
		mutate(&d)
	}
	return serveRoutes(t, fakeAuth{}, nil, nil, d)
}

// serveRoutes serves Routes(d) on httptest behind an httpd server with the
// given authenticator, rate limiter and Env factory.
func serveRoutes(t *testing.T, auth httpd.Authenticator, lim httpd.Limiter, envs httpd.EnvFactory, d Deps) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(routesHandler(t, auth, lim, envs, d))
	t.Cleanup(srv.Close)
	return srv
}

// routesHandler is the httpd handler serving Routes(d).
func routesHandler(t testing.TB, auth httpd.Authenticator, lim httpd.Limiter, envs httpd.EnvFactory, d Deps) http.Handler {
	t.Helper()
	h, _ := routesHandlerAndRoutes(t, auth, lim, envs, d)
	return h
}

// routesHandlerAndRoutes also returns the registered routes.
func routesHandlerAndRoutes(t testing.TB, auth httpd.Authenticator, lim httpd.Limiter, envs httpd.EnvFactory, d Deps) (http.Handler, []*httpd.Route) {
	t.Helper()
	cfg := httpd.Config{}
	cfg.Defaults()
	cfg.MaxBody = 64 << 10
	if d.PreAuthMaxBody == 0 {
		d.PreAuthMaxBody = cfg.MaxBody // as App: the smaller of rpc.max_body and http.max_body
	}
	hs := httpd.New(cfg, slog.New(slog.DiscardHandler))
	hs.Auth, hs.Envs = auth, envs
	if lim != nil {
		hs.Limiter = lim
	}
	routes, err := Routes(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := hs.Register(routes...); err != nil {
		t.Fatal(err)
	}
	h, err := hs.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h, routes
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func do(t *testing.T, srv *httptest.Server, method, path, ctype, body string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func mustJSON(v any) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	return b.String()
}
