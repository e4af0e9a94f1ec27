package config_test

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/config"
)

// Demo data gets its own directory; the metrics listener follows the main
// port so that a second instance on one host does not clash.
func TestDerivedDefaults(t *testing.T) {
	cases := []struct {
		name                string
		set                 func(*config.Config)
		data, metrics, fail string
	}{
		{name: "defaults", data: "rampart-data", metrics: "127.0.0.1:9464"},
		{name: "demo", set: func(c *config.Config) { c.Demo = true }, data: "rampart-demo", metrics: "127.0.0.1:9464"},
		{name: "demo with a data dir", set: func(c *config.Config) { c.Demo = true; c.Data = "mine" }, data: "mine", metrics: "127.0.0.1:9464"},
		{name: "second instance", set: func(c *config.Config) { c.HTTP.Addr = "127.0.0.1:8070" }, data: "rampart-data", metrics: "127.0.0.1:9465"},
		{name: "ephemeral port", set: func(c *config.Config) { c.HTTP.Addr = "127.0.0.1:0" }, data: "rampart-data", metrics: "127.0.0.1:0"},
		{name: "explicit metrics", set: func(c *config.Config) { c.HTTP.Addr = "127.0.0.1:8070"; c.Metrics.Addr = "127.0.0.1:9999" }, data: "rampart-data", metrics: "127.0.0.1:9999"},
		{name: "port too high", set: func(c *config.Config) { c.HTTP.Addr = "127.0.0.1:65000" }, fail: "beyond 65535"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			if tc.set != nil {
				tc.set(&c)
			}
			err := c.Validate()
			if tc.fail != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fail) {
					t.Fatalf("err = %v, want %q", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Data != tc.data || c.Metrics.Addr != tc.metrics {
				t.Errorf("data %q metrics %q, want %q %q", c.Data, c.Metrics.Addr, tc.data, tc.metrics)
			}
		})
	}
}
