package rampart_test

import (
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
)

// demo is a live server serving the demo app (package rampartest).
type demo struct {
	app *rampartest.App
	url string
}

// startDemo serves the demo app on a loopback listener, as `rampart serve
// --demo` does, with extra routes registered first.
func startDemo(t *testing.T, routes ...*rampart.Route) demo {
	t.Helper()
	return startDemoOn(t, "", routes...)
}

// startDemoOn is startDemo on the database at dbURL ("" for SQLite in a
// temporary directory).
func startDemoOn(t *testing.T, dbURL string, routes ...*rampart.Route) demo {
	t.Helper()
	a := rampartest.Demo(t, rampartest.Options{Routes: routes, Config: func(c *config.Config) { c.DB = dbURL }})
	return demo{app: a, url: a.URL}
}

// adminEnv is a read-only Env of the demo administrator, for fixtures.
func (d demo) adminEnv(t *testing.T) *orm.Env { return d.app.Env(t, rampartest.Admin) }

// find returns the first id (by id) of model matching the JSON domain d.
func find(t *testing.T, env *orm.Env, model string, d []any) int64 {
	t.Helper()
	dom, err := domain.FromJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.Model(model)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.Search(dom, orm.SearchOptions{Limit: 1, Order: "id"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("no %s matching %v: %v", model, d, err)
	}
	return ids[0]
}
