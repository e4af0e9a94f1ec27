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
	"github.com/rampart/rampart/internal/memtest"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/store"
)

// benchApp wires the production pipeline as bench/w1 does (access log
// formatted as JSON to a discarded writer, metrics collected, rate limits
// on but never refusing) over a small W1 data set: salesmen owning
// sale.order rows under the "own orders only" rule. It returns the
// handler and one API key per salesman.
func benchApp(b *testing.B, salesmen, orders int, tune ...func(*config.Config)) (http.Handler, []string) {
	b.Helper()
	ctx := context.Background()
	c := config.Default()
	for _, fn := range tune {
		fn(&c)
	}
	c.Data = b.TempDir()
	c.Log.Format = "json"
	c.Metrics.Disabled = true
	c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{}
	for name := range ratelimit.DefaultPolicies() {
		c.RateLimit.Policies[name] = ratelimit.PolicyConfig{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	}
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	app, err := rampart.New(ctx, c, slog.New(slog.NewJSONHandler(io.Discard, nil)),
		rampart.Options{Apps: []rampart.AppSource{sales.App()}, InsecureFastHashing: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	admin, err := app.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		b.Fatal(err)
	}
	ap, err := app.Identity.Principal(ctx, admin.ID)
	if err != nil {
		b.Fatal(err)
	}
	env := orm.NewEnv(ctx, app.Registry, app.DB, ap, orm.EnvOptions{RequestID: "bench-seed"})
	var partner []int64
	companies, err := sales.EnsureCompanies(env)
	if err == nil {
		var m *orm.Model
		if m, err = env.Sudo("benchmark seed").Model("res.partner"); err == nil {
			partner, err = m.Create([]map[string]any{{"name": "Bench Customer", "is_company": true}})
		}
	}
	if ferr := env.Finish(err); err == nil {
		err = ferr
	}
	if err != nil {
		b.Fatal(err)
	}
	var keys []string
	var uids []int64
	for i := range salesmen {
		uid, err := app.Identity.CreateUser(ctx, identity.NewUser{Login: fmt.Sprintf("bench%03d", i),
			Groups: []string{sales.GroupSalesman}, CompanyID: companies[0], CompanyIDs: companies[:1]})
		if err != nil {
			b.Fatal(err)
		}
		key, _, err := app.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: "bench", ExpiresIn: 24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		keys, uids = append(keys, key), append(uids, uid)
	}
	err = app.DB.Write(ctx, func(tx *store.Tx) error {
		states := []string{"draft", "sent", "sale", "cancel"}
		for n := range salesmen * orders {
			ts := time.Date(2026, 1, 1, 0, n, 0, 0, time.UTC).Format(time.DateTime)
			if _, err := tx.Exec(ctx, `INSERT INTO sale_order (name, partner_id, user_id, company_id, state, date_order, amount_total, create_uid, create_date, write_uid, write_date)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				fmt.Sprintf("B%06d", n), partner[0], uids[n%salesmen], companies[0], states[(n/salesmen)%4], ts, float64(n%997)+0.5, admin.ID, ts, admin.ID, ts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := app.DB.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	h, err := app.Handler()
	if err != nil {
		b.Fatal(err)
	}
	return h, keys
}

// BenchmarkWiredJSON2SearchRead is W1 in process: the whole wired
// pipeline (request id, recovery, access log, headers, client IP,
// routing, pre- and post-auth rate limits, API-key authentication through
// the credential cache, scope, strict JSON, read-only transaction, ACL,
// record rules, search_read, result encoding) for one
// POST /json/2/sale.order/search_read, keys rotating. Profile it with
// -cpuprofile / -memprofile to find per-request work.
func BenchmarkWiredJSON2SearchRead(b *testing.B) {
	h, keys := benchApp(b, 10, 200)
	body := `{"domain":[["state","=","sale"]],"fields":["name","state","amount_total"],"limit":50,"order":"id"}`
	serve := func(i int) {
		r := httptest.NewRequest("POST", "/json/2/sale.order/search_read", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+keys[i%len(keys)])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), `[{"`) {
			b.Fatalf("status %d: %.200s", w.Code, w.Body)
		}
	}
	for i := range keys { // warm the credential cache and the statements
		serve(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		serve(i)
	}
}

// BenchmarkWiredXMLRPCSearchRead is the same search_read over XML-RPC
// execute_kw with the key as the password on every call (the credential
// cache answers after the first check).
func BenchmarkWiredXMLRPCSearchRead(b *testing.B) {
	h, keys := benchApp(b, 10, 200)
	// uid of bench000..: the users were created in order after admin and
	// the demo-free bootstrap, so read them back from a login call.
	uids := make([]string, len(keys))
	for i, k := range keys {
		body := fmt.Sprintf(`<?xml version="1.0"?><methodCall><methodName>login</methodName><params>`+
			`<param><value><string>rampart</string></value></param><param><value><string>bench%03d</string></value></param>`+
			`<param><value><string>%s</string></value></param></params></methodCall>`, i, k)
		r := httptest.NewRequest("POST", "/xmlrpc/2/common", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "text/xml")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		s := w.Body.String()
		i0 := strings.Index(s, "<int>")
		i1 := strings.Index(s, "</int>")
		if i0 < 0 || i1 < i0 {
			b.Fatalf("login: %s", s)
		}
		uids[i] = s[i0+5 : i1]
	}
	serve := func(i int) {
		body := `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
			`<param><value><string>rampart</string></value></param><param><value><int>` + uids[i%len(keys)] + `</int></value></param>` +
			`<param><value><string>` + keys[i%len(keys)] + `</string></value></param>` +
			`<param><value><string>sale.order</string></value></param><param><value><string>search_read</string></value></param>` +
			`<param><value><array><data><value><array><data><value><array><data><value><string>state</string></value><value><string>=</string></value><value><string>sale</string></value></data></array></value></data></array></value></data></array></value></param>` +
			`<param><value><struct><member><name>fields</name><value><array><data><value><string>name</string></value><value><string>state</string></value><value><string>amount_total</string></value></data></array></value></member>` +
			`<member><name>limit</name><value><int>50</int></value></member><member><name>order</name><value><string>id</string></value></member></struct></value></param>` +
			`</params></methodCall>`
		r := httptest.NewRequest("POST", "/xmlrpc/2/object", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "text/xml")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "<fault>") {
			b.Fatalf("status %d: %.300s", w.Code, w.Body)
		}
	}
	for i := range keys {
		serve(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		serve(i)
	}
}

// discard is a ResponseWriter that counts the body and keeps none of it,
// so that a benchmark measures the server's memory, not the recorder's.
type discard struct {
	h      http.Header
	status int
	n      int64
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkWiredSearchReadAll is "return all" through the whole pipeline:
// POST /json/2/sale.order/search_read without a limit on 100,000 orders,
// five fields (two many2one). "held" builds the answer whole before
// writing it (orm.stream_above larger than the answer: rampart before
// streaming); "streamed" is the default. It reports the peak live heap
// while serving (peak-heap-MB) and the answer's size.
func BenchmarkWiredSearchReadAll(b *testing.B) {
	const rows = 100_000
	for _, mode := range []struct {
		name  string
		above int64
	}{{"held", 1 << 40}, {"streamed", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			h, keys := benchApp(b, 1, rows, func(c *config.Config) {
				c.ORM.MaxResponseBytes = 1 << 30
				if mode.above > 0 {
					c.ORM.StreamAbove = mode.above
				}
			})
			body := `{"domain":[],"fields":["name","state","amount_total","partner_id","user_id"],"order":"id"}`
			serve := func() int64 {
				r := httptest.NewRequest("POST", "/json/2/sale.order/search_read", strings.NewReader(body))
				r.RemoteAddr = "127.0.0.1:40000"
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Authorization", "Bearer "+keys[0])
				w := &discard{h: http.Header{}}
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK || w.n < rows*50 {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
				return w.n
			}
			serve() // warm
			peak := memtest.PeakHeap()
			b.ReportAllocs()
			b.ResetTimer()
			var n int64
			for b.Loop() {
				n = serve()
			}
			b.StopTimer()
			b.ReportMetric(peak(), "peak-heap-MB")
			b.ReportMetric(float64(n)/(1<<20), "answer-MB")
		})
	}
}
