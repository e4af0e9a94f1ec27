package main

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/identity"
)

// cliUser creates a user with a password through the CLI.
func cliUser(t *testing.T, dir, login string) {
	t.Helper()
	if _, errOut, err := cli(t, nil, "s3cret-password\n", "users", "create", "--login", login, "--group", "base.group_user", "--password-stdin", "--data="+dir); err != nil {
		t.Fatalf("create %s: %v %s", login, err, errOut)
	}
}

// entriesOf reads the trail of a fresh App on dir (the CLI's entries are
// flushed when it closes).
func entriesOf(t *testing.T, dir, login string, op audit.Op) []audit.Entry {
	t.Helper()
	es, err := openData(t, dir).Audit.Search(context.Background(), audit.Filter{Login: login, Op: op, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestUsersDisableEnableAudited: `rampart users disable/enable` write the
// same user_disabled / user_enabled entries as the console and the admin
// API (no administrator behind them: the detail says it came from the
// CLI), and keep their
// refusal of the built-in users, which changes and records nothing.
func TestUsersDisableEnableAudited(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	cliUser(t, dir, "dave")
	for _, c := range []struct {
		args   []string
		active bool
		op     audit.Op
		n      int
	}{
		{[]string{"users", "disable", "dave"}, false, "user_disabled", 1},
		{[]string{"users", "enable", "dave"}, true, "user_enabled", 1},
		{[]string{"users", "disable", "dave"}, false, "user_disabled", 2},
	} {
		if _, errOut, err := cli(t, nil, "", append(c.args, d)...); err != nil {
			t.Fatalf("%v: %v %s", c.args, err, errOut)
		}
		app := openData(t, dir)
		u, err := app.Identity.UserByLogin(context.Background(), "dave")
		if err != nil || u.Active != c.active {
			t.Fatalf("%v: dave %+v %v", c.args, u, err)
		}
		es := entriesOf(t, dir, "dave", c.op)
		if len(es) != c.n || es[0].UserID != u.ID || es[0].RealUserID != u.ID || !strings.Contains(es[0].Detail, "CLI") {
			t.Fatalf("%v: %s entries %+v, want %d", c.args, c.op, es, c.n)
		}
	}
	if _, _, err := cli(t, nil, "", "users", "disable", identity.PublicLogin, d); err == nil || !strings.Contains(err.Error(), "built-in") {
		t.Fatalf("disable %s: %v", identity.PublicLogin, err)
	}
	if es := entriesOf(t, dir, identity.PublicLogin, "user_disabled"); len(es) != 0 {
		t.Fatalf("refusal recorded: %+v", es)
	}
}
