package httpd

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type benchIn struct {
	Name string `json:"name" validate:"required,maxlen=100"`
	Qty  int    `json:"qty" validate:"min=1,max=1000"`
}

// BenchmarkPipeline measures rampart's pipeline (request id, headers,
// client IP, routing, CORS, body limit, strict JSON, CSRF hook, validation,
// error/result writer) around a trivial json2 handler, against the same
// handler on a bare ServeMux, and reports the ratio (pipeline_ratio).
// Authentication and rate limiting are other packages' and left out.
func BenchmarkPipeline(b *testing.B) {
	body := `{"name":"Widget","qty":3}`
	bare := http.NewServeMux()
	bare.HandleFunc("POST /api/data", func(w http.ResponseWriter, r *http.Request) {
		var buf [256]byte
		r.Body.Read(buf[:])
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	cfg := Config{}
	cfg.Defaults()
	s := New(cfg, slog.New(slog.DiscardHandler))
	g, err := NewCSRFGuard(CSRFOptions{Secret: []byte(strings.Repeat("k", 32))})
	if err != nil {
		b.Fatal(err)
	}
	s.CSRF = g
	if err := s.Register(&Route{Path: "/api/data", Type: TypeJSON2, Auth: AuthNone, Params: &benchIn{},
		CORS:    &CORS{Origins: []string{"https://app.example"}},
		Handler: func(*Request) (any, error) { return map[string]bool{"ok": true}, nil }}); err != nil {
		b.Fatal(err)
	}
	full, err := s.Handler()
	if err != nil {
		b.Fatal(err)
	}
	run := func(h http.Handler, n int) time.Duration {
		start := time.Now()
		for range n {
			r := httptest.NewRequest("POST", "/api/data", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Origin", "https://app.example")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
		return time.Since(start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	d := run(full, b.N)
	b.StopTimer()
	base := run(bare, b.N)
	if base > 0 {
		b.ReportMetric(float64(d)/float64(base), "pipeline_ratio")
	}
}
