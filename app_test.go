package rampart_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/rampartest"
)

// newApp wires a full server on a temp database.
func newApp(t *testing.T, routes ...*rampart.Route) (*rampart.App, served) {
	t.Helper()
	a := rampartest.New(t, rampartest.Options{Routes: routes, Config: func(c *config.Config) { c.HTTP.MaxBody = 4096 }})
	return a.App, served{a.URL}
}

// served is where a test server listens.
type served struct{ URL string }

func TestWiredServerScenarios(t *testing.T) {
	_, srv := newApp(t,
		&rampart.Route{Path: "/t/echo", Type: rampart.TypeJSON2, Auth: rampart.AuthNone,
			Handler: func(r *rampart.Request) (any, error) { return r.Params, nil }},
		&rampart.Route{Path: "/t/rpc", Type: "json", Auth: rampart.AuthNone,
			Handler: func(r *rampart.Request) (any, error) {
				return nil, errs.E(errs.ValidationError, "The field 'name' is required.")
			}},
		&rampart.Route{Path: "/t/panic", Type: rampart.TypeJSON2, Auth: rampart.AuthNone,
			Handler: func(r *rampart.Request) (any, error) { panic("db password is hunter2") }},
		&rampart.Route{Path: "/t/old", Type: rampart.TypeJSON2, Auth: rampart.AuthNone, Version: 1,
			Deprecated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Sunset: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC),
			Successor: "/api/v2/t/old", Handler: func(r *rampart.Request) (any, error) { return "old", nil }},
	)
	cases := []struct {
		name, method, path, ct, body string
		status                       int
		header                       map[string]string
		has, lacks                   []string
	}{
		{name: "health", method: "GET", path: "/web/health", status: 200, has: []string{`"status":"pass"`}},
		{name: "health with db", method: "GET", path: "/web/health?db_server_status=1", status: 200, has: []string{`"db_server_status":true`}},
		{name: "405", method: "POST", path: "/web/health", status: 405, header: map[string]string{"Allow": "GET, HEAD"}},
		{name: "404", method: "GET", path: "/no/such/page", status: 404},
		{name: "413", method: "POST", path: "/t/echo", ct: "application/json", body: `{"x":"` + strings.Repeat("a", 5000) + `"}`, status: 413,
			has: []string{`"name":"werkzeug.exceptions.RequestEntityTooLarge"`}},
		{name: "415", method: "POST", path: "/t/echo", ct: "text/xml", body: `<x/>`, status: 415},
		{name: "malformed json", method: "POST", path: "/t/echo", ct: "application/json", body: `{"a":[1,}`, status: 400},
		{name: "jsonrpc envelope", method: "POST", path: "/t/rpc", ct: "application/json", body: `{"jsonrpc":"2.0","method":"call","params":{},"id":3}`, status: 200,
			has: []string{`"id":3`, `"code":0`, `"message":"Odoo Server Error"`, `"name":"odoo.exceptions.ValidationError"`, `"message":"The field 'name' is required."`}},
		{name: "panic", method: "POST", path: "/t/panic", ct: "application/json", body: `{}`, status: 500,
			has: []string{"internal error (request id "}, lacks: []string{"hunter2", "goroutine", ".go:"}},
		{name: "deprecated", method: "POST", path: "/api/v1/t/old", ct: "application/json", status: 200,
			header: map[string]string{"Deprecation": "@1767225600", "Sunset": "Wed, 30 Jun 2027 00:00:00 GMT", "Link": `</api/v2/t/old>; rel="successor-version"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if c.ct != "" {
				req.Header.Set("Content-Type", c.ct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			for k, v := range c.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, s := range c.has {
				if !strings.Contains(string(b), s) {
					t.Errorf("body lacks %q: %s", s, b)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(string(b), s) {
					t.Errorf("body has %q: %s", s, b)
				}
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !json.Valid(b) {
				t.Errorf("invalid JSON body: %s", b)
			}
		})
	}
}

func TestRequestIDEcho(t *testing.T) {
	_, srv := newApp(t)
	req, _ := http.NewRequest("GET", srv.URL+"/web/health", nil)
	req.Header.Set("X-Request-Id", "trace-abc.123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-abc.123" {
		t.Errorf("echo: %q", got)
	}
}

func TestHealthReportsDatabaseDown(t *testing.T) {
	app, srv := newApp(t)
	app.DB.Close() // the database goes away under a running server
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/web/health", 200, `{"status":"pass"}`},
		{"/web/health?db_server_status=1", 500, `{"status":"fail","db_server_status":false}`},
	} {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || strings.TrimSpace(string(b)) != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.path, resp.StatusCode, b, c.status, c.body)
		}
	}
}
