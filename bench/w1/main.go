// Command w1 runs rampart's load benchmarks against live servers on
// loopback and prints the results as ratios to the in-repo baseline.
//
//	go run ./bench/w1 [-dir DIR] [-duration 10s] [-workers 32]
//	go run ./bench/w1 -db postgres://USER@127.0.0.1:5432/rampart_w1 [-redis redis://127.0.0.1:6379/0]
//
// With -db, rampart and the baseline use that PostgreSQL database instead
// of the SQLite file: a database of its own, created (on the same server)
// when missing and seeded once; its name must start with rampart_w1,
// because seeding starts from an empty database by dropping it. With
// -redis as well, the run ends with two rampart instances on that
// PostgreSQL and that Redis (shared rate limits), driven together, next
// to one instance with the same configuration.
//
// It seeds a data directory once (DESIGN §8: 100 salesmen, each owning
// 1,000 sale.order rows, the "own orders only" rule, one API key each),
// then starts two server processes from its own binary — rampart with its
// full pipeline (key check, rate limit, ACL, record rules, access log,
// metrics) and bench/baseline (net/http + token map + one indexed query)
// on the same SQLite file — and drives each in turn:
//
//   - W1: POST /json/2/sale.order/search_read, the caller's key, domain
//     [["state","=","sale"]], three fields, limit 50, order id, keys
//     rotating over all users; compared with the baseline;
//   - W2: POST /json/2/sale.order/create, one order per request;
//   - XML-RPC: object.execute_kw search_read with a password per call.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/bench/baseline"
	"github.com/rampart/rampart/bench/load"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/store"
)

// dbURL and redisURL are the -db and -redis flags, handed to the server
// processes.
var dbURL, redisURL string

const (
	users         = 100
	ordersPerUser = 1000
	rpcPassword   = "w1-bench-password"
)

func main() {
	mode := "run"
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		mode = os.Args[1]
		os.Args = append([]string{os.Args[0]}, os.Args[2:]...)
	}
	dir := flag.String("dir", filepath.Join(os.TempDir(), "rampart-w1"), "benchmark data directory (seeded once)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (server modes)")
	duration := flag.Duration("duration", 10*time.Second, "measured time per run")
	workers := flag.Int("workers", 32, "concurrent clients")
	flag.StringVar(&dbURL, "db", "", "PostgreSQL URL of a dedicated benchmark database (default: SQLite in -dir)")
	flag.StringVar(&redisURL, "redis", "", "Redis URL for the two-instance run (PostgreSQL only)")
	only := flag.String("only", "", "comma-separated subset of w1,w2,xmlrpc,two (default: all)")
	flag.Parse()
	if dbURL != "" && *dir == filepath.Join(os.TempDir(), "rampart-w1") {
		*dir += "-pg"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch mode {
	case "run":
		err = runAll(ctx, *dir, *duration, *workers, *only)
	case "seed":
		err = seed(ctx, *dir)
	case "rampart":
		err = serveRampart(ctx, *dir, *addr, "")
	case "rampart-redis":
		err = serveRampart(ctx, *dir, *addr, redisURL)
	case "baseline":
		err = serveBaseline(ctx, *dir, *addr)
	default:
		err = fmt.Errorf("unknown mode %q (run, seed, rampart, rampart-redis, baseline)", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "w1:", err)
		os.Exit(1)
	}
}

// benchConfig is rampart's production configuration for the benchmark:
// rate limiting on (with limits far above what the run sends, so every
// request pays for the decision and none is refused), metrics collected.
func benchConfig(dir string) config.Config {
	c := config.Default()
	c.Data = dir
	c.DB = dbURL
	c.Log.Format = "json"
	c.Metrics.Disabled = true // collected, not served: no second listener
	c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{}
	for name := range ratelimit.DefaultPolicies() {
		c.RateLimit.Policies[name] = ratelimit.PolicyConfig{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	}
	return c
}

func openApp(ctx context.Context, dir string, log *slog.Logger, redis string) (*rampart.App, error) {
	c := benchConfig(dir)
	if redis != "" {
		c.RateLimit.Store = ratelimit.StoreRedis
		c.RateLimit.RedisURL = redis
		c.RateLimit.RedisPrefix = "rampart-w1:rl:"
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return rampart.New(ctx, c, log, rampart.Options{Apps: []rampart.AppSource{sales.App()}})
}

// seed creates the W1 data set once; tokens.json marks it complete.
func seed(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "tokens.json")); err == nil {
		return nil
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if dbURL != "" {
		if err := freshDatabase(ctx, dbURL); err != nil {
			return err
		}
	}
	app, err := openApp(ctx, dir, slog.New(slog.DiscardHandler), "")
	if err != nil {
		return err
	}
	defer app.Close()
	admin, err := app.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		return err
	}
	ap, err := app.Identity.Principal(ctx, admin.ID)
	if err != nil {
		return err
	}
	var companies []int64
	var partner int64
	env := orm.NewEnv(ctx, app.Registry, app.DB, ap, orm.EnvOptions{RequestID: "w1-seed"})
	err = func() (err error) {
		defer func() {
			if ferr := env.Finish(err); err == nil {
				err = ferr
			}
		}()
		if companies, err = sales.EnsureCompanies(env); err != nil {
			return err
		}
		m, err := env.Sudo("benchmark seed").Model("res.partner")
		if err != nil {
			return err
		}
		ids, err := m.Create([]map[string]any{{"name": "W1 Customer", "is_company": true}})
		if err != nil {
			return err
		}
		partner = ids[0]
		return nil
	}()
	if err != nil {
		return err
	}
	tokens := map[string]int64{}
	logins := map[string]int64{}
	for i := 0; i < users; i++ {
		login := fmt.Sprintf("w1user%03d", i)
		pw := ""
		if i < 10 { // the XML-RPC run logs in with passwords
			pw = rpcPassword
		}
		uid, err := app.Identity.CreateUser(ctx, identity.NewUser{Login: login, Password: pw,
			Groups: []string{sales.GroupSalesman}, CompanyID: companies[0], CompanyIDs: companies[:1]})
		if err != nil {
			return err
		}
		key, _, err := app.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: "w1", ExpiresIn: 30 * 24 * time.Hour})
		if err != nil {
			return err
		}
		tokens[key] = uid
		logins[login] = uid
	}
	// 100,000 orders in one transaction with plain SQL: the benchmark
	// measures serving, and inserting through the ORM would only make the
	// set-up slower.
	err = app.DB.Write(ctx, func(tx *store.Tx) error {
		states := []string{"draft", "sent", "sale", "cancel"}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		const cols, batch = 11, 500
		var rows []string
		var args []any
		flush := func() error {
			if len(rows) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, `INSERT INTO sale_order (name, partner_id, user_id, company_id, state, date_order, amount_total, create_uid, create_date, write_uid, write_date)
				VALUES `+strings.Join(rows, ", "), args...)
			rows, args = rows[:0], args[:0]
			return err
		}
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
		n := 0
		for _, uid := range sortedValues(logins) {
			for j := 0; j < ordersPerUser; j++ {
				n++
				ts := now.Add(time.Duration(n) * time.Minute).Format("2006-01-02 15:04:05")
				rows = append(rows, one)
				args = append(args, fmt.Sprintf("W%06d", n), partner, uid, companies[0], states[j%4], ts, float64(n%997)+0.5, admin.ID, ts, admin.ID, ts)
				if len(rows) == batch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
	if err != nil {
		return err
	}
	if err := app.DB.Analyze(ctx); err != nil {
		return err
	}
	b, _ := json.Marshal(tokens)
	if err := os.WriteFile(filepath.Join(dir, "logins.json"), must(json.Marshal(logins)), 0o600); err != nil {
		return err
	}
	meta := map[string]int64{"company_id": companies[0], "partner_id": partner}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), must(json.Marshal(meta)), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tokens.json"), b, 0o600)
}

func serveRampart(ctx context.Context, dir, addr, redis string) error {
	// The access log is on, formatted as JSON, written nowhere: the
	// formatting is part of the pipeline being measured, the disk is not.
	app, err := openApp(ctx, dir, slog.New(slog.NewJSONHandler(io.Discard, nil)), redis)
	if err != nil {
		return err
	}
	defer app.Close()
	h, err := app.Handler()
	if err != nil {
		return err
	}
	// W1_CPUPROFILE=FILE profiles the rampart server of the run (the last
	// one started writes the file), for "time per stage" under load.
	if f := os.Getenv("W1_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return serve(ctx, addr, h)
}

func serveBaseline(ctx context.Context, dir, addr string) error {
	var h http.Handler
	var err error
	if dbURL != "" {
		h, err = baseline.PostgresHandler(ctx, dbURL, filepath.Join(dir, "tokens.json"))
	} else {
		h, err = baseline.Handler(filepath.Join(dir, "rampart.db"), filepath.Join(dir, "tokens.json"))
	}
	if err != nil {
		return err
	}
	return serve(ctx, addr, h)
}

// serve prints the bound address on stdout (the parent reads it), then
// serves until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); s.Close() }()
	if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// child is a server process started from this binary.
type child struct {
	cmd  *exec.Cmd
	addr string
}

func start(ctx context.Context, mode, dir string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, mode, "-dir", dir, "-db", dbURL, "-redis", redisURL)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make([]byte, 64)
	n, err := out.Read(line)
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s server did not start: %w", mode, err)
	}
	c := &child{cmd: cmd, addr: strings.TrimSpace(string(line[:n]))}
	if err := load.Loopback("http://" + c.addr); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
	}
}

func runAll(ctx context.Context, dir string, d time.Duration, workers int, only string) error {
	want := func(part string) bool { return only == "" || slices.Contains(strings.Split(only, ","), part) }
	t0 := time.Now()
	if err := seed(ctx, dir); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("data: %s (seed/check %v)\n", dir, time.Since(t0).Round(time.Millisecond))
	var tokens map[string]int64
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(dir, "tokens.json"))), &tokens); err != nil {
		return err
	}
	keys := make([]string, 0, len(tokens))
	for k := range tokens {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	client := load.Client(workers)
	opts := load.Options{Workers: workers, Duration: d, Warmup: 2 * time.Second}
	// w1 spreads requests over bases (one per server instance) in turn.
	w1 := func(bases ...string) load.Request {
		body := []byte(`{"domain":[["state","=","sale"]],"fields":["name","state","amount_total"],"limit":50,"order":"id"}`)
		return func(i int64) (*http.Request, error) {
			req, err := http.NewRequest("POST", bases[int(i)%len(bases)]+"/json/2/sale.order/search_read", bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+keys[int(i/int64(len(bases)))%len(keys)])
			return req, nil
		}
	}
	engine := "SQLite"
	if dbURL != "" {
		engine = "PostgreSQL"
	}
	fmt.Printf("machine: %s/%s, %d CPUs, Go %s; %s; %d workers, %v per run after a 2s warm-up\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), engine, workers, d)

	// W1, alternating baseline and rampart twice so that drift on the
	// machine affects both alike; each server gets its own process.
	var b load.Result
	if want("w1") {
		var base, ramp []load.Result
		for round := 0; round < 2; round++ {
			for _, mode := range []string{"baseline", "rampart"} {
				c, err := start(ctx, mode, dir)
				if err != nil {
					return err
				}
				res, err := load.Run(ctx, client, w1("http://"+c.addr), http.StatusOK, opts)
				c.stop()
				if err != nil {
					return fmt.Errorf("W1 %s: %w", mode, err)
				}
				fmt.Printf("W1 %-8s round %d: %s\n", mode, round+1, res)
				if mode == "baseline" {
					base = append(base, res)
				} else {
					ramp = append(ramp, res)
				}
			}
		}
		var r load.Result
		b, r = best(base), best(ramp)
		fmt.Printf("\nW1 (best of 2)   throughput %.0f vs %.0f req/s = %.2f x baseline;  p50 %v vs %v = %.2f x;  p99 %v vs %v = %.2f x\n",
			r.Throughput, b.Throughput, r.Throughput/b.Throughput, r.P50, b.P50, ratio(r.P50, b.P50), r.P99, b.P99, ratio(r.P99, b.P99))
	}
	ofBase := func(res load.Result) string {
		if b.Throughput == 0 {
			return ""
		}
		return fmt.Sprintf("  (%.2f x W1 baseline throughput)", res.Throughput/b.Throughput)
	}

	var meta map[string]int64
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(dir, "meta.json"))), &meta); err != nil {
		return err
	}
	if want("w2") || want("xmlrpc") {
		c, err := start(ctx, "rampart", dir)
		if err != nil {
			return err
		}
		defer c.stop()
		base1 := "http://" + c.addr
		if want("w2") {
			w2 := func(i int64) (*http.Request, error) {
				key := keys[int(i)%len(keys)]
				body := fmt.Sprintf(`{"vals_list":[{"name":"W2-%d","partner_id":%d,"company_id":%d,"user_id":%d,"date_order":"2026-06-01 12:00:00","state":"draft"}]}`,
					i, meta["partner_id"], meta["company_id"], tokens[key])
				req, err := http.NewRequest("POST", base1+"/json/2/sale.order/create", strings.NewReader(body))
				if err != nil {
					return nil, err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				return req, nil
			}
			res, err := load.Run(ctx, client, w2, http.StatusOK, opts)
			if err != nil {
				return fmt.Errorf("W2: %w", err)
			}
			fmt.Printf("W2 rampart create:         %s%s\n", res, ofBase(res))
		}
		if want("xmlrpc") {
			var logins map[string]int64
			json.Unmarshal(must(os.ReadFile(filepath.Join(dir, "logins.json"))), &logins)
			xr := func(i int64) (*http.Request, error) {
				n := int(i % 10)
				body := xmlrpcSearchRead(logins[fmt.Sprintf("w1user%03d", n)])
				req, err := http.NewRequest("POST", base1+"/xmlrpc/2/object", strings.NewReader(body))
				if err != nil {
					return nil, err
				}
				req.Header.Set("Content-Type", "text/xml")
				return req, nil
			}
			// One call per user first: each password's first check is an
			// argon2id hash (tens of ms, far more on a loaded machine); the
			// run measures calls verified through the credential cache.
			for i := range int64(10) {
				if _, err := load.Run(ctx, client, func(int64) (*http.Request, error) { return xr(i) }, http.StatusOK,
					load.Options{Workers: 1, MaxCount: 1, Duration: time.Minute}); err != nil {
					return fmt.Errorf("XML-RPC warm-up: %w", err)
				}
			}
			res, err := load.Run(ctx, client, xr, http.StatusOK, opts)
			if err != nil {
				return fmt.Errorf("XML-RPC: %w", err)
			}
			fmt.Printf("XML-RPC search_read (password per call): %s%s\n", res, ofBase(res))
		}
		c.stop()
	}
	if want("two") && dbURL != "" && redisURL != "" {
		return runTwo(ctx, dir, client, opts, w1)
	}
	return nil
}

// runTwo drives one, then two rampart instances sharing the PostgreSQL
// database and a Redis rate-limit store with W1, alternating twice. On a
// machine whose cores also run the load generator and the database, two
// instances measure the overhead of sharing, not scaling.
func runTwo(ctx context.Context, dir string, client *http.Client, opts load.Options, w1 func(...string) load.Request) error {
	var one, two []load.Result
	for round := 0; round < 2; round++ {
		for _, n := range []int{1, 2} {
			var bases []string
			var cs []*child
			for range n {
				c, err := start(ctx, "rampart-redis", dir)
				if err != nil {
					return err
				}
				cs = append(cs, c)
				bases = append(bases, "http://"+c.addr)
			}
			res, err := load.Run(ctx, client, w1(bases...), http.StatusOK, opts)
			for _, c := range cs {
				c.stop()
			}
			if err != nil {
				return fmt.Errorf("W1 x%d: %w", n, err)
			}
			fmt.Printf("W1 %d instance(s), Redis limits, round %d: %s\n", n, round+1, res)
			if n == 1 {
				one = append(one, res)
			} else {
				two = append(two, res)
			}
		}
	}
	o, t := best(one), best(two)
	fmt.Printf("\nW1 two instances vs one (best of 2): throughput %.0f vs %.0f req/s = %.2f x;  p99 %v vs %v = %.2f x\n",
		t.Throughput, o.Throughput, t.Throughput/o.Throughput, t.P99, o.P99, ratio(t.P99, o.P99))
	return nil
}

// xmlrpcSearchRead is W1's search_read as an XML-RPC execute_kw call
// authenticated with the user's password.
func xmlrpcSearchRead(uid int64) string {
	return fmt.Sprintf(`<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>`+
		`<param><value><string>rampart</string></value></param><param><value><int>%d</int></value></param>`+
		`<param><value><string>%s</string></value></param><param><value><string>sale.order</string></value></param>`+
		`<param><value><string>search_read</string></value></param>`+
		`<param><value><array><data><value><array><data><value><array><data><value><string>state</string></value><value><string>=</string></value><value><string>sale</string></value></data></array></value></data></array></value></data></array></value></param>`+
		`<param><value><struct><member><name>fields</name><value><array><data><value><string>name</string></value><value><string>state</string></value><value><string>amount_total</string></value></data></array></value></member>`+
		`<member><name>limit</name><value><int>50</int></value></member><member><name>order</name><value><string>id</string></value></member></struct></value></param>`+
		`</params></methodCall>`, uid, rpcPassword)
}

func best(rs []load.Result) load.Result {
	b := rs[0]
	for _, r := range rs[1:] {
		if r.Throughput > b.Throughput {
			b = r
		}
	}
	return b
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func sortedValues(m map[string]int64) []int64 {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// freshDatabase drops and recreates the benchmark database named in url,
// connecting to the server's "postgres" database to do so. Only a
// database whose name starts with rampart_w1 is ever dropped.
func freshDatabase(ctx context.Context, url string) error {
	u, err := neturl.Parse(url)
	if err != nil {
		return errors.New("-db: not a URL")
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "rampart_w1") || strings.ContainsAny(name, `"/ `) {
		return fmt.Errorf("-db: the benchmark database must be a dedicated one named rampart_w1... (got %q): seeding drops it", name)
	}
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`"`); err != nil {
		return err
	}
	_, err = admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`)
	return err
}
