// Package seed is the blog post "How to Secure API Endpoints in Odoo 19"
// (its original code is not part of this repository) done right with rampart: the same endpoints, each
// declared with the protection the post recommends, enforced by the
// pipeline rather than by code in the handler.
//
//	POST /api/data         json2, public, validated input (DataInput), rate limited per client IP ("anonymous"), CORS from any origin without credentials
//	POST /api/orders       json2, a logged-in user (session cookie), CORS with credentials from ShopOrigin only
//	POST /api/secure-data  json2, bearer: an API key in X-API-Key (or Authorization: Bearer)
//	GET  /api/form         http, a logged-in user: an HTML form carrying a CSRF token
//	POST /api/form         http, a logged-in user, CSRF token checked, validated input (FormInput)
//	POST /api/v1/data      json2, user; deprecated, with Sunset and a Link to its successor
//	POST /api/v2/data      json2, user; the current version
//
// What the post did by hand and rampart does for it:
//
//   - validate_api_key() searched res.users with sudo() by a plaintext key
//     and answered {"error": "Unauthorized"} with status 200. Here auth
//     bearer looks up a hashed, scoped, expiring key and answers 401 with
//     WWW-Authenticate: Bearer, before the handler runs.
//   - `if not data.get('name')` becomes a declared DataInput struct: types,
//     required fields, bounds and unknown fields are checked, every problem
//     is listed with its field (422).
//   - "use Nginx or Cloudflare for rate limiting" becomes Route.RateLimit.
//   - csrf=True on a form is the default for http routes; rampart also
//     refuses cross-site posts by Fetch metadata.
//   - versioning: Route.Version serves /api/vN/..., and Deprecated/Sunset/
//     Successor tell clients when to move.
package seed

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// ShopOrigin is the front end allowed to call /api/orders cross-origin
// with the user's cookies.
const ShopOrigin = "https://shop.example.com"

// TokenSource issues CSRF tokens for forms; *httpd.CSRFGuard is one.
type TokenSource interface {
	Token(r *httpd.Request) (string, error)
}

// Deps are what the routes need from the server.
type Deps struct {
	CSRF TokenSource
}

// DataInput is the body of POST /api/data.
type DataInput struct {
	Name     string `json:"name" validate:"required,maxlen=100"`
	Quantity int    `json:"quantity" validate:"min=1,max=1000"`
	Email    string `json:"email" validate:"email,maxlen=254"`
	Channel  string `json:"channel" validate:"oneof=web|mobile|partner"`
}

// FormInput is the form of POST /api/form.
type FormInput struct {
	Title    string `json:"title" validate:"required,maxlen=80"`
	Priority string `json:"priority" validate:"required,oneof=low|normal|high"`
}

// Routes returns the seed's endpoints, for httpd.Server.Register.
func Routes(d Deps) []*httpd.Route {
	post := []string{http.MethodPost}
	// v1 was deprecated when v2 shipped, and stops being served at Sunset.
	v1Deprecated := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	v1Sunset := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	return []*httpd.Route{
		{
			Name: "seed.data", Path: "/api/data", Type: httpd.TypeJSON2, Auth: httpd.AuthPublic, Methods: post,
			Params: &DataInput{}, RateLimit: "anonymous", MaxBody: 4 << 10,
			// It only answers: anyone may call it, so the public user's
			// transaction must not be able to write (rampart lint).
			ReadOnly: true,
			// Any site's scripts may call it, without cookies ("*" never
			// carries credentials).
			CORS: &httpd.CORS{Origins: []string{"*"}},
			Handler: func(r *httpd.Request) (any, error) {
				in := r.Input.(*DataInput)
				return map[string]any{"message": "Hello World", "name": in.Name, "quantity": in.Quantity}, nil
			},
		},
		{
			Name: "seed.orders", Path: "/api/orders", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: post,
			// The shop front end on its own host calls it with the user's
			// session cookie: that one origin, with credentials.
			CORS: &httpd.CORS{Origins: []string{ShopOrigin}, Credentials: true},
			Handler: func(r *httpd.Request) (any, error) {
				// Data would be read through r.Env, under the user's ACLs
				// and record rules (see examples/sales); never with sudo.
				return map[string]any{"status": "success", "user_id": r.Principal.UserID}, nil
			},
		},
		{
			Name: "seed.secure_data", Path: "/api/secure-data", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: post,
			Scope: "rpc",
			Handler: func(r *httpd.Request) (any, error) {
				return map[string]any{"data": "Secure Data", "key_id": r.Principal.KeyID}, nil
			},
		},
		{
			Name: "seed.form", Path: "/api/form", Type: httpd.TypeHTTP, Auth: httpd.AuthUser,
			Handler: func(r *httpd.Request) (any, error) { return renderForm(r, d.CSRF) },
		},
		{
			Name: "seed.form.submit", Path: "/api/form", Type: httpd.TypeHTTP, Auth: httpd.AuthUser, Methods: post,
			Params: &FormInput{}, MaxBody: 8 << 10,
			Handler: func(r *httpd.Request) (any, error) {
				in := r.Input.(*FormInput)
				return execute(savedPage, in)
			},
		},
		{
			Name: "seed.data.v1", Path: "/data", Version: 1, Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: post,
			Deprecated: v1Deprecated, Sunset: v1Sunset, Successor: "/api/v2/data",
			Handler: func(r *httpd.Request) (any, error) { return map[string]any{"version": "v1"}, nil },
		},
		{
			Name: "seed.data.v2", Path: "/data", Version: 2, Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: post,
			Handler: func(r *httpd.Request) (any, error) { return map[string]any{"version": "v2"}, nil },
		},
	}
}

var formPage = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>New request</title></head><body>
<h1>New request</h1>
<form method="post" action="/api/form">
<input type="hidden" name="csrf_token" value="{{.}}">
<label>Title <input name="title" required maxlength="80"></label>
<label>Priority <select name="priority"><option>low</option><option selected>normal</option><option>high</option></select></label>
<button type="submit">Send</button>
</form>
</body></html>
`))

var savedPage = template.Must(template.New("saved").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Saved</title></head><body>
<p>Saved "{{.Title}}" with priority {{.Priority}}.</p>
</body></html>
`))

func renderForm(r *httpd.Request, csrf TokenSource) (any, error) {
	tok, err := csrf.Token(r)
	if err != nil {
		return nil, err
	}
	return execute(formPage, tok)
}

func execute(t *template.Template, data any) (any, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, errs.Internalf("template %s: %w", t.Name(), err)
	}
	return b.String(), nil
}
