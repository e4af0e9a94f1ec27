package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRendersAPage proves the helper drives a real browser: it
// loads a page, reads text that only script can have produced, and saves
// a screenshot.
func TestBrowserRendersAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="p">static</p><script>document.getElementById("p").textContent="scripted"</script>`))
	}))
	defer srv.Close()
	b := New(t)
	b.Do(chromedp.Navigate(srv.URL))
	text := Get(b, chromedp.Text(chromedp.CSS("#p")))
	if text != "scripted" {
		t.Fatalf("text = %q, want the script's", text)
	}
	p := b.Screenshot("page")
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("screenshot %s: %v", p, err)
	}
}

func TestSafeName(t *testing.T) {
	if got := safeName("TestX/sub case:1"); got != "TestX_sub_case_1" {
		t.Fatalf("safeName = %q", got)
	}
}
