package rampart_test

import (
	"os"
	"regexp"
	"testing"
)

// allowedDeps are the direct dependencies, each chosen on purpose: a new
// one must be added here, with its reason, in the same change.
var allowedDeps = map[string]string{
	"github.com/chromedp/chromedp":        "tests only: drives headless Chromium for the console's browser tests (internal/browsertest)",
	"github.com/piglig/go-qr":             "the console's 2FA enrolment QR code, drawn as server-side SVG (no dependencies, Reed-Solomon done right)",
	"github.com/jackc/pgx/v5":             "PostgreSQL driver",
	"github.com/prometheus/client_golang": "metrics",
	"github.com/redis/go-redis/v9":        "shared rate limits and login failures",
	"go.yaml.in/yaml/v3":                  "config and model files",
	"golang.org/x/crypto":                 "argon2id, pbkdf2, ACME",
	"modernc.org/sqlite":                  "embedded database without cgo",
}

func TestDirectDependenciesAreAllowed(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	// A require line without "// indirect", in a block or on its own.
	re := regexp.MustCompile(`(?m)^(?:require\s+|\t)([^\s()]+)\s+v\S+\s*$`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		found++
		if _, ok := allowedDeps[m[1]]; !ok {
			t.Errorf("go.mod requires %s directly: not on the allowed list (gomod_test.go); justify it there", m[1])
		}
	}
	if found == 0 {
		t.Fatal("no direct dependency found: the go.mod parser is broken")
	}
}
