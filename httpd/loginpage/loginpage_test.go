package loginpage

import (
	"strings"
	"testing"
)

// The page is exercised end to end, with identity and the CSRF guard, in
// examples/seed. This checks the redirect filter on its own.
func TestLocalRedirect(t *testing.T) {
	p := &page{o: Options{Home: "/home"}}
	for in, want := range map[string]string{
		"/odoo/action-1?x=2#frag":              "/odoo/action-1?x=2#frag",
		"/":                                    "/",
		"":                                     "/home",
		"//evil.example":                       "/home",
		"/\\evil.example":                      "/home",
		"https://evil.example/":                "/home",
		"javascript:alert(1)":                  "/home",
		"/ok\r\nSet-Cookie: a=b":               "/home",
		"/" + strings.Repeat("a", maxRedirect): "/home",
	} {
		if got := p.local(in); got != want {
			t.Errorf("local(%q) = %q, want %q", in, got, want)
		}
	}
}
