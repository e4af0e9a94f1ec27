package lint

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// Gather on the demo app, on both databases: users with their creation
// dates (a TEXT on SQLite, a TIMESTAMP on PostgreSQL) and last logins,
// keys, and the sudo reasons of the audit trail reach the checks.
func TestGather(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			demo := rampartest.Demo(t, rampartest.Options{Postgres: pg})
			ctx := context.Background()
			demo.Session(t, rampartest.Alice) // a login in the trail
			if _, _, err := demo.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: demo.UID(t, rampartest.Admin), Name: "forever", NoExpiry: true}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			src := Sources{DB: demo.DB, Routes: demo.HTTP.Routes(), Registry: demo.Registry, Security: demo.Security,
				Identity: demo.Identity, Audit: demo.Audit, Now: start}
			in, err := Gather(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			users := map[string]User{}
			for _, u := range in.Users {
				users[u.Login] = u
			}
			for _, login := range []string{rampartest.Admin, rampartest.Alice, rampartest.Bob} {
				if c := users[login].Created; c.IsZero() || start.Sub(c) > time.Hour || c.Sub(start) > time.Minute {
					t.Errorf("%s created %v (now %v)", login, c, start)
				}
			}
			if seen := users[rampartest.Alice].LastSeen; start.Sub(seen) > time.Minute {
				t.Errorf("alice last seen %v after her login", seen)
			}
			found := false
			for _, r := range in.Sudo {
				found = found || r.Count > 0 && strings.Contains(r.Reason, "demo")
			}
			if !found {
				t.Errorf("no demo sudo reason counted: %+v", in.Sudo)
			}
			r, err := Check(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := only(r, CheckKeyNoExpiry); len(got) != 1 || !strings.Contains(got[0].ID, `"forever"`) {
				t.Errorf("key-no-expiry: %+v", got)
			}
			if got := only(r, CheckUserIdle); len(got) != 0 {
				t.Errorf("fresh users idle: %+v", got)
			}
			if r.Failed(High) {
				t.Errorf("the demo has unexplained high findings: %+v", r.Findings)
			}
			// Two years on, the users nobody logged in as are idle; alice
			// (logged in) is idle too by then, from her login's date.
			in.Now = start.AddDate(2, 0, 0)
			r, err = Check(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			idle := map[string]bool{}
			for _, f := range only(r, CheckUserIdle) {
				idle[f.ID] = true
			}
			if !idle[rampartest.Bob] || !idle[rampartest.Alice] || !idle[rampartest.Admin] || idle["__public__"] {
				t.Errorf("idle two years on: %v", idle)
			}
		})
	}
}
