package apidoc_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/browsertest"
	"github.com/rampart/rampart/rampartest"
)

// TestDocPageHTTP: /doc is an HTML page for the API-docs group only, with
// the page CSP (no scripts) and no framing; its examples carry the
// caller's database and a placeholder, never a key. A salesman is refused
// (403), an anonymous browser sent to the login page.
func TestDocPageHTTP(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	get := func(c *http.Client) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(a.URL + "/doc")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get(a.Session(t, rampartest.Admin).HTTP)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("admin /doc: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
	for _, want := range []string{`id="model-sale.order"`, "X-Odoo-Database: " + a.Config.DBName, "bearer YOUR_API_KEY",
		"import requests", "await fetch(", "curl -X POST", "/json/2/sale.order/search_read", "search_read(domain=None, fields=None"} {
		if !strings.Contains(body, want) {
			t.Errorf("/doc lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("/doc carries a script")
	}
	for login, key := range a.DemoKeys {
		if key != "" && strings.Contains(body, key) {
			t.Errorf("/doc shows %s's API key", login)
		}
	}
	resp, body = get(a.Session(t, rampartest.Alice).HTTP)
	if resp.StatusCode != 403 || !strings.Contains(body, "Technical Documentation") || strings.Contains(body, "model-sale.order") {
		t.Errorf("salesman /doc: %d", resp.StatusCode)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ = get(noRedirect); resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "redirect=%2Fdoc") {
		t.Errorf("anonymous /doc: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestDocPageBrowser: in headless Chromium, an administrator signs in
// through the login page, lands on /doc and sees the models, a method's
// examples with the database name; a screenshot is kept. A salesman
// signing in is shown the refusal.
func TestDocPageBrowser(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	signIn := func(b *browsertest.Browser, login string) {
		b.Do(
			chromedp.Navigate(a.URL+"/doc"),
			chromedp.WaitVisible(chromedp.ID("login")),
			chromedp.SendKeys(chromedp.ID("login"), login),
			chromedp.SendKeys(chromedp.ID("password"), login),
			chromedp.Submit(chromedp.ID("password")),
		)
	}
	b := browsertest.New(t, browsertest.Options{Width: 1200, Height: 900, Timeout: 90 * time.Second})
	signIn(b, rampartest.Admin)
	// The submission navigates twice (the login, then its redirect to
	// /doc): poll through the navigations rather than look up a node that
	// the next document replaces.
	b.WaitFor(`location.pathname === "/doc" && document.readyState === "complete" && !!document.getElementById("db")`, 30*time.Second)
	if db := browsertest.Get(b, chromedp.Text(chromedp.ID("db"))); db != a.Config.DBName {
		t.Errorf("database shown %q, want %q", db, a.Config.DBName)
	}
	models := browsertest.Get(b, chromedp.Evaluate[int](`document.querySelectorAll("section[id^=model-]").length`))
	if models < 10 {
		t.Errorf("%d model sections", models)
	}
	// Open sale.order's first method and read its curl example.
	b.Do(chromedp.Click(chromedp.CSS(`#model-sale\.order details.method:nth-of-type(1) summary`)))
	curl := browsertest.Get(b, chromedp.Text(chromedp.CSS(`#model-sale\.order details.method[open] pre.curl`)))
	if !strings.Contains(curl, "X-Odoo-Database: "+a.Config.DBName) || !strings.Contains(curl, "YOUR_API_KEY") {
		t.Errorf("curl example: %q", curl)
	}
	b.Do(chromedp.ScrollIntoView(chromedp.CSS(`#model-sale\.order`)))
	t.Logf("screenshot: %s", b.Screenshot("doc-admin"))

	b2 := browsertest.New(t, browsertest.Options{Timeout: 60 * time.Second})
	signIn(b2, rampartest.Alice)
	// The form's submission navigates twice (the login, then its redirect
	// to /doc): read the page until the refusal shows, retrying while the
	// document is being replaced.
	deadline := time.Now().Add(30 * time.Second)
	text := ""
	for !strings.Contains(text, "Technical Documentation") && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b2.Context(), 5*time.Second)
		text, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		cancel()
		if !strings.Contains(text, "Technical Documentation") {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !strings.Contains(text, "This page is only accessible to Technical Documentation users.") || strings.Contains(text, "sale.order") {
		t.Errorf("a salesman's /doc does not show the refusal: %q", text)
	}
	t.Logf("screenshot: %s", b2.Screenshot("doc-salesman"))
}
