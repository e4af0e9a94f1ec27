package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenAPICommand: `rampart openapi --demo` needs no database (a
// throwaway one, nothing created in --data) and prints the document the
// apidoc golden file pins, byte for byte: the CLI and the server build it
// from the same routes and models. --out writes the same bytes. --user
// needs the real database: refused without one; on one, the user's view
// is narrower than the whole API.
func TestOpenAPICommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, errOut, err := cli(t, nil, "", "openapi", "--demo", "--data", dir)
	if err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("openapi created the data dir: %v", err)
	}
	golden, err := os.ReadFile(filepath.Join("..", "..", "apidoc", "testdata", "openapi.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(golden) {
		t.Errorf("rampart openapi --demo differs from apidoc's golden document (%d vs %d bytes)", len(out), len(golden))
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if _, errOut, err := cli(t, nil, "", "openapi", "--demo", "--data", dir, "--out", file); err != nil {
		t.Fatalf("--out: %v %s", err, errOut)
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, golden) {
		t.Errorf("--out wrote other bytes than stdout")
	}
	if _, _, err := cli(t, nil, "", "openapi", "--user", "admin", "--data", dir); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("--user without a database: %v", err)
	}

	// A real database (created by an administration command): the
	// administrator's view lists the users' administration, a new
	// internal user's does not.
	real := t.TempDir()
	if _, errOut, err := cli(t, nil, "x-password-123\n", "users", "create", "--login", "erin", "--group", "base.group_user", "--password-stdin", "--data", real); err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	paths := func(login string) map[string]any {
		out, errOut, err := cli(t, nil, "", "openapi", "--user", login, "--data", real)
		if err != nil {
			t.Fatalf("openapi --user %s: %v %s", login, err, errOut)
		}
		var d struct {
			Info  struct{ Description string } `json:"info"`
			Paths map[string]any               `json:"paths"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Info.Description, `"`+login+`"`) {
			t.Errorf("%s: description %q", login, d.Info.Description)
		}
		return d.Paths
	}
	admin, erin := paths("admin"), paths("erin")
	if admin["/json/2/ir.model/search_read"] == nil || erin["/json/2/ir.model/search_read"] != nil {
		t.Errorf("ir.model.search_read: admin %v, erin %v", admin["/json/2/ir.model/search_read"] != nil, erin["/json/2/ir.model/search_read"] != nil)
	}
	if erin["/json/2/res.partner/search_read"] == nil || erin["/json/2/res.partner/unlink"] != nil {
		t.Errorf("erin's res.partner methods wrong")
	}
	if _, _, err := cli(t, nil, "", "openapi", "--user", "nobody", "--data", real); err == nil {
		t.Errorf("an unknown user was accepted")
	}
}
