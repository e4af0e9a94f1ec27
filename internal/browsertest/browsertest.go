// Package browsertest runs tests in a real headless Chromium driven by
// chromedp: it finds the browser (Debian's chromium package, installed by
// .ci/run), starts one per test with a bounded lifetime, and saves a
// screenshot of the page when the test fails.
//
// Without a browser the test is skipped locally and fails under CI=true,
// as the PostgreSQL and Redis tests do.
//
//	b := browsertest.New(t)             // skips (or fails under CI) without chromium
//	b.Do(chromedp.Navigate(url), ...)   // t.Fatal on error, screenshot first
//	s := browsertest.Get(b, chromedp.Text(chromedp.CSS("#p")))
//	b.Screenshot("login")               // a PNG under b.Dir()
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Candidates are the executable names tried, in order, on PATH; the
// RAMPART_CHROMIUM environment variable, when set, names the browser
// instead.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// Find returns the browser executable, or "" when there is none.
func Find() string {
	if p := os.Getenv("RAMPART_CHROMIUM"); p != "" {
		if lp, err := exec.LookPath(p); err == nil {
			return lp
		}
		return ""
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// Options tune a browser.
type Options struct {
	// Width and Height of the window (default 1000 x 800, small enough for
	// screenshots that go into the docs).
	Width, Height int
	// Timeout bounds the whole browser session (default 60 s): a hung page
	// fails the test instead of eating CI's budget.
	Timeout time.Duration
	// Dir receives screenshots (default t.TempDir(), which Go removes after
	// a passing test; RAMPART_BROWSERTEST_DIR keeps them).
	Dir string
}

// Browser is one headless Chromium bound to a test.
type Browser struct {
	t   testing.TB
	ctx context.Context
	dir string
	n   int
}

// New starts a headless Chromium for t, closed with the test. It skips the
// test when no browser is installed, unless CI=true, where it fails.
func New(t testing.TB, opts ...Options) *Browser {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Width == 0 {
		o.Width, o.Height = 1000, 800
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	exe := Find()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browsertest: no chromium found (CI=true): install Debian's chromium package (.ci/run does)")
		}
		t.Skip("browsertest: no chromium on PATH (apt-get install chromium); set RAMPART_CHROMIUM to use another")
	}
	dir := o.Dir
	if dir == "" {
		dir = os.Getenv("RAMPART_BROWSERTEST_DIR")
	}
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(o.Width, o.Height),
		// Containers often run as root with a small /dev/shm.
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	base, cancelBase := context.WithTimeout(context.Background(), o.Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, allocOpts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx, dir: dir}
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshotOnFailure()
		}
		cancelCtx()
		cancelAlloc()
		cancelBase()
	})
	// Start the browser now so that a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", exe, err)
	}
	return b
}

// Context is the browser tab's context, for chromedp calls made directly.
func (b *Browser) Context() context.Context { return b.ctx }

// Dir is where screenshots go.
func (b *Browser) Dir() string { return b.dir }

// Do runs steps in the tab; on error it saves a screenshot and fails the
// test.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		path := b.save("failure")
		b.t.Fatalf("browsertest: %v (screenshot: %s)", err, path)
	}
}

// Try runs steps and returns the error, without failing the test.
func (b *Browser) Try(steps ...chromedp.Action[chromedp.Void]) error {
	return chromedp.Do(b.ctx, steps...)
}

// Get runs one action that yields a value (Text, Value, Location,
// Evaluate, ...) and returns it; on error it saves a screenshot and fails
// the test.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		path := b.save("failure")
		b.t.Fatalf("browsertest: %v (screenshot: %s)", err, path)
	}
	return v
}

// ClickAndWait clicks the element sel (a submit button, a link) and waits
// until the next page has loaded. The current document is marked before
// the click, so the old page is never taken for the new one (waiting for
// an element would find it on the old page too).
func (b *Browser) ClickAndWait(sel string, timeout time.Duration) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](`document.documentElement.dataset.btStale = "1"`)); err != nil {
		b.t.Fatalf("browsertest: mark page: %v", err)
	}
	b.Do(chromedp.Click(chromedp.CSS(sel)))
	b.WaitFor(`!document.documentElement.dataset.btStale && document.readyState === "complete"`, timeout)
}

// WaitFor polls a JavaScript expression until it is true, through
// navigations (an evaluation interrupted by one is retried); at the
// timeout it saves a screenshot and fails the test.
func (b *Browser) WaitFor(expr string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if b.ctx.Err() != nil {
			break
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	path := b.save("timeout")
	b.t.Fatalf("browsertest: %s not true after %v (last error %v; screenshot: %s)", expr, timeout, last, path)
}

// Screenshot saves the viewport as <dir>/<name>.png and returns the path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, safeName(name)+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// FullScreenshot saves the whole page (not only the viewport) as PNG.
func (b *Browser) FullScreenshot(name string) string {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, safeName(name)+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// save takes a screenshot without failing the test (it is already
// failing); it returns the path or a note.
func (b *Browser) save(what string) string {
	b.n++
	// A short, separate deadline: the tab's may be what expired.
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "none (" + err.Error() + ")"
	}
	p := filepath.Join(b.dir, safeName(b.t.Name()+"-"+what+"-"+strconv.Itoa(b.n))+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		return "none (" + err.Error() + ")"
	}
	return p
}

func (b *Browser) screenshotOnFailure() {
	b.t.Logf("browsertest: page at failure: %s", b.save("end"))
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }
