package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
)

// Every command line the README shows, run as written against a demo
// database (with --data appended: the README's default directories are
// relative to where it runs), with the shared flags after the command
// words. A README command without a case here fails the test.
func TestREADMECommands(t *testing.T) {
	dir := t.TempDir()
	demo := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.Data = dir }})
	orderID := func() string {
		var id string
		demo.WithSudo(t, func(env *ormEnv) { id = itoa(firstID(t, env, "sale.order")) })
		return id
	}()
	d := "--data=" + dir
	cases := []struct {
		line  string // as the README shows it
		args  []string
		stdin string
		out   string // regexp stdout must match
	}{
		{line: "rampart keys create --demo --user alice --name try-it", args: []string{"keys", "create", "--demo", "--user", "alice", "--name", "try-it", d}, out: `^rp_[a-z0-9]{40}\n$`},
		{line: "rampart access explain --demo --user alice --model sale.order --op write --id 5", args: []string{"access", "explain", "--demo", "--user", "alice", "--model", "sale.order", "--op", "write", "--id", orderID, d}, out: `sale.order`},
		{line: "rampart routes", args: []string{"routes", "--demo", d}, out: `/json/2/`},
		{line: "rampart routes --json", args: []string{"routes", "--json", d}, out: `^\[`},
		{line: "rampart openapi", args: []string{"openapi", "--demo", "--user", "alice", d}, out: `"openapi": "3.1.0"`},
		{line: "rampart users create", args: []string{"users", "create", "--login", "erin", "--group", "base.group_user", "--password-stdin", d}, stdin: "erin's long passphrase\n", out: `created user \d+ erin`},
		{line: "rampart users list", args: []string{"users", "list", d}, out: `erin`},
		{line: "rampart users passwd --password-stdin admin", args: []string{"users", "passwd", "--password-stdin", "admin", "--demo", d}, stdin: "a long passphrase\n", out: `password changed for admin`},
		{line: "rampart users disable", args: []string{"users", "disable", "erin", d}, out: `disabled erin`},
		{line: "rampart users enable", args: []string{"users", "enable", "erin", d}, out: `enabled erin`},
		{line: "rampart users groups", args: []string{"users", "groups", "erin", "--add", "base.group_system", d}, out: `base.group_erp_manager`},
		{line: "rampart keys list", args: []string{"keys", "list", "--user", "alice", d}, out: `try-it`},
		{line: "rampart keys revoke", args: []string{"keys", "revoke", "1", d}, out: `revoked key 1`},
		{line: "rampart audit tail", args: []string{"audit", "tail", "-n", "3", d}, out: `ID\s+TIME`},
		{line: "rampart audit search", args: []string{"audit", "search", "--login", "admin", "--json", "--limit", "2", d}, out: `"op"`},
		{line: "rampart lint --demo", args: []string{"lint", "--demo", d}, out: `\d+ high, \d+ medium, \d+ low, \d+ info; \d+ ignored\n$`},
		{line: "rampart version", args: []string{"version"}, out: `^rampart .* go1\.`},
		{line: "rampart demo wipe", args: []string{"demo", "wipe", d}, out: `wiped the demo credentials of .*alice`},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		out, errOut, err := cli(t, nil, c.stdin, c.args...)
		if err != nil {
			t.Errorf("%s: %v\n%s", c.line, err, errOut)
			continue
		}
		if !regexp.MustCompile(c.out).MatchString(out) {
			t.Errorf("%s: stdout %q does not match %q", c.line, out, c.out)
		}
		covered[commandWords(c.line)] = true
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range regexp.MustCompile(`(?:rampart|go run \./cmd/rampart) +([a-z]+)(?: +([a-z]+))?`).FindAllStringSubmatch(string(readme), -1) {
		key := l[1]
		if isSubcommand(l[1], l[2]) {
			key += " " + l[2]
		} else if n := commandTree().child(l[1]); n == nil || n.run == nil {
			continue // prose, or a group shown for its --help
		}
		if !covered[key] && key != "serve" {
			t.Errorf("the README shows `rampart %s` but no case runs it", key)
		}
	}
}

func commandWords(line string) string {
	w := strings.Fields(strings.TrimPrefix(line, "rampart "))
	if len(w) > 1 && isSubcommand(w[0], w[1]) {
		return w[0] + " " + w[1]
	}
	return w[0]
}

func isSubcommand(g, w string) bool {
	n := commandTree().child(g)
	return n != nil && n.child(w) != nil
}

// --help works at every level, exits 0 and lists only relevant flags; a
// bad command line exits 2.
func TestHelpAndExitCodes(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		has, lacks string
	}{
		{args: []string{"--help"}, code: 0, has: "commands:"},
		{args: []string{"help"}, code: 0, has: "commands:"},
		{args: []string{"keys", "--help"}, code: 0, has: "create"},
		{args: []string{"keys", "create", "--help"}, code: 0, has: "-data", lacks: "-addr"},
		{args: []string{"keys", "create", "--user", "x", "-h"}, code: 0, has: "-expires-in"},
		{args: []string{"access", "explain", "--help"}, code: 0, has: "-companies", lacks: "-addr"},
		{args: []string{"audit", "tail", "--help"}, code: 0, has: "-n", lacks: "-addr"},
		{args: []string{"serve", "--help"}, code: 0, has: `README.md, section "Configuration"`},
		{args: []string{"version", "--help"}, code: 0, lacks: "-data"},
		{args: []string{}, code: 2, has: "commands:"},
		{args: []string{"keys"}, code: 2, has: "create"},
		{args: []string{"keys", "frob"}, code: 2},
		{args: []string{"keys", "create", "--frob"}, code: 2},
		{args: []string{"users", "passwd"}, code: 2},
	} {
		var out, errOut bytes.Buffer
		env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
		code := exitCode(run(context.Background(), env, c.args), io.Discard)
		all := out.String() + errOut.String()
		if code != c.code || !strings.Contains(all, c.has) || (c.lacks != "" && strings.Contains(all, c.lacks)) {
			t.Errorf("%q: exit %d (want %d), output:\n%s", c.args, code, c.code, all)
		}
	}
}

type ormEnv = orm.Env

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// firstID is the smallest id of model.
func firstID(t *testing.T, env *orm.Env, model string) int64 {
	t.Helper()
	m, err := env.Model(model)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.Search(nil, orm.SearchOptions{Limit: 1, Order: "id"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("no %s: %v", model, err)
	}
	return ids[0]
}
