package rampart_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store/storetest"
)

// TestRoundTripsPerRequest pins how many statements (on PostgreSQL, round
// trips) each benchmark workload sends once warm: W1's search_read over
// JSON-2, W2's create with its audit entry, and search_read over XML-RPC
// with a password. A change that adds a round trip fails here; one that
// removes one updates the table (and bench/README.md).
func TestRoundTripsPerRequest(t *testing.T) {
	want := map[string]map[string]int64{
		// SQLite: BEGIN and COMMIT are local calls, counted all the same;
		// a read of one statement runs without them, as on PostgreSQL
		// (it was 3).
		"sqlite": {"w1": 1, "w2": 10, "xmlrpc": 1},
		// PostgreSQL: a read of one statement needs no transaction (it was
		// BEGIN READ ONLY, the query, COMMIT: 3). W2 is BEGIN, one
		// existence check per many2one set (partner, user, company),
		// SAVEPOINT, INSERT, the create rule check, the audit INSERT,
		// RELEASE, COMMIT — plus the audit hash chain's three, linked in
		// the inserting transaction on PostgreSQL (the shard head locked,
		// the link, the head moved; the stored row comes back with the
		// insert: audit/chain.go). SQLite links in batches, off the
		// request.
		"postgres": {"w1": 1, "w2": 13, "xmlrpc": 1},
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dbURL := ""
			if engine == "postgres" {
				dbURL = storetest.PostgresSchemaURL(t)
			}
			w := newW1Server(t, dbURL)
			for _, name := range []string{"w1", "w2", "xmlrpc"} {
				call := w.calls[name]
				call(t) // warm: credential cache, rule cache, prepared statements
				call(t)
				for range 3 {
					// Authentication events are written by the audit
					// trail's background writer: the earlier requests'
					// go out first, this request's are counted with it.
					w.app.Audit.Flush()
					w.app.DB.Trips().Start()
					call(t)
					w.app.Audit.Flush()
					got := w.app.DB.Trips().Stop()
					if got != want[engine][name] {
						t.Errorf("%s: %d statements per request, want %d:\n%s", name, got, want[engine][name],
							strings.Join(w.app.DB.Trips().Sent(), "\n"))
					}
				}
			}
		})
	}
}

// w1Server is a small W1 data set served by the full pipeline.
type w1Server struct {
	app   *rampart.App
	url   string
	calls map[string]func(t *testing.T)
}

// newW1Server serves the sales app on dbURL ("" for SQLite) with one
// salesman (an API key and a password) owning 60 orders.
func newW1Server(t *testing.T, dbURL string) *w1Server {
	t.Helper()
	ctx := context.Background()
	c := config.Default()
	c.Data = t.TempDir()
	c.DB = dbURL
	c.Metrics.Disabled = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(ctx, c, slog.New(slog.DiscardHandler), rampart.Options{
		Apps: []rampart.AppSource{sales.App()}, InsecureFastHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	admin, err := app.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	ap, err := app.Identity.Principal(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	env := orm.NewEnv(ctx, app.Registry, app.DB, ap, orm.EnvOptions{RequestID: "t"})
	companies, err := sales.EnsureCompanies(env)
	if err != nil {
		t.Fatal(err)
	}
	su := env.Sudo("test fixture")
	partners, _ := su.Model("res.partner")
	pids, err := partners.Create([]map[string]any{{"name": "W1 Customer", "is_company": true}})
	if err != nil {
		t.Fatal(err)
	}
	// SQLite has one writer: end this Env before identity writes.
	if err := env.Finish(nil); err != nil {
		t.Fatal(err)
	}
	uid, err := app.Identity.CreateUser(ctx, identity.NewUser{Login: "rt-salesman", Password: "rt-password-1",
		Groups: []string{sales.GroupSalesman}, CompanyID: companies[0], CompanyIDs: companies[:1]})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := app.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: "rt", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env = orm.NewEnv(ctx, app.Registry, app.DB, ap, orm.EnvOptions{RequestID: "t"})
	orders, _ := env.Sudo("test fixture").Model("sale.order")
	states := []string{"draft", "sent", "sale", "cancel"}
	vals := make([]map[string]any, 60)
	for i := range vals {
		vals[i] = map[string]any{"name": fmt.Sprintf("RT%03d", i), "partner_id": pids[0], "user_id": uid,
			"company_id": companies[0], "state": states[i%4], "date_order": "2026-01-01 00:00:00"}
	}
	if _, err := orders.Create(vals); err != nil {
		t.Fatal(err)
	}
	if err := env.Finish(nil); err != nil {
		t.Fatal(err)
	}
	h, err := app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w := &w1Server{app: app, url: srv.URL}
	post := func(t *testing.T, path, ct, auth, body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || strings.Contains(string(b), "<fault>") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	n := 0
	w.calls = map[string]func(t *testing.T){
		"w1": func(t *testing.T) {
			b := post(t, "/json/2/sale.order/search_read", "application/json", key,
				`{"domain":[["state","=","sale"]],"fields":["name","state","amount_total"],"limit":50,"order":"id"}`)
			if strings.Count(b, `"state":"sale"`) != 15 {
				t.Fatalf("search_read: %s", b)
			}
		},
		"w2": func(t *testing.T) {
			n++
			post(t, "/json/2/sale.order/create", "application/json", key, fmt.Sprintf(
				`{"vals_list":[{"name":"RT-W2-%d","partner_id":%d,"company_id":%d,"user_id":%d,"date_order":"2026-06-01 12:00:00","state":"draft"}]}`,
				n, pids[0], companies[0], uid))
		},
		"xmlrpc": func(t *testing.T) {
			b := post(t, "/xmlrpc/2/object", "text/xml", "", fmt.Sprintf(`<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>`+
				`<param><value><string>rampart</string></value></param><param><value><int>%d</int></value></param>`+
				`<param><value><string>rt-password-1</string></value></param><param><value><string>sale.order</string></value></param>`+
				`<param><value><string>search_read</string></value></param>`+
				`<param><value><array><data><value><array><data><value><array><data><value><string>state</string></value><value><string>=</string></value><value><string>sale</string></value></data></array></value></data></array></value></data></array></value></param>`+
				`<param><value><struct><member><name>fields</name><value><array><data><value><string>name</string></value><value><string>state</string></value></data></array></value></member>`+
				`<member><name>limit</name><value><int>50</int></value></member></struct></value></param>`+
				`</params></methodCall>`, uid))
			if strings.Count(b, "<string>sale</string>") != 15 {
				t.Fatalf("xml-rpc search_read: %s", b)
			}
		},
	}
	return w
}
