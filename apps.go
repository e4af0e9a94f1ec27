package rampart

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/orm"
)

// appSources lists the apps to load: the base security set, each configured directory (models
// from *.yaml files under models/ or at its root; security from
// security/), then the apps given in code (the demo app among them when
// cmd/rampart serves --demo).
func (a *App) appSources(o Options) []AppSource {
	out := []AppSource{baseSecurity()}
	for _, dir := range a.Config.Apps {
		out = append(out, dirApp(dir))
	}
	return append(out, o.Apps...)
}

// The base security set (security/ir.model.access.csv and
// security/base_security.xml, module "base"): without it a new database
// has no ACL at all and even the administrator gets AccessError on
// res.partner. It grants what Odoo's base module grants on the built-in
// models — internal and portal users read partners and companies, internal
// users read users, the Settings group manages partners and the Access
// Rights group companies — and Odoo's multi-company rule on res.users.
// Apps add their own groups, ACLs and rules on top (README: Security files).
//
//go:embed security/*.csv security/*.xml
var baseSecurityFiles embed.FS

func baseSecurity() AppSource {
	return AppSource{
		Module: "base",
		Security: func(l *access.Loader) error {
			sub, err := fs.Sub(baseSecurityFiles, "security")
			if err != nil {
				return err
			}
			return l.LoadFS(sub, "base", "*.csv", "*.xml")
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

// AsAdmin runs fn in one transaction as the administrator, committed
// when fn succeeds: for set-up work (bootstrap, demo seeding) that is not
// a request. tag names the work in the audit trail (request id and route).
// Writes on the Env need a reasoned Sudo or the administrator's rights.
func (a *App) AsAdmin(ctx context.Context, tag string, fn func(env *orm.Env) error) (err error) {
	admin, err := a.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		return err
	}
	p, err := a.Identity.Principal(ctx, admin.ID)
	if err != nil {
		return err
	}
	env := orm.NewEnv(ctx, a.Registry, a.DB, p, orm.EnvOptions{RequestID: tag, Route: tag})
	defer func() {
		if ferr := env.Finish(err); err == nil {
			err = ferr
		}
	}()
	return fn(env)
}

// ensureCompany creates the main company when there is none: users belong
// to a company (identity defaults them to id 1), and the company rules of
// every app need one. Odoo ships "YourCompany" the same way.
func (a *App) ensureCompany(ctx context.Context) error {
	return a.AsAdmin(ctx, "bootstrap", func(env *orm.Env) error {
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
	})
}
