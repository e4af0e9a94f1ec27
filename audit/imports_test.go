package audit_test

import (
	"go/build"
	"slices"
	"testing"
)

// Package audit is transport-free (issue 11 §4): its web adapter is
// audit/audithttp, its CLI in cmd/rampart.
func TestNoHTTPImports(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"github.com/rampart/rampart/httpd", "net/http", "flag"} {
		if slices.Contains(p.Imports, bad) {
			t.Errorf("package audit imports %s", bad)
		}
	}
}
