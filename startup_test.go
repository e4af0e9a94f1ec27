package rampart_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/store/storetest"
)

// Instances started together on one fresh database all come up: the
// migrations, the schema sync and the bootstrap run one instance at a
// time, and each is idempotent. A second wave on the now-migrated
// database comes up too.
func TestInstancesStartTogether(t *testing.T) {
	for _, c := range []struct {
		name string
		db   func(t *testing.T) (url, data string)
	}{
		{"sqlite", func(t *testing.T) (string, string) { return "", t.TempDir() }},
		{"postgres", func(t *testing.T) (string, string) { return storetest.PostgresSchemaURL(t), t.TempDir() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			url, data := c.db(t)
			startTogether(t, 4, url, data, 0) // fresh
			startTogether(t, 2, url, data, 1) // migrated
		})
	}
}

func startTogether(t *testing.T, n int, url, data string, wave int) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	apps := make(chan *rampart.App, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := config.Default()
			cfg.DB = url
			cfg.Data = data // one data directory: CSRF secret and certificates shared too
			cfg.Metrics.Disabled = true
			if err := cfg.Validate(); err != nil {
				errc <- err
				return
			}
			<-start
			app, err := rampart.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				errc <- err
				return
			}
			apps <- app
		}()
	}
	close(start)
	wg.Wait()
	close(errc)
	close(apps)
	for app := range apps {
		t.Cleanup(func() { app.Close() })
	}
	for err := range errc {
		t.Errorf("wave %d: an instance failed to start: %v", wave, err)
	}
}
