package sales

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/examples/seed"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
)

// App is the sales app as a rampart app source: its models and its
// Odoo-format security files. `rampart serve --demo` loads it, as do the
// administration commands with --demo; programs and benchmarks may load
// it without the demo users and data (Seed).
func App() rampart.AppSource {
	return rampart.AppSource{
		Module: Module,
		Models: Register,
		Security: func(l *access.Loader) error {
			return l.LoadFS(Security(), Module, "*.xml", "*.csv")
		},
	}
}

// Routes are the seed guide's endpoints done right (package
// examples/seed), which demo mode serves as examples to read and try.
// Register them on an App opened with App() before it serves.
func Routes(app *rampart.App) []*rampart.Route {
	return seed.Routes(seed.Deps{CSRF: app.CSRF})
}

// DemoKeyName names the API keys Seed creates (and replaces at each start).
const DemoKeyName = "demo start-up key"

// seedSudo is the reason recorded for the demo set-up's sudo work.
const seedSudo = "demo mode: creating the demo users and data"

// Seed makes app a demo: the two demo companies, the demo users (password
// = login, which identity allows only in demo mode), the demo data, and a
// fresh 24-hour API key per demo user, printed on console (never into the
// log) and returned by login. app must be opened with App() in demo mode
// (config demo: true) and bootstrapped. It is idempotent: a second start
// reuses users and data, and restores demo users a `rampart demo wipe`
// disabled. The users are marked (App.MarkDemoUsers), so that a server
// started without demo mode refuses the database.
func Seed(ctx context.Context, app *rampart.App, console io.Writer) (map[string]string, error) {
	if !app.Config.Demo {
		return nil, fmt.Errorf("demo seed: the app is not in demo mode")
	}
	s := seeder{app: app}
	uids, err := s.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	ids := make([]int64, 0, len(uids))
	for _, id := range uids {
		ids = append(ids, id)
	}
	if err := app.MarkDemoUsers(ctx, ids...); err != nil {
		return nil, err
	}
	// The demo companies and groups get their external ids (ir.model.data).
	if err := app.SyncData(ctx); err != nil {
		return nil, err
	}
	return s.keys(ctx, uids, console)
}

type seeder struct{ app *rampart.App }

// inEnv runs fn in its own transaction as the administrator. Each step is
// its own transaction: identity writes users in its own transactions, and
// SQLite has one writer, so an Env holding the write transaction while
// identity writes would wait on itself.
func (s seeder) inEnv(ctx context.Context, fn func(env *orm.Env) error) error {
	return s.app.AsAdmin(ctx, "demo", fn)
}

// run creates the companies, users and data; it returns the users' ids.
func (s seeder) run(ctx context.Context) (map[string]int64, error) {
	var companies []int64
	if err := s.inEnv(ctx, func(env *orm.Env) (err error) {
		companies, err = EnsureCompanies(env)
		return err
	}); err != nil {
		return nil, err
	}
	// Alice sells for the first company, Bob manages both; the second
	// company gets its own salesman so that both have orders.
	users := append(DemoUsers(), DemoUser{Login: "dave", Name: "Dave Salesman", Groups: []string{GroupSalesman}})
	companyOf := map[string][]int64{
		"admin": companies, "alice": companies[:1], "bob": companies, "carol": companies[:1], "dave": companies[1:],
	}
	uids := map[string]int64{}
	for _, du := range users {
		if du.Customer != "" {
			continue // portal users need the customers: after the data
		}
		id, err := s.ensureUser(ctx, du, companyOf[du.Login], 0)
		if err != nil {
			return nil, err
		}
		uids[du.Login] = id
	}
	partners := map[string]int64{}
	if err := s.inEnv(ctx, func(env *orm.Env) error {
		demo, err := LoadDemo(env, DemoOptions{Salespeople: []Salesperson{
			{UserID: uids["alice"], CompanyID: companies[0]},
			{UserID: uids["bob"], CompanyID: companies[0]},
			{UserID: uids["dave"], CompanyID: companies[1]},
		}})
		if err != nil {
			return err
		}
		if demo.AlreadyLoaded {
			s.app.Log.Info("demo data already loaded")
		}
		for _, du := range users {
			if du.Customer != "" {
				if partners[du.Login], err = demoContact(env, du); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, du := range users {
		if du.Customer != "" {
			id, err := s.ensureUser(ctx, du, companyOf[du.Login], partners[du.Login])
			if err != nil {
				return nil, err
			}
			uids[du.Login] = id
		}
	}
	return uids, nil
}

// ensureUser creates the user (password = login) or, when it exists,
// makes sure it can still log in with its demo password and groups (the
// administrator's password, and that of a user `rampart demo wipe`
// disabled, is set again).
func (s seeder) ensureUser(ctx context.Context, du DemoUser, companies []int64, partner int64) (int64, error) {
	id := s.app.Identity
	u, err := id.UserByLogin(ctx, du.Login)
	if errs.Is(err, errs.NotFound) {
		return id.CreateUser(ctx, identity.NewUser{
			Login: du.Login, Name: du.Name, Email: du.Login + "@example.com", Password: du.Login,
			Groups: du.Groups, CompanyID: companies[0], CompanyIDs: companies, PartnerID: partner,
		})
	}
	if err != nil {
		return 0, err
	}
	if err := id.AddGroups(ctx, u.ID, du.Groups...); err != nil {
		return 0, err
	}
	if !slices.Equal(u.CompanyIDs, companies) || u.CompanyID != companies[0] {
		// The bootstrap administrator starts in company 1 only; in demo
		// mode it manages both demo companies.
		if err := id.SetCompanies(ctx, u.ID, companies[0], companies); err != nil {
			return 0, err
		}
	}
	if !u.Active {
		if err := id.SetActive(ctx, u.ID, true); err != nil {
			return 0, err
		}
	}
	if du.Login == identity.AdminLogin || !u.Active {
		// The bootstrap administrator has no usable password until one is
		// set; demo mode sets the demo one.
		if err := id.SetPassword(ctx, u.ID, du.Login); err != nil {
			return 0, err
		}
	}
	return u.ID, nil
}

// demoContact returns the partner of a portal demo user: a contact of its
// customer company, created once.
func demoContact(env *orm.Env, du DemoUser) (int64, error) {
	partners, err := env.Sudo(seedSudo).Model("res.partner")
	if err != nil {
		return 0, err
	}
	mine, err := domain.FromJSON([]any{[]any{"name", "=", du.Name}})
	if err != nil {
		return 0, err
	}
	ids, err := partners.Search(mine, orm.SearchOptions{Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	customer, err := domain.FromJSON([]any{[]any{"name", "=", du.Customer}, []any{"parent_id", "=", false}})
	if err != nil {
		return 0, err
	}
	parent, err := partners.Search(customer, orm.SearchOptions{Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(parent) == 0 {
		return 0, fmt.Errorf("demo customer %q not found", du.Customer)
	}
	created, err := partners.Create([]map[string]any{{"name": du.Name, "parent_id": parent[0], "email": du.Login + "@example.com"}})
	if err != nil {
		return 0, err
	}
	return created[0], nil
}

// keys replaces the demo users' start-up keys with fresh ones (a key is
// shown only once, so the old ones could not be printed again) and prints
// them on the console — never into the log, which may be shipped
// elsewhere.
func (s seeder) keys(ctx context.Context, uids map[string]int64, console io.Writer) (map[string]string, error) {
	a := s.app
	out := map[string]string{}
	logins := make([]string, 0, len(uids))
	for l := range uids {
		logins = append(logins, l)
	}
	sort.Strings(logins)
	var lines []string
	for _, login := range logins {
		uid := uids[login]
		keys, err := a.Identity.ListAPIKeys(ctx, uid)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.Name == DemoKeyName && k.RevokedAt == nil {
				if err := a.Identity.RevokeAPIKey(ctx, nil, k.ID); err != nil {
					return nil, err
				}
			}
		}
		key, _, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: DemoKeyName, Scopes: []string{"rpc"}, ExpiresIn: 24 * time.Hour})
		if errs.Is(err, errs.AccessError) {
			a.Log.Warn("demo mode: no API key for this user", "login", login, "reason", errs.As(err).Message())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("demo key for %s: %w", login, err)
		}
		out[login] = key
		lines = append(lines, fmt.Sprintf("  %-6s password %-6s key %s", login, login, key))
	}
	if console != nil {
		fmt.Fprintf(console, "rampart demo mode: users and API keys (valid 24 h, replaced at each start)\n%s\n", strings.Join(lines, "\n"))
	}
	a.Log.Info("demo mode: demo users ready, their API keys printed on the console", "users", strings.Join(logins, ","))
	return out, nil
}
