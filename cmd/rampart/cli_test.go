package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/rampartest"
)

// Read-only commands never create a data directory.
func TestRoutesCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	for _, args := range [][]string{
		{"routes", "--data", dir},
		{"routes", "--json", "--data", dir},
		{"routes", "--demo", "--json", "--data", dir},
	} {
		out, errOut, err := cli(t, nil, "", args...)
		if err != nil {
			t.Fatalf("%q: %v\n%s", args, err, errOut)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%q created %s", args, dir)
		}
		if strings.Contains(strings.Join(args, " "), "--json") && !json.Valid([]byte(out)) {
			t.Errorf("%q: stdout is not JSON:\n%s", args, out)
		}
		if regexp.MustCompile(`rp_[a-z0-9]{20}|password (admin|alice)`).MatchString(out + errOut) {
			t.Errorf("%q printed credentials:\n%s\n%s", args, out, errOut)
		}
	}
}

// routes, access explain and audit tail/search never write to the
// database: its file is byte for byte the same afterwards.
func TestReadOnlyCommandsDoNotWrite(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	if _, errOut, err := cli(t, nil, "s3cret-passw0rd\n", "users", "create", "--login", "ci-bot", "--password-stdin", d); err != nil {
		t.Fatalf("users create: %v\n%s", err, errOut)
	}
	sum := func() [32]byte { return fileSum(t, filepath.Join(dir, "rampart.db")) }
	before := sum()
	for _, args := range [][]string{
		{"routes", d},
		{"routes", "--json", d},
		{"access", "explain", "--user", "ci-bot", "--model", "res.partner", "--op", "read", d},
		{"audit", "tail", d},
		{"audit", "search", "--login", "ci-bot", d},
	} {
		if _, errOut, err := cli(t, nil, "", args...); err != nil {
			t.Errorf("%q: %v\n%s", args, err, errOut)
		}
		if sum() != before {
			t.Fatalf("%q changed the database file", args)
		}
	}
}

// On a demo database, the read-only commands with --demo neither rotate
// the demo keys (routes --demo once did, printing every password and key
// above the table) nor write anything else.
func TestReadOnlyCommandsOnADemoDatabase(t *testing.T) {
	dir := t.TempDir()
	demo := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.Data = dir }})
	key := demo.DemoKeys[rampartest.Alice]
	demo.Close() // its last connection checkpoints the WAL into the file
	sum := func() [32]byte { return fileSum(t, filepath.Join(dir, "rampart.db")) }
	before := sum()
	d := "--data=" + dir
	for _, args := range [][]string{
		{"routes", "--demo", d},
		{"routes", "--demo", "--json", d},
		{"access", "explain", "--demo", "--user", "alice", "--model", "sale.order", d},
		{"audit", "tail", "--demo", d},
	} {
		out, errOut, err := cli(t, nil, "", args...)
		if err != nil {
			t.Errorf("%q: %v\n%s", args, err, errOut)
		}
		if regexp.MustCompile(`rp_[a-z0-9]{20}|password (admin|alice)`).MatchString(out + errOut) {
			t.Errorf("%q printed credentials", args)
		}
		if sum() != before {
			t.Fatalf("%q changed the database file", args)
		}
	}
	app := openDemoData(t, dir)
	if _, err := app.Identity.VerifyAPIKey(context.Background(), key, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("alice's demo key no longer works after the read-only commands: %v", err)
	}
}

func openDemoData(t *testing.T, dir string) *rampart.App {
	t.Helper()
	c := config.Default()
	c.Data, c.Demo = dir, true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.Open(context.Background(), c, slog.New(slog.DiscardHandler), rampart.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// fileSum is the SHA-256 of a file's bytes.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
