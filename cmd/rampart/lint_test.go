package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/rampartest"
)

type lintJSON struct {
	Findings []struct {
		Check, Severity, File, ID, Message, Fix, Ignored string
		Line                                             int
	} `json:"findings"`
}

// rampart lint on the demo database: exit codes per --fail-on, JSON that
// parses, text with the summary, flag mistakes as usage errors (2).
func TestLintCLI(t *testing.T) {
	dir := t.TempDir()
	rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.Data = dir }}).Close()
	d := "--data=" + dir
	cases := []struct {
		name string
		args []string
		code int
		json bool
		out  string
	}{
		{"default fail-on high passes", []string{"lint", "--demo", d}, 0, false, "(ignored)"},
		{"json", []string{"lint", "--demo", "--format", "json", d}, 0, true, `"always-true-rule"`},
		{"fail-on medium", []string{"lint", "--demo", "--fail-on", "medium", d}, 1, false, "MEDIUM"},
		{"fail-on info, json still printed", []string{"lint", "--demo", "--fail-on=info", "--format=json", d}, 1, true, `"sudo-reasons"`},
		{"whole trail", []string{"lint", "--demo", "--sudo-days", "0", d}, 0, false, "in the whole trail"},
		{"bad format", []string{"lint", "--demo", "--format", "xml", d}, 2, false, ""},
		{"bad severity", []string{"lint", "--demo", "--fail-on", "critical", d}, 2, false, ""},
		{"bad window", []string{"lint", "--demo", "--sudo-days", "-1", d}, 2, false, ""},
		{"extra argument", []string{"lint", "--demo", "now", d}, 2, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, err := cli(t, nil, "", c.args...)
			if code := exitCode(err, io.Discard); code != c.code {
				t.Fatalf("exit %d, want %d (%v)\n%s\n%s", code, c.code, err, out, errOut)
			}
			if c.json {
				var r lintJSON
				if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Findings) == 0 {
					t.Fatalf("stdout is not the JSON report (%v):\n%s", err, out)
				}
				for _, f := range r.Findings {
					if f.Check == "" || f.Message == "" || f.Fix == "" || f.File == "" && f.ID == "" {
						t.Errorf("finding without check, place or fix: %+v", f)
					}
					if f.Severity == "high" && f.Ignored == "" {
						t.Errorf("the demo has an unexplained high finding: %+v", f)
					}
					if f.Check == "always-true-rule" && (f.Ignored == "" || f.File != "rules.xml" || f.Line == 0) {
						t.Errorf("the demo's see-all rules are not explained in rules.xml: %+v", f)
					}
				}
			}
			if !strings.Contains(out, c.out) {
				t.Errorf("stdout lacks %q:\n%s", c.out, out)
			}
		})
	}
}

// An app whose security grants portal users write: lint fails (exit 1,
// the file and line named); the same row explained by a lint:ignore
// comment passes.
func TestLintCLIHighFinding(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "shop")
	for _, sub := range []string{"models", "security"} {
		if err := os.MkdirAll(filepath.Join(app, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, s string) {
		if err := os.WriteFile(filepath.Join(app, path), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("models/shop.yaml", "models:\n  - name: shop.visit\n    fields:\n      - {name: name, type: char}\n")
	const header = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"
	const row = "access_visit_portal,visit portal,model_shop_visit,base.group_portal,1,1,1,0\n"
	write("security/ir.model.access.csv", header+row)
	cfg := filepath.Join(root, "rampart.yaml")
	if err := os.WriteFile(cfg, []byte("apps: ["+app+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--config=" + cfg, "--data=" + filepath.Join(root, "data")}
	if _, errOut, err := cli(t, nil, "", append([]string{"users", "list"}, flags...)...); err != nil {
		t.Fatalf("users list (creates the database): %v\n%s", err, errOut)
	}
	out, _, err := cli(t, nil, "", append([]string{"lint", "--format=json"}, flags...)...)
	if code := exitCode(err, io.Discard); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	var r lintJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Check == "acl-portal-write" && f.Severity == "high" && f.File == "ir.model.access.csv" && f.Line == 2 && f.ID == "shop.access_visit_portal"
	}
	if !found {
		t.Fatalf("no acl-portal-write at ir.model.access.csv:2:\n%s", out)
	}
	write("security/ir.model.access.csv", header+"# lint:ignore acl-portal-write visitors book their own visits; reviewed 2026-12\n"+row)
	out, _, err = cli(t, nil, "", append([]string{"lint"}, flags...)...)
	if code := exitCode(err, io.Discard); code != 0 || !strings.Contains(out, "accepted: visitors book their own visits") {
		t.Fatalf("explained: exit %d\n%s", code, out)
	}
}

// lint only reads: the database file is byte for byte the same after it,
// and a --data directory that does not exist is not created.
func TestLintDoesNotWrite(t *testing.T) {
	dir := t.TempDir()
	rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.Data = dir }}).Close()
	sum := func() [32]byte { return fileSum(t, filepath.Join(dir, "rampart.db")) }
	before := sum()
	for _, args := range [][]string{
		{"lint", "--demo", "--data=" + dir},
		{"lint", "--demo", "--format=json", "--fail-on=info", "--sudo-days=0", "--data=" + dir},
	} {
		if _, errOut, err := cli(t, nil, "", args...); exitCode(err, io.Discard) > 1 {
			t.Fatalf("%q: %v\n%s", args, err, errOut)
		}
		if sum() != before {
			t.Fatalf("%q changed the database file", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rampart.db-wal")); err == nil {
		if b, _ := os.ReadFile(filepath.Join(dir, "rampart.db-wal")); len(b) > 0 {
			t.Errorf("lint left a write-ahead log of %d bytes", len(b))
		}
	}
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	if _, _, err := cli(t, nil, "", "lint", "--data", nowhere); err == nil {
		t.Error("lint on a missing database succeeded")
	}
	if _, err := os.Stat(nowhere); !os.IsNotExist(err) {
		t.Fatalf("lint created %s", nowhere)
	}
}
