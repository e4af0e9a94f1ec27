package rampart_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestServicesFreeOfTransport (issue 11 §4): identity, access and
// ratelimit decide, their */…http adapters speak HTTP. None of them may
// reach package httpd, directly or through another rampart package (test
// files excluded: tests may drive them through httpd).
func TestServicesFreeOfTransport(t *testing.T) {
	const mod = "github.com/rampart/rampart/"
	var reaches func(pkg string, seen map[string]bool) []string
	reaches = func(pkg string, seen map[string]bool) []string {
		if seen[pkg] {
			return nil
		}
		seen[pkg] = true
		p, err := build.ImportDir(filepath.FromSlash(strings.TrimPrefix(pkg, mod)), 0)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			if imp == mod+"httpd" || strings.HasPrefix(imp, mod+"httpd/") {
				return []string{pkg, imp}
			}
			if strings.HasPrefix(imp, mod) {
				if path := reaches(imp, seen); path != nil {
					return append([]string{pkg}, path...)
				}
			}
		}
		return nil
	}
	for _, svc := range []string{"identity", "access", "ratelimit"} {
		if path := reaches(mod+svc, map[string]bool{}); path != nil {
			t.Errorf("%s reaches the transport: %s", svc, strings.Join(path, " -> "))
		}
	}
}
