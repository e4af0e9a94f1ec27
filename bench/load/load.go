// Package load is a small closed-loop HTTP load generator for rampart's
// benchmarks: a fixed number of workers send requests back to back for a
// bounded time (and at most a bounded count), to loopback targets only, and
// report throughput and latency percentiles.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Request builds the i-th request of a run.
type Request func(i int64) (*http.Request, error)

// Options bound a run.
type Options struct {
	Workers  int
	Duration time.Duration
	MaxCount int64
	Warmup   time.Duration
}

// Result summarises a run.
type Result struct {
	Requests   int64
	Errors     int64 // transport errors and unexpected statuses
	Elapsed    time.Duration
	Throughput float64 // requests per second
	P50, P90   time.Duration
	P99, Max   time.Duration
	FirstError string
}

func (r Result) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %-10v p90 %-10v p99 %-10v max %-10v (%d requests, %d errors)",
		r.Throughput, r.P50, r.P90, r.P99, r.Max, r.Requests, r.Errors)
}

// Loopback refuses any target that is not on this machine: load is only
// ever sent to loopback addresses.
func Loopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("load target %q is not a loopback address", host)
	}
	return nil
}

// Run sends requests until the duration or count is reached. wantStatus is
// the status a successful request answers.
func Run(ctx context.Context, client *http.Client, build Request, wantStatus int, o Options) (Result, error) {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.MaxCount <= 0 {
		o.MaxCount = 1 << 40
	}
	if o.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, o.Warmup)
		drive(wctx, client, build, wantStatus, o.Workers, o.MaxCount, new(atomic.Int64))
		cancel()
	}
	rctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	lat, errs, first := drive(rctx, client, build, wantStatus, o.Workers, o.MaxCount, new(atomic.Int64))
	elapsed := time.Since(start)
	res := Result{Requests: int64(len(lat)), Errors: errs, Elapsed: elapsed, FirstError: first}
	if len(lat) == 0 {
		return res, fmt.Errorf("no successful requests (first error: %s)", first)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), lat[len(lat)-1]
	res.Throughput = float64(len(lat)) / elapsed.Seconds()
	return res, nil
}

func drive(ctx context.Context, client *http.Client, build Request, want, workers int, max int64, seq *atomic.Int64) ([]time.Duration, int64, string) {
	var (
		mu    sync.Mutex
		all   []time.Duration
		errs  atomic.Int64
		first atomic.Value
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				i := seq.Add(1)
				if i > max {
					break
				}
				req, err := build(i)
				if err != nil {
					first.CompareAndSwap(nil, err.Error())
					errs.Add(1)
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req.WithContext(ctx))
				if err != nil {
					if ctx.Err() == nil {
						first.CompareAndSwap(nil, err.Error())
						errs.Add(1)
					}
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != want {
					first.CompareAndSwap(nil, fmt.Sprintf("status %d: %.200s", resp.StatusCode, bytes.TrimSpace(body)))
					errs.Add(1)
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	f, _ := first.Load().(string)
	return all, errs.Load(), f
}

// Client is an HTTP client tuned for load: enough idle connections for
// every worker, so the run measures the server and not connection set-up.
func Client(workers int) *http.Client {
	tr := &http.Transport{MaxIdleConns: workers * 2, MaxIdleConnsPerHost: workers * 2, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
