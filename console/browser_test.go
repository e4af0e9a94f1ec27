package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/internal/browsertest"
	"github.com/rampart/rampart/rampartest"
)

// shots is where page screenshots go: RAMPART_CONSOLE_SHOTS (set it to
// docs/console to refresh the documentation's), else the browser's dir.
func shots(b *browsertest.Browser) string {
	if d := os.Getenv("RAMPART_CONSOLE_SHOTS"); d != "" {
		return d
	}
	return b.Dir()
}

type tab struct {
	t   *testing.T
	b   *browsertest.Browser
	url string
	dir string
}

func (x *tab) open(path string) {
	x.t.Helper()
	x.b.Do(chromedp.Navigate(x.url + path))
}

// status navigates and returns the HTTP status of the page.
func (x *tab) status(path string) int64 {
	x.t.Helper()
	resp := browsertest.Get(x.b, chromedp.NavigateResponse(x.url+path))
	return resp.Status
}

// text is the text of the element sel, waited for at most 10 s.
func (x *tab) text(sel string) string {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(x.b.Context(), 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		x.shot("failure")
		body, _ := chromedp.Run(x.b.Context(), chromedp.Evaluate[string](`document.body.innerText`))
		x.t.Fatalf("%s: %v; page: %.600s", sel, err, body)
	}
	return s
}

func (x *tab) fill(sel, v string) {
	x.t.Helper()
	x.b.Do(chromedp.SetValue(chromedp.CSS(sel), v))
}

// submit clicks a button (or link) and waits for the next page.
func (x *tab) submit(button string) {
	x.t.Helper()
	x.b.ClickAndWait(button, 15*time.Second)
}

func (x *tab) heading() string { return x.text("main h1") }

func (x *tab) shot(name string) {
	x.t.Helper()
	buf, err := chromedp.Run(x.b.Context(), chromedp.CaptureScreenshot())
	if err != nil {
		x.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(x.dir, name+".png"), buf, 0o644); err != nil {
		x.t.Fatal(err)
	}
}

func (x *tab) signIn(login, password string) {
	x.t.Helper()
	x.open("/console/login")
	x.fill("#login", login)
	x.fill("#password", password)
	x.submit("#login-form button[type=submit]")
}

func (x *tab) signOut() {
	x.t.Helper()
	x.submit(".logout button")
	if h := x.heading(); h != "Sign in" {
		x.t.Fatalf("after sign-out: %q", h)
	}
}

func json2(t *testing.T, base, key, model, method string, body map[string]any) int {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/json/2/"+model+"/"+method, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestConsoleInBrowser drives the console in headless Chromium through
// the scenario: sign in, enrol 2FA reading the secret off the page
// and computing the code, sign out and in again with a code, create a key
// and use it on JSON-2 from Go, revoke it and see it refused, an
// administrator finding alice's denied access in the audit and opening its
// explanation, a salesman refused the admin pages, and a form posted
// without its CSRF token refused. It saves a screenshot of each page.
func TestConsoleInBrowser(t *testing.T) {
	var logs syncBuffer
	a := rampartest.Demo(t, rampartest.Options{Log: &logs})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (errors):\n%s", logs.errors())
		}
	})
	b := browsertest.New(t, browsertest.Options{Width: 1000, Height: 760, Timeout: 120 * time.Second})
	x := &tab{t: t, b: b, url: a.URL, dir: shots(b)}
	ctx := context.Background()
	alice := a.UID(t, "alice")

	// Sign in (alice, a salesman, no 2FA yet).
	x.open("/console/login")
	x.shot("login")
	// Keyboard: the login field has the focus, Tab goes to the password
	// then to the button, and the focused control shows an outline.
	active := func() string {
		return browsertest.Get(x.b, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`))
	}
	if got := active(); got != "login" {
		t.Fatalf("initial focus on %q", got)
	}
	for _, want := range []string{"password", "BUTTON"} {
		x.b.Do(chromedp.KeyEvent("\t"))
		if got := active(); got != want {
			t.Fatalf("tab: focus on %q, want %q", got, want)
		}
	}
	// The console's own focus ring (3 px, amber), not the browser's default.
	if o := browsertest.Get(x.b, chromedp.Evaluate[string](`(s => s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor)(getComputedStyle(document.activeElement))`)); o != "solid 3px rgb(245, 166, 35)" {
		t.Fatalf("focused button's outline %q, want the console's focus ring", o)
	}
	x.fill("#login", "alice")
	x.fill("#password", "alice")
	x.submit("#login-form button[type=submit]")
	if h := x.heading(); h != "My account" {
		t.Fatalf("after sign-in: %q", h)
	}
	x.shot("account")

	// Enrol 2FA: confirm the password, read the secret from the page,
	// compute the code as an authenticator app would.
	x.fill("#en-confirm", "alice")
	x.submit("#enable-2fa")
	secret := browsertest.Get(x.b, chromedp.AttributeValue(chromedp.CSS("#totp-secret"), "data-secret"))
	if !secret.Exists || len(secret.Value) != 32 {
		t.Fatalf("no secret on the page: %+v", secret)
	}
	if n := len(browsertest.Get(x.b, chromedp.Nodes(chromedp.CSS("svg.qr path")))); n != 1 {
		t.Fatalf("QR code svg paths: %d", n)
	}
	x.shot("twofactor-enrol")
	code, err := identity.TOTPCode(secret.Value, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	x.fill("#code", code)
	x.submit("form[action='/console/account/2fa/confirm'] button")
	codes := x.text("#recovery-codes")
	if n := len(strings.Fields(codes)); n != 10 {
		t.Fatalf("recovery codes: %d (%q)", n, codes)
	}
	x.shot("twofactor-recovery")
	if st, _ := a.Identity.TwoFactor(ctx, alice); !st.Enabled {
		t.Fatal("2fa not enabled after the confirmation")
	}

	// Sign out, sign in again: the password alone is not enough. The code
	// used at enrolment is refused a second time; the next step's is
	// accepted (±1 step).
	x.signOut()
	x.fill("#login", "alice")
	x.fill("#password", "alice")
	x.submit("#login-form button[type=submit]")
	if h := x.heading(); h != "Two-factor authentication" {
		t.Fatalf("after the password of a 2FA user: %q", h)
	}
	x.shot("login-code")
	x.fill("#code", code)
	x.submit("#code-form button")
	if msg := x.text("#error"); !strings.Contains(msg, "Invalid authentication code") {
		t.Fatalf("reused code: %q", msg)
	}
	next, _ := identity.TOTPCode(secret.Value, time.Now().Add(30*time.Second))
	x.fill("#code", next)
	x.submit("#code-form button")
	if h := x.heading(); h != "My account" {
		t.Fatalf("after the code: %q (error %q)", h, x.text("#error"))
	}

	// Create a key (re-authenticating with the password) and use it.
	x.open("/console/keys")
	x.fill("#key-name", "browser test")
	x.fill("#key-confirm", "alice")
	x.submit("#create-key button")
	key := strings.TrimSpace(x.text("#new-key"))
	if !strings.HasPrefix(key, "rp_") {
		t.Fatalf("no key shown: %q", key)
	}
	x.shot("keys")
	if st := json2(t, a.URL, key, "sale.order", "search_read", map[string]any{"domain": []any{}, "fields": []any{"name"}, "limit": 1}); st != 200 {
		t.Fatalf("new key on JSON-2: %d", st)
	}
	// Revoke it from the page: refused from then on.
	x.open("/console/keys")
	x.submit("#keys-table button[aria-label='Revoke key browser test']")
	if f := x.text(".flash"); !strings.Contains(f, "revoked") {
		t.Fatalf("revoke: %q", f)
	}
	if st := json2(t, a.URL, key, "sale.order", "search_read", map[string]any{"domain": []any{}, "fields": []any{"name"}, "limit": 1}); st != 401 {
		t.Fatalf("revoked key on JSON-2: %d, want 401", st)
	}

	// CSRF: the key form posted without its token is refused, nothing made.
	before, _ := a.Identity.ListAPIKeys(ctx, alice)
	x.open("/console/keys")
	browsertest.Get(x.b, chromedp.Evaluate[any](`document.querySelector("#create-key input[name=csrf_token]").remove()`))
	x.fill("#key-name", "no token")
	x.fill("#key-confirm", "alice")
	x.submit("#create-key button")
	x.b.WaitFor(`document.body.innerText.includes("CSRF")`, 10*time.Second)
	after, _ := a.Identity.ListAPIKeys(ctx, alice)
	if len(after) != len(before) {
		t.Fatalf("key created without a CSRF token: %d -> %d", len(before), len(after))
	}

	// A salesman is refused the admin pages.
	for _, p := range []string{"/console/admin/users", "/console/admin/audit", "/console/admin/explain", "/console/admin/routes"} {
		if st := x.status(p); st != 403 {
			t.Fatalf("alice %s: %d, want 403", p, st)
		}
	}
	x.shot("salesman-refused")
	x.open("/console/data/sale.order")
	x.shot("data-salesman")
	x.open("/console/account")
	x.shot("account-2fa")
	x.signOut()

	// alice tries to delete an order over JSON-2: refused and audited.
	if st := json2(t, a.URL, a.DemoKeys["alice"], "sale.order", "unlink", map[string]any{"ids": []any{1}}); st != 403 {
		t.Fatalf("alice unlink: %d, want 403", st)
	}
	a.Audit.Flush()

	// The administrator finds it in the audit and opens its explanation.
	x.signIn("admin", "admin")
	x.open("/console/admin/audit")
	x.fill("#f-login", "alice")
	x.b.Do(chromedp.SetValue(chromedp.CSS("#f-op"), "denied"))
	x.submit("#audit-filter button")
	x.shot("audit")
	entry := browsertest.Get(x.b, chromedp.AttributeValue(chromedp.CSS("#audit-table tbody tr:first-child td:first-child a"), "href"))
	x.submit("#audit-table a.explain-link")
	if h := x.heading(); h != "Access explain" {
		t.Fatalf("explain: %q", h)
	}
	summary := x.text("#explain-summary")
	if !strings.Contains(summary, "alice") || !strings.Contains(summary, "unlink") {
		t.Fatalf("explain summary: %q", summary)
	}
	x.shot("explain")
	x.open(entry.Value)
	if s := x.text(".facts"); !strings.Contains(s, "denied") || !strings.Contains(s, "unlink") {
		t.Fatalf("audit entry: %q", s)
	}
	x.shot("audit-entry")
	x.open("/console/admin/users")
	x.shot("users")
	x.open("/console/admin/users/" + itoa(alice))
	if s := x.text(".facts"); !strings.Contains(s, "enabled") {
		t.Fatalf("alice's 2FA status not shown: %q", s)
	}
	x.shot("user")
	x.open("/console/admin/groups")
	x.shot("groups")
	x.open("/console/admin/access?model=sale.order")
	x.shot("access")
	x.open("/console/admin/routes")
	x.b.Do(chromedp.Click(chromedp.CSS("#routes-table th:nth-child(4) a")))
	if s := browsertest.Get(x.b, chromedp.AttributeValue(chromedp.CSS("#routes-table th:nth-child(4)"), "aria-sort")); s.Value != "ascending" {
		t.Fatalf("client-side sort: %+v", s)
	}
	x.shot("routes")
	x.open("/console/admin/ratelimits")
	if s := x.text("#rate-total"); !strings.Contains(s, "refused with 429") {
		t.Fatalf("rate limits: %q", s)
	}
	x.shot("ratelimits")
	x.open("/console/data")
	x.shot("data")

	// At 360 px wide nothing overflows the page.
	x.b.Do(chromedp.EmulateViewport(360, 740))
	x.open("/console/keys")
	if w := browsertest.Get(x.b, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 360 {
		t.Fatalf("keys page %v px wide at 360", w)
	}
	x.shot("keys-360")
}
