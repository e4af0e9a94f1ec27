package rampart_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/ratelimit"
)

// TestRateLimitRefusalsLogAndMetrics: on the wired server, 1,000 JSON-2
// calls refused by the api_key policy write a bounded number of log lines
// (summaries, not one access-log line each) whose counts add up to the
// refusals, and the metrics count every one of them by policy.
func TestRateLimitRefusalsLogAndMetrics(t *testing.T) {
	var logs syncBuffer
	app := rampartest.Demo(t, rampartest.Options{Log: &logs, Config: func(c *config.Config) {
		c.RateLimit.Policies = map[string]ratelimit.PolicyConfig{
			ratelimit.PolicyAPIKey: {Rate: 1, Period: time.Hour, Burst: 1},
			ratelimit.PolicyIP:     {Rate: 100_000, Period: time.Second, Burst: 100_000},
		}
	}})
	h, err := app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	key := app.DemoKeys[rampartest.Alice]
	const n = 1001 // the burst's one request, then 1,000 refusals
	refused := 0
	for range n {
		r := httptest.NewRequest("POST", "/json/2/sale.order/search_count", strings.NewReader(`{"domain":[]}`))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 1000 {
		t.Fatalf("%d of %d calls refused, want 1000", refused, n)
	}
	app.HTTP.FlushRefusals()
	total, summaries, lines := 0, 0, 0
	for _, l := range logs.lines(t) {
		lines++
		if l["msg"] == "rate limit refusals" {
			summaries++
			total += int(l["count"].(float64))
			if p, _ := l["policies"].(map[string]any); p["post_auth"] == nil {
				t.Errorf("summary does not name the policy: %v", l)
			}
		}
	}
	if total != 1000 || summaries < 1 || summaries > 2 {
		t.Errorf("summaries: %d lines counting %d refusals, want 1-2 lines counting 1000", summaries, total)
	}
	if lines > 100 {
		t.Errorf("%d log lines for 1,000 refused requests", lines)
	}
	w := httptest.NewRecorder()
	app.Metrics.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	m := regexp.MustCompile(`(?m)^rampart_ratelimit_refused_total\{policy="` + ratelimit.PolicyAPIKey + `"\} (\d+)$`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no refusal counter for api_key in the metrics:\n%s", regexp.MustCompile(`(?m)^rampart_ratelimit.*$`).FindAllString(w.Body.String(), -1))
	}
	if got, _ := strconv.Atoi(m[1]); got != 1000 {
		t.Errorf("rampart_ratelimit_refused_total{policy=api_key} = %d, want 1000", got)
	}
}

// TestJSONLogUnderRedisOutage: with rate limits on a Redis that is not
// there (a closed loopback port) and data in SQLite, the server keeps
// answering, every line of its JSON log parses, and the Redis client's
// own complaints (dial failures) arrive in that log as JSON lines — not
// as plain text on stderr.
func TestJSONLogUnderRedisOutage(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // nothing listens there now
			var logs syncBuffer
			app := rampartest.Demo(t, rampartest.Options{Log: &logs, Postgres: pg, Config: func(c *config.Config) {
				c.RateLimit.Store = ratelimit.StoreRedis
				c.RateLimit.RedisURL = "redis://" + addr + "/0"
			}})
			alice := app.JSON2(rampartest.Alice)
			redisLine := func() bool {
				for _, l := range logs.lines(t) {
					if l["component"] == "go-redis" {
						return true
					}
				}
				return false
			}
			deadline := time.Now().Add(20 * time.Second)
			calls := 0
			for {
				code, _, raw := alice.Call(t, "sale.order", "search_read", map[string]any{"fields": []string{"name"}, "limit": 5})
				calls++
				if code != http.StatusOK {
					t.Fatalf("call during the Redis outage: %d %s", code, raw)
				}
				if calls >= 5 && redisLine() || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			lines := logs.lines(t) // fails on any non-JSON line
			if !redisLine() {
				t.Errorf("the Redis client's log lines did not reach the JSON log (%d lines)", len(lines))
			}
		})
	}
}
