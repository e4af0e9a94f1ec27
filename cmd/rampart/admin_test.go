package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/config"
)

// openData opens the data dir as the CLI does, for checking what the
// commands did.
func openData(t *testing.T, dir string) *rampart.App {
	t.Helper()
	c := config.Default()
	c.Data = dir
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// The users and keys commands (formerly identity's CLI tests, same
// assertions, now through the command line).
func TestUsersAndKeysCommands(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	run := func(stdin string, args ...string) (string, string, error) {
		return cli(t, nil, stdin, append(args, d)...)
	}
	if _, errOut, err := run("s3cret-password\n", "users", "create", "--login", "carol", "--group", "base.group_user", "--password-stdin"); err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	app := openData(t, dir)
	ctx := context.Background()
	if _, err := app.Identity.LoginRPC(ctx, "carol", "s3cret-password", netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatalf("password from stdin: %v", err)
	}
	out, _, err := run("", "users", "list")
	if err != nil || !strings.Contains(out, "carol") || strings.Contains(out, "s3cret") {
		t.Fatalf("list: %q %v", out, err)
	}
	if _, _, err := run("", "users", "passwd", "carol"); err == nil {
		t.Fatal("passwd without --password-stdin accepted")
	}
	if _, _, err := run("another-password\n", "users", "passwd", "carol", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("short\n", "users", "passwd", "--password-stdin", "carol"); err == nil {
		t.Fatal("short password accepted")
	}
	out, _, err = run("", "users", "groups", "carol", "--add", "base.group_system")
	if err != nil || !strings.Contains(out, "base.group_erp_manager") {
		t.Fatalf("groups: %q %v", out, err)
	}
	if _, _, err := run("", "users", "groups", "carol", "--remove", "base.group_system"); err != nil {
		t.Fatal(err)
	}

	// keys create prints the key alone on stdout.
	out, errOut, err := run("", "keys", "create", "--user", "carol", "--name", "ci", "--scope", "read", "--expires-in", "30d")
	key := strings.TrimSpace(out)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(key, "rp_") || strings.Contains(errOut, key) {
		t.Fatalf("keys create: %q %q %v", out, errOut, err)
	}
	p, err := app.Identity.VerifyAPIKey(ctx, key, netip.MustParseAddr("127.0.0.1"))
	if err != nil || p.Scopes[0] != "read" {
		t.Fatalf("created key: %+v %v", p, err)
	}
	if _, _, err := run("", "keys", "create", "--user", "carol", "--name", "ci", "--expires-in", "never"); err == nil {
		t.Fatal("persistent key for a non-admin")
	}
	if _, _, err := run("", "keys", "create", "--user", "admin", "--name", "ops", "--expires-in", "never"); err != nil {
		t.Fatal(err)
	}
	out, _, err = run("", "keys", "list", "--user", "carol")
	if err != nil || !strings.Contains(out, key[:11]) || strings.Contains(out, key) || !strings.Contains(out, "active") {
		t.Fatalf("keys list: %q %v", out, err)
	}
	if _, _, err := run("", "keys", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	// The revocation reaches the other App once its credential cache
	// entry is gone: check on a fresh one.
	if _, err := openData(t, dir).Identity.VerifyAPIKey(ctx, key, netip.MustParseAddr("127.0.0.1")); err == nil {
		t.Fatal("revoked key still valid")
	}
	if out, _, _ := run("", "keys", "list", "--user", "carol"); !strings.Contains(out, "revoked") {
		t.Errorf("keys list after revoke: %q", out)
	}
	if _, _, err := run("", "users", "disable", "carol"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"users"}, {"users", "bogus"}, {"users", "create"}, {"users", "passwd"}, {"users", "disable", "a", "b"},
		{"keys", "create", "--user", "carol"}, {"keys", "revoke", "x"}, {"keys", "create", "--user", "admin", "--name", "x", "--expires-in", "soon"}} {
		if _, _, err := run("", args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// The audit commands (formerly audit's CLI test, same assertions) and
// the access explain command line.
func TestAuditAndExplainCommands(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	app := openData(t, dir)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, e := range []audit.Entry{
		{Time: at, UserID: 2, Login: "alice", Op: audit.OpWrite, Model: "sale.order", IDs: []int64{7}, Fields: []string{"note"}, RequestID: "r1"},
		{Time: at.Add(time.Minute), UserID: 2, Login: "alice", Op: audit.OpDenied, Model: "sale.order", IDs: []int64{9}, Detail: "write: Record does not exist"},
		{Time: at.Add(2 * time.Minute), UserID: 3, Op: audit.OpSudo, Model: "res.partner", Reason: "signup", ClientIP: "192.0.2.1"},
	} {
		if err := app.Audit.Write(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		out, _, err := cli(t, nil, "", append(args, d)...)
		return out, err
	}
	out, err := run("audit", "tail", "-n", "2")
	if err != nil || strings.Count(out, "\n") != 3 || !strings.Contains(out, "sudo: signup") || strings.Contains(out, "r1") {
		t.Errorf("tail -n 2:\n%s (%v)", out, err)
	}
	out, err = run("audit", "search", "--op", "denied", "--json")
	var e audit.Entry
	if err != nil || json.Unmarshal([]byte(out), &e) != nil || e.Op != audit.OpDenied || e.IDs[0] != 9 {
		t.Errorf("search --op denied --json: %q (%v)", out, err)
	}
	out, _ = run("audit", "search", "--since", "2026-03-01T12:00:30Z", "--until", "2026-03-01T12:01:30Z")
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "denied") {
		t.Errorf("search --since/--until:\n%s", out)
	}
	for _, bad := range [][]string{{"audit"}, {"audit", "drop"}, {"audit", "search", "--op", "nuke"}, {"audit", "search", "--since", "yesterday"}, {"audit", "tail", "extra"},
		{"access", "explain", "--model", "res.partner"}, {"access", "explain", "--user", "admin"}, {"access", "explain", "--user", "admin", "--model", "res.partner", "--companies", "x"},
		{"access", "explain", "--user", "nobody", "--model", "res.partner"}} {
		if _, err := run(bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	out, err = run("access", "explain", "--user", "admin", "--model", "res.partner", "--op", "write", "--json")
	var x map[string]any
	if err != nil || json.Unmarshal([]byte(out), &x) != nil || x["allowed"] != true {
		t.Errorf("explain admin write res.partner (base security): %s %v", out, err)
	}
}
