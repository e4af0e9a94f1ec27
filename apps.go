package rampart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
)

// appSources lists the apps to load: each configured directory (models
// from *.yaml files under models/ or at its root; security from
// security/), the demo app in demo mode, then the apps given in code.
func (a *App) appSources(o Options) []AppSource {
	var out []AppSource
	for _, dir := range a.Config.Apps {
		out = append(out, dirApp(dir))
	}
	if a.Config.Demo {
		out = append(out, SalesApp())
	}
	return append(out, o.Apps...)
}

// SalesApp is the demo sales app (examples/sales) as an app source: its
// models and its Odoo-format security files. Demo mode loads it; programs
// and benchmarks may load it without the demo users and data.
func SalesApp() AppSource {
	return AppSource{
		Module: sales.Module,
		Models: sales.Register,
		Security: func(l *access.Loader) error {
			return l.LoadFS(sales.Security(), sales.Module, "*.xml", "*.csv")
		},
	}
}

// dirApp is an app directory: DIR/models/*.yaml and DIR/security/*.{xml,csv,yaml};
// the module name is the directory's base name.
func dirApp(dir string) AppSource {
	module := filepath.Base(filepath.Clean(dir))
	return AppSource{
		Module: module,
		Models: func(r *orm.Registry) error {
			sub := filepath.Join(dir, "models")
			if _, err := os.Stat(sub); err != nil {
				return nil
			}
			return r.LoadYAML(os.DirFS(sub), ".")
		},
		Security: func(l *access.Loader) error {
			sub := filepath.Join(dir, "security")
			if _, err := os.Stat(sub); err != nil {
				return nil
			}
			return l.LoadFS(os.DirFS(sub), module, "*.xml", "*.csv", "*.yaml")
		},
	}
}

// demoSudo is the reason recorded for the demo set-up's sudo work.
const demoSudo = "demo mode: creating the demo users and data"

// loadDemo creates the demo companies, users (password = login, allowed
// only in demo mode), data, and one fresh API key per demo user, printed
// at start-up. It is idempotent: a second start reuses users and data.
func (a *App) loadDemo(ctx context.Context) error {
	admin, err := a.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		return err
	}
	p, err := a.Identity.Principal(ctx, admin.ID)
	if err != nil {
		return err
	}
	// Each step is its own transaction: identity writes users in its own
	// transactions, and SQLite has one writer, so an Env holding the write
	// transaction while identity writes would wait on itself.
	inEnv := func(fn func(env *orm.Env) error) (err error) {
		env := orm.NewEnv(ctx, a.Registry, a.DB, p, orm.EnvOptions{RequestID: "demo", Route: "demo"})
		defer func() {
			if ferr := env.Finish(err); err == nil {
				err = ferr
			}
		}()
		return fn(env)
	}
	var companies []int64
	if err := inEnv(func(env *orm.Env) (err error) {
		companies, err = sales.EnsureCompanies(env)
		return err
	}); err != nil {
		return err
	}
	// Alice sells for the first company, Bob manages both; the second
	// company gets its own salesman so that both have orders.
	users := append(sales.DemoUsers(), sales.DemoUser{Login: "dave", Name: "Dave Salesman", Groups: []string{sales.GroupSalesman}})
	companyOf := map[string][]int64{
		"admin": companies, "alice": companies[:1], "bob": companies, "carol": companies[:1], "dave": companies[1:],
	}
	uids := map[string]int64{}
	for _, du := range users {
		if du.Customer != "" {
			continue // portal users need the customers: after the data
		}
		id, err := a.ensureDemoUser(ctx, du, companyOf[du.Login], 0)
		if err != nil {
			return err
		}
		uids[du.Login] = id
	}
	partners := map[string]int64{}
	if err := inEnv(func(env *orm.Env) error {
		demo, err := sales.LoadDemo(env, sales.DemoOptions{Salespeople: []sales.Salesperson{
			{UserID: uids["alice"], CompanyID: companies[0]},
			{UserID: uids["bob"], CompanyID: companies[0]},
			{UserID: uids["dave"], CompanyID: companies[1]},
		}})
		if err != nil {
			return err
		}
		if demo.AlreadyLoaded {
			a.Log.Info("demo data already loaded")
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
		return err
	}
	for _, du := range users {
		if du.Customer != "" {
			id, err := a.ensureDemoUser(ctx, du, companyOf[du.Login], partners[du.Login])
			if err != nil {
				return err
			}
			uids[du.Login] = id
		}
	}
	return a.demoKeys(ctx, uids)
}

// ensureDemoUser creates the user (password = login) or, when it exists,
// makes sure it can still log in with its demo password and groups.
func (a *App) ensureDemoUser(ctx context.Context, du sales.DemoUser, companies []int64, partner int64) (int64, error) {
	if u, err := a.Identity.UserByLogin(ctx, du.Login); err == nil {
		if err := a.Identity.AddGroups(ctx, u.ID, du.Groups...); err != nil {
			return 0, err
		}
		if !slices.Equal(u.CompanyIDs, companies) || u.CompanyID != companies[0] {
			// The bootstrap administrator starts in company 1 only; in demo
			// mode it manages both demo companies.
			if err := a.Identity.SetCompanies(ctx, u.ID, companies[0], companies); err != nil {
				return 0, err
			}
		}
		if du.Login == "admin" {
			// The bootstrap administrator has no usable password until one
			// is set; demo mode sets the demo one.
			if err := a.Identity.SetPassword(ctx, u.ID, du.Login); err != nil {
				return 0, err
			}
		}
		return u.ID, nil
	}
	return a.Identity.CreateUser(ctx, identity.NewUser{
		Login: du.Login, Name: du.Name, Email: du.Login + "@example.com", Password: du.Login,
		Groups: du.Groups, CompanyID: companies[0], CompanyIDs: companies, PartnerID: partner,
	})
}

// demoContact returns the partner of a portal demo user: a contact of its
// customer company, created once.
func demoContact(env *orm.Env, du sales.DemoUser) (int64, error) {
	partners, err := env.Sudo(demoSudo).Model("res.partner")
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

// demoKeys replaces the demo users' start-up keys with fresh ones (a key is
// shown only once, so the old ones could not be printed again) and prints
// them on the console (Options.Stdout) — never into the log, which may be
// shipped elsewhere.
func (a *App) demoKeys(ctx context.Context, uids map[string]int64) error {
	a.DemoKeys = map[string]string{}
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
			return err
		}
		for _, k := range keys {
			if k.Name == demoKeyName && k.RevokedAt == nil {
				if err := a.Identity.RevokeAPIKey(ctx, nil, k.ID); err != nil {
					return err
				}
			}
		}
		key, _, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: demoKeyName, Scopes: []string{"rpc"}, ExpiresIn: 24 * time.Hour})
		if errs.Is(err, errs.AccessError) {
			a.Log.Warn("demo mode: no API key for this user", "login", login, "reason", errs.As(err).Message())
			continue
		}
		if err != nil {
			return fmt.Errorf("demo key for %s: %w", login, err)
		}
		a.DemoKeys[login] = key
		lines = append(lines, fmt.Sprintf("  %-6s password %-6s key %s", login, login, key))
	}
	if a.stdout != nil {
		fmt.Fprintf(a.stdout, "rampart demo mode: users and API keys (valid 24 h, replaced at each start)\n%s\n", strings.Join(lines, "\n"))
	}
	a.Log.Info("demo mode: demo users ready, their API keys printed on the console", "users", strings.Join(logins, ","))
	return nil
}

const demoKeyName = "demo start-up key"

// ensureCompany creates the main company when there is none: users belong
// to a company (identity defaults them to id 1), and the company rules of
// every app need one. Odoo ships "YourCompany" the same way.
func (a *App) ensureCompany(ctx context.Context) (err error) {
	admin, err := a.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		return err
	}
	p, err := a.Identity.Principal(ctx, admin.ID)
	if err != nil {
		return err
	}
	env := orm.NewEnv(ctx, a.Registry, a.DB, p, orm.EnvOptions{RequestID: "bootstrap", Route: "bootstrap"})
	defer func() {
		if ferr := env.Finish(err); err == nil {
			err = ferr
		}
	}()
	companies, err := env.Sudo("bootstrap: every server needs a main company").Model("res.company")
	if err != nil {
		return err
	}
	n, err := companies.SearchCount(nil, 1)
	if err != nil || n > 0 {
		return err
	}
	_, err = companies.Create([]map[string]any{{"name": "My Company"}})
	return err
}
