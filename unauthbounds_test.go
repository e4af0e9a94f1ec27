package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/ratelimit"
)

// Issue 12 §6: the work an unauthenticated caller can cause is bounded.

// tightLogins makes login_ip the only limit a few wrong passwords meet:
// three attempts per client address, the cooldown and backoff far away.
func tightLogins(c *config.Config) {
	c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{"login_ip": {Rate: 1, Period: time.Hour, Burst: 3}}
	c.Identity.LoginCooldownAfter, c.Identity.LoginBackoffAfter = 1000, 1000
}

// TestEveryPasswordPathUnderLoginIP: after login_ip's burst of wrong
// passwords from one address, each protocol's password path refuses even
// the right password with its own shape of "too many requests", and the
// wrong ones before were ordinary denials.
func TestEveryPasswordPathUnderLoginIP(t *testing.T) {
	type attempt func(t *testing.T, a *rampartest.App, password string) (denied, limited bool)
	xml := func(path, method string, args func(a *rampartest.App, pw string) []any) attempt {
		return func(t *testing.T, a *rampartest.App, pw string) (bool, bool) {
			c := a.XMLRPC(t, rampartest.Alice)
			_, v, fault := c.Call(t, path, method, args(a, pw)...)
			// common.login/authenticate answer False to wrong credentials.
			return fault == "Access Denied" || fault == "" && v == false, strings.Contains(fault, "Too many")
		}
	}
	jsonrpc := func(path string, params func(a *rampartest.App, pw string) map[string]any) attempt {
		return func(t *testing.T, a *rampartest.App, pw string) (bool, bool) {
			_, v, name, msg := a.Session(t, "").PostStatus(t, path, params(a, pw))
			return name == "odoo.exceptions.AccessDenied" || name == "" && v == false, name == "werkzeug.exceptions.TooManyRequests" && strings.Contains(msg, "Too many")
		}
	}
	object := func(a *rampartest.App, pw string) []any {
		return []any{a.Config.DBName, a.UID(t, rampartest.Alice), pw, "res.partner", "search_count", []any{[]any{}}}
	}
	tests := map[string]attempt{
		"xmlrpc common.login": xml("/xmlrpc/2/common", "login", func(a *rampartest.App, pw string) []any {
			return []any{a.Config.DBName, rampartest.Alice, pw}
		}),
		"xmlrpc common.authenticate": xml("/xmlrpc/2/common", "authenticate", func(a *rampartest.App, pw string) []any {
			return []any{a.Config.DBName, rampartest.Alice, pw, map[string]any{}}
		}),
		"xmlrpc execute_kw": xml("/xmlrpc/2/object", "execute_kw", object),
		"jsonrpc execute_kw": jsonrpc("/jsonrpc", func(a *rampartest.App, pw string) map[string]any {
			return map[string]any{"service": "object", "method": "execute_kw", "args": object(a, pw)}
		}),
		"jsonrpc common.login": jsonrpc("/jsonrpc", func(a *rampartest.App, pw string) map[string]any {
			return map[string]any{"service": "common", "method": "login", "args": []any{a.Config.DBName, rampartest.Alice, pw}}
		}),
		"/web/session/authenticate": jsonrpc("/web/session/authenticate", func(a *rampartest.App, pw string) map[string]any {
			return map[string]any{"db": a.Config.DBName, "login": rampartest.Alice, "password": pw}
		}),
		"/rampart/auth/login": func(t *testing.T, a *rampartest.App, pw string) (bool, bool) {
			st, _, _ := (&rampartest.JSON2{URL: a.URL, HTTP: http.DefaultClient}).Post(t, "/rampart/auth/login", map[string]any{"login": rampartest.Alice, "password": pw})
			return st == http.StatusUnauthorized || st == http.StatusForbidden, st == http.StatusTooManyRequests
		},
	}
	for name, try := range tests {
		t.Run(name, func(t *testing.T) {
			a := rampartest.Demo(t, rampartest.Options{Config: tightLogins})
			for i := range 3 {
				if denied, limited := try(t, a, "wrong-password"); !denied || limited {
					t.Fatalf("wrong password %d: denied=%v limited=%v, want a plain denial", i, denied, limited)
				}
			}
			if _, limited := try(t, a, rampartest.Alice); !limited {
				t.Fatalf("4th attempt (right password) after login_ip's burst: not rate limited")
			}
		})
	}
}

// TestLogoutRefusesForeignOrigin: a cross-site POST to the logout route
// (auth none) carrying the session cookie is refused, and the session
// survives; from the site itself, logout works.
func TestLogoutRefusesForeignOrigin(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	s := a.Session(t, rampartest.Alice)
	logout := func(origin string) int {
		req, _ := http.NewRequest("POST", a.URL+"/rampart/auth/logout", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := s.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	alive := func() bool {
		st, _, name, _ := s.PostStatus(t, "/web/session/get_session_info", map[string]any{})
		return st == http.StatusOK && name == ""
	}
	if st := logout("https://evil.example"); st != http.StatusForbidden {
		t.Fatalf("cross-origin logout: status %d, want 403", st)
	}
	if !alive() {
		t.Fatal("the session ended after a refused cross-origin logout")
	}
	if st := logout(a.URL); st != http.StatusOK {
		t.Fatalf("same-origin logout: status %d", st)
	}
	if alive() {
		t.Fatal("the session survived its logout")
	}
}

// TestRPCPreAuthBodyLimit: XML-RPC and JSON-RPC refuse a body over
// rpc.max_body (default 1 MiB) before authentication, in their own error
// shapes, even when http.max_body (JSON-2) is larger; a body under it
// works.
func TestRPCPreAuthBodyLimit(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.HTTP.MaxBody = 8 << 20 }})
	pad := strings.Repeat(" ", 3<<19) // 1.5 MiB of insignificant whitespace
	xmlCall := func(body string, chunked bool) (int, string) {
		var r io.Reader = strings.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // no length: the decoder must cut it
		}
		resp, err := http.Post(a.URL+"/xmlrpc/2/common", "text/xml", r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	call := `<?xml version="1.0"?><methodCall><methodName>version</methodName><params>` + "%s" + `</params></methodCall>`
	if st, body := xmlCall(strings.Replace(call, "%s", "", 1), false); st != 200 || !strings.Contains(body, "server_version") {
		t.Fatalf("small XML-RPC call: %d %s", st, body)
	}
	for _, chunked := range []bool{false, true} {
		st, body := xmlCall(strings.Replace(call, "%s", pad, 1), chunked)
		if st != 200 || !strings.Contains(body, "<fault>") || !strings.Contains(body, "limit") {
			t.Fatalf("1.5 MiB XML-RPC call (chunked %v): %d %.300s", chunked, st, body)
		}
	}
	// Without a Content-Type (once read twice): streamed and cut the same.
	req, _ := http.NewRequest("POST", a.URL+"/xmlrpc/2/common", io.MultiReader(strings.NewReader(strings.Replace(call, "%s", pad, 1))))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "<fault>") || !strings.Contains(string(raw), "limit") {
		t.Fatalf("1.5 MiB XML-RPC call without Content-Type: %d %.300s", resp.StatusCode, raw)
	}
	env, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": "common", "method": "version", "args": []any{}}})
	for _, chunked := range []bool{false, true} {
		body := append(append([]byte{}, env[:len(env)-1]...), pad+"}"...)
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r)
		}
		resp, err := http.Post(a.URL+"/jsonrpc", "application/json", r)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 && !strings.Contains(string(raw), "RequestEntityTooLarge") {
			t.Fatalf("1.5 MiB JSON-RPC call (chunked %v): %d %.300s", chunked, resp.StatusCode, raw)
		}
		if !strings.Contains(string(raw), `"jsonrpc":"2.0"`) || !strings.Contains(string(raw), "RequestEntityTooLarge") {
			t.Fatalf("JSON-RPC 413 not in JSON-RPC's shape: %.300s", raw)
		}
	}
}

// TestLoginUserPolicyApplied: the login_user budget bounds the logins of
// one account whatever the address and the protocol, and leaves other
// accounts alone.
func TestLoginUserPolicyApplied(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) {
		c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{"login_user": {Rate: 1, Period: time.Hour, Burst: 2}}
	}})
	web := func(login string) string {
		_, _, name, _ := a.Session(t, "").PostStatus(t, "/web/session/authenticate", map[string]any{"db": a.Config.DBName, "login": login, "password": login})
		return name
	}
	x := a.XMLRPC(t, rampartest.Alice)
	if name := web(rampartest.Alice); name != "" {
		t.Fatalf("1st login: %s", name)
	}
	if _, v, fault := x.Call(t, "/xmlrpc/2/common", "authenticate", a.Config.DBName, rampartest.Alice, rampartest.Alice, map[string]any{}); fault != "" || v == false {
		t.Fatalf("2nd login (XML-RPC): %v %s", v, fault)
	}
	if name := web(rampartest.Alice); name != "werkzeug.exceptions.TooManyRequests" {
		t.Fatalf("3rd login of alice: %q, want TooManyRequests", name)
	}
	// From another protocol (JSON-2's login; XML-RPC's would be served
	// by the verified-credential cache, which charges nothing).
	if st, _, _ := (&rampartest.JSON2{URL: a.URL, HTTP: http.DefaultClient}).Post(t, "/rampart/auth/login", map[string]any{"login": rampartest.Alice, "password": rampartest.Alice}); st != http.StatusTooManyRequests {
		t.Fatalf("4th login of alice (/rampart/auth/login): status %d, want 429", st)
	}
	if name := web(rampartest.Bob); name != "" {
		t.Fatalf("bob's login: %s", name)
	}
}

// TestUserBudgetSharedByKeysAndSessions: a user's keys and sessions draw
// on one post-auth budget, so ten keys do not multiply the allowance;
// another user's budget is untouched.
func TestUserBudgetSharedByKeysAndSessions(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) {
		c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{
			"user": {Rate: 1, Period: time.Hour, Burst: 4}, "apikey": {Rate: 1, Period: time.Hour, Burst: 4}}
	}})
	uid := a.UID(t, rampartest.Alice)
	keys := []string{a.DemoKeys[rampartest.Alice]} // and 9 more: the most one user may hold
	for i := range 9 {
		k, _, err := a.Identity.CreateAPIKey(context.Background(), identity.NewAPIKey{UserID: uid, Name: fmt.Sprintf("k%d", i), ExpiresIn: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	s := a.Session(t, rampartest.Alice) // its login is not a post-auth charge
	ok, limited := 0, 0
	for i := range 12 {
		var st int
		if i%3 == 2 {
			status, _, name, _ := s.PostStatus(t, "/web/session/get_session_info", map[string]any{})
			st = status
			if name == "werkzeug.exceptions.TooManyRequests" {
				st = http.StatusTooManyRequests
			}
		} else {
			st, _, _ = (&rampartest.JSON2{URL: a.URL, Key: keys[i%10], HTTP: http.DefaultClient}).Call(t, "res.partner", "search_count", map[string]any{"domain": []any{}})
		}
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("request %d: status %d", i, st)
		}
	}
	if ok != 4 || limited != 8 {
		t.Fatalf("alice with 10 keys and a session: %d admitted, %d refused; want 4 and 8 (one budget)", ok, limited)
	}
	if st, _, _ := a.JSON2(rampartest.Bob).Call(t, "res.partner", "search_count", map[string]any{"domain": []any{}}); st != http.StatusOK {
		t.Fatalf("bob after alice's budget ran out: %d", st)
	}
}
