package identity_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store/storetest"
)

func TestCLI(t *testing.T) {
	ctx := context.Background()
	env := identitytest.New(t, storetest.SQLite(t))
	run := func(cmd func(context.Context, *identity.Service, []string, io.Reader, io.Writer, io.Writer) error, stdin string, args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := cmd(ctx, env.Service, args, strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), err
	}
	users, keys := identity.UsersCommand, identity.KeysCommand

	if _, _, err := run(users, "s3cret-password\n", "create", "--login", "carol", "--group", "base.group_user", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.CheckPassword(ctx, identity.Credential{Login: "carol", Password: "s3cret-password", Interactive: true}); err != nil {
		t.Fatalf("password from stdin: %v", err)
	}
	out, _, err := run(users, "", "list")
	if err != nil || !strings.Contains(out, "carol") || strings.Contains(out, "s3cret") {
		t.Fatalf("list: %q %v", out, err)
	}
	if _, _, err := run(users, "", "passwd", "carol"); err == nil {
		t.Fatal("passwd without --password-stdin accepted")
	}
	if _, _, err := run(users, "another-password\n", "passwd", "carol", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(users, "short\n", "passwd", "--password-stdin", "carol"); err == nil {
		t.Fatal("short password accepted")
	}
	out, _, err = run(users, "", "groups", "carol", "--add", "base.group_system")
	if err != nil || !strings.Contains(out, "base.group_erp_manager") {
		t.Fatalf("groups: %q %v", out, err)
	}
	if _, _, err := run(users, "", "groups", "carol", "--remove", "base.group_system"); err != nil {
		t.Fatal(err)
	}

	// keys create prints the key alone on stdout.
	out, errOut, err := run(keys, "", "create", "--user", "carol", "--name", "ci", "--scope", "read", "--expires-in", "30d")
	key := strings.TrimSpace(out)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(key, "rp_") || strings.Contains(errOut, key) {
		t.Fatalf("keys create: %q %q %v", out, errOut, err)
	}
	p, err := env.VerifyAPIKey(ctx, key, identitytest.Request(nil, "GET", "/").Client)
	if err != nil || p.Scopes[0] != "read" {
		t.Fatalf("created key: %+v %v", p, err)
	}
	if _, _, err := run(keys, "", "create", "--user", "carol", "--name", "ci", "--expires-in", "never"); err == nil {
		t.Fatal("persistent key for a non-admin")
	}
	if _, _, err := run(keys, "", "create", "--user", "admin", "--name", "ops", "--expires-in", "never"); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(keys, "", "list", "--user", "carol")
	if err != nil || !strings.Contains(out, key[:11]) || strings.Contains(out, key) {
		t.Fatalf("keys list: %q %v", out, err)
	}
	if _, _, err := run(keys, "", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.VerifyAPIKey(ctx, key, identitytest.Request(nil, "GET", "/").Client); err == nil {
		t.Fatal("revoked key still valid")
	}
	if _, _, err := run(users, "", "disable", "carol"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"bogus"}, {"create"}, {"passwd"}, {"disable", "a", "b"}} {
		if _, _, err := run(users, "", args...); err == nil {
			t.Errorf("users %v accepted", args)
		}
	}
}
