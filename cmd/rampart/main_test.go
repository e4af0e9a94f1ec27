package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cli runs the command in-process with its own streams and environment.
func cli(t *testing.T, environ []string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, environ: environ}
	err = run(context.Background(), env, args)
	return out.String(), errOut.String(), err
}

func TestCLI(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data

	// routes: every built-in route with its security attributes.
	out, _, err := cli(t, nil, "", "routes", d, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var routes []map[string]any
	if err := json.Unmarshal([]byte(out), &routes); err != nil {
		t.Fatalf("routes --json: %v\n%s", err, out)
	}
	seen := map[string]map[string]any{} // "METHOD path"
	for _, r := range routes {
		for _, m := range r["methods"].([]any) {
			seen[m.(string)+" "+r["path"].(string)] = r
		}
	}
	if r := seen["POST /json/2/{model}/{method}"]; r == nil || r["auth"] != "bearer" || r["type"] != "json2" || r["scope"] != "rpc" {
		t.Errorf("JSON-2 route: %v", r)
	}
	if r := seen["GET /web/health"]; r == nil || r["auth"] != "none" {
		t.Errorf("health route: %v", r)
	}
	if r := seen["POST /web/login"]; r == nil || r["csrf"] != true {
		t.Errorf("login form route: %v", r)
	}
	for _, k := range []string{"POST /web/login", "POST /rampart/auth/login", "POST /web/session/authenticate", "POST /rampart/auth/keys/create"} {
		if r := seen[k]; r == nil || r["rate_limit"] != "login_ip" {
			t.Errorf("%s takes a password but is not under the login_ip budget: %v", k, r)
		}
	}

	// users and keys: the key alone on stdout, usable by scripts.
	if _, errOut, err := cli(t, nil, "s3cret-passw0rd\n", "users", d, "create", "--login", "ci-bot", "--password-stdin"); err != nil {
		t.Fatalf("users create: %v\n%s", err, errOut)
	}
	out, errOut, err := cli(t, nil, "", "keys", d, "create", "--user", "ci-bot", "--name", "deploy", "--expires-in", "24h")
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut)
	}
	if !regexp.MustCompile(`^rp_[a-z0-9]{40}\n$`).MatchString(out) {
		t.Errorf("keys create stdout %q: want the key alone", out)
	}
	key := strings.TrimSpace(out)
	if strings.Contains(errOut, key) {
		t.Error("the key was also written to stderr")
	}
	out, _, err = cli(t, nil, "", "keys", d, "list")
	if err != nil || !strings.Contains(out, "deploy") || strings.Contains(out, key) {
		t.Errorf("keys list shows the key or misses it: %v\n%s", err, out)
	}
	// A key longer than the group's cap is refused.
	if _, _, err := cli(t, nil, "", "keys", d, "create", "--user", "ci-bot", "--name", "long", "--expires-in", "2400h"); err == nil {
		t.Error("a 100-day key for an internal user was accepted")
	}

	// Strict configuration: unknown keys, variables and values stop it.
	cfg := filepath.Join(t.TempDir(), "rampart.yaml")
	os.WriteFile(cfg, []byte("http:\n  adress: 0.0.0.0:80\n"), 0o600)
	if _, _, err := cli(t, nil, "", "routes", d, "--config", cfg); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("unknown config key: %v", err)
	}
	if _, _, err := cli(t, []string{"RAMPART_HTTP_ADRES=x"}, "", "routes", d); err == nil || !strings.Contains(err.Error(), "RAMPART_HTTP_ADRES") {
		t.Errorf("unknown variable: %v", err)
	}
	if _, _, err := cli(t, nil, "", "serve", d, "--addr", "0.0.0.0:8069"); err == nil || !strings.Contains(err.Error(), "tls.mode") {
		t.Errorf("plain HTTP on a public address in production: %v", err)
	}
	if _, _, err := cli(t, nil, "", "frobnicate"); err == nil {
		t.Error("unknown command accepted")
	}
}
