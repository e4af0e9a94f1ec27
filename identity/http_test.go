package identity_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/rampartest"
)

// TestThroughHTTP drives the endpoints and the auth modes through httpd's
// dispatcher: statuses, headers and bodies as clients see them.
func TestThroughHTTP(t *testing.T) {
	whoami := func(r *httpd.Request) (any, error) {
		return map[string]any{"uid": r.Principal.UserID, "via": r.Principal.Via}, nil
	}
	// The wired server (rampartest): identity's adapter, CSRF and rate
	// limits as in production, plus three probes of the auth modes.
	a := rampartest.New(t, rampartest.Options{Routes: []*rampart.Route{
		{Path: "/t/bearer", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Handler: whoami},
		{Path: "/t/user", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Handler: whoami},
		{Path: "/t/rpc", Type: httpd.TypeJSONRPC, Auth: httpd.AuthUser, Handler: whoami},
	}})
	ctx := context.Background()
	alice, err := a.Identity.CreateUser(ctx, identity.NewUser{Login: "alice", Password: identitytest.Password("alice"), Groups: []string{identity.GroupUser}})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: alice, Name: "test key", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	do := func(path, body string, hdr map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", a.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp, m
	}

	resp, body := do("/t/bearer", `{}`, map[string]string{"Authorization": "Bearer " + key})
	if resp.StatusCode != 200 || body["via"] != "key" || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("bearer: %d %v %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do("/t/bearer", `{}`, map[string]string{"Authorization": "Bearer rp_nope"})
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer" ||
		body["name"] != "werkzeug.exceptions.Unauthorized" || body["message"] != "Invalid apikey" || strings.Contains(resp.Header.Get("Set-Cookie"), "session_id") {
		t.Fatalf("bad key: %d %v %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do("/t/user", `{}`, nil)
	if resp.StatusCode != 401 || body["name"] != "odoo.http.SessionExpiredException" {
		t.Fatalf("user without session: %d %v", resp.StatusCode, body)
	}

	resp, body = do("/rampart/auth/login", `{"login":"alice","password":"`+identitytest.Password("alice")+`"}`, nil)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "session_id" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if resp.StatusCode != 200 || cookie == "" || body["uid"] != float64(alice) {
		t.Fatalf("login: %d %v", resp.StatusCode, body)
	}
	resp, body = do("/rampart/auth/login", `{"login":"alice","password":"nope-nope"}`, nil)
	if resp.StatusCode != 403 || body["name"] != "odoo.exceptions.AccessDenied" {
		t.Fatalf("wrong password: %d %v", resp.StatusCode, body)
	}
	resp, body = do("/t/user", `{}`, map[string]string{"Cookie": cookie})
	if resp.StatusCode != 200 || body["via"] != "session" {
		t.Fatalf("user with session: %d %v", resp.StatusCode, body)
	}
	// A script riding on the cookie is refused on a bearer route.
	resp, body = do("/t/bearer", `{}`, map[string]string{"Cookie": cookie})
	if resp.StatusCode != 401 || body["message"] != `Missing "Authorization" or Sec-headers for interactive usage.` {
		t.Fatalf("bearer with cookie: %d %v", resp.StatusCode, body)
	}
	resp, body = do("/rampart/auth/logout", `{}`, map[string]string{"Cookie": cookie})
	if resp.StatusCode != 200 {
		t.Fatalf("logout: %d %v", resp.StatusCode, body)
	}
	resp, body = do("/t/rpc", `{"jsonrpc":"2.0","method":"call","params":{},"id":1}`, map[string]string{"Cookie": cookie})
	// (The HTTP status of a jsonrpc error is httpd's choice; the code is ours.)
	if e, _ := body["error"].(map[string]any); e == nil || e["code"] != float64(100) {
		t.Fatalf("jsonrpc after logout: %d %v", resp.StatusCode, body)
	}
}
