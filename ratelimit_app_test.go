package rampart_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/ratelimit"
)

// Two rampart instances sharing one Redis hold one global limit: a client
// that alternates between them gets no more than the policy's burst.
func TestTwoInstancesShareOneLimit(t *testing.T) {
	url := os.Getenv("RAMPART_TEST_REDIS")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RAMPART_TEST_REDIS is not set; under CI=true Redis is required")
		}
		t.Skip("RAMPART_TEST_REDIS not set")
	}
	var b [6]byte
	rand.Read(b[:])
	prefix := "rampart-test:" + hex.EncodeToString(b[:]) + ":"
	var servers []*httptest.Server
	for range 2 {
		c := config.Default()
		c.Data = t.TempDir()
		c.Metrics.Disabled = true
		c.RateLimit.Store = "redis"
		c.RateLimit.RedisURL = url
		c.RateLimit.RedisPrefix = prefix
		c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{"tiny": {Rate: 5, Period: time.Hour, Burst: 5}}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		app, err := rampart.New(context.Background(), c, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { app.Close() })
		err = app.Handle(&rampart.Route{Path: "/t/limited", Type: rampart.TypeJSON2, Auth: rampart.AuthNone, RateLimit: "tiny",
			Handler: func(*rampart.Request) (any, error) { return "ok", nil }})
		if err != nil {
			t.Fatal(err)
		}
		h, err := app.Handler()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
	}
	admitted, refused := 0, 0
	for i := range 20 {
		resp, err := http.Post(servers[i%2].URL+"/t/limited", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			refused++
			if resp.Header.Get("Retry-After") == "" || !strings.Contains(strings.Join(resp.Header.Values("RateLimit"), ","), `"tiny";r=0`) ||
				!strings.Contains(string(body), `"name":"werkzeug.exceptions.TooManyRequests"`) {
				t.Errorf("429 without Retry-After, RateLimit or the JSON-2 body: %v %s", resp.Header, body)
			}
		default:
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	}
	if admitted != 5 || refused != 15 {
		t.Errorf("admitted %d, refused %d across two instances; want one shared budget of 5", admitted, refused)
	}
}
