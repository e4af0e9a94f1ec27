package ratelimit

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestConfigYAMLAndDefaults(t *testing.T) {
	src := `
store: redis
redis_url: redis://127.0.0.1:6379/0
on_redis_error: deny
exempt: [10.1.2.0/24, "2001:db8::/48"]
policies:
  user: {rate: 60, period: 1m, burst: 10}
  export: {rate: 10, period: 1h}
`
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.Policies["export"]; got != (PolicyConfig{Rate: 10, Period: time.Hour, Burst: 10}) {
		t.Errorf("export = %+v", got)
	}
	if got := c.Policies[PolicyUser]; got != (PolicyConfig{Rate: 60, Period: time.Minute, Burst: 10}) {
		t.Errorf("user = %+v", got)
	}
	if _, ok := c.Policies[PolicyLoginIP]; !ok {
		t.Error("built-in login_ip lost when policies were configured")
	}
	if len(c.Exempt) != 2 || c.Exempt[1].String() != "2001:db8::/48" {
		t.Errorf("exempt = %v", c.Exempt)
	}
	if c.RedisTimeout != 100*time.Millisecond || c.RedisPrefix == "" || c.MaxKeys == 0 {
		t.Errorf("defaults not filled: %+v", c)
	}

	var bad Config
	dec = yaml.NewDecoder(strings.NewReader("stores: redis\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&bad); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"unknown store", func(c *Config) { c.Store = "etcd" }, `rate_limit.store: "etcd" is not memory or redis`},
		{"redis without url", func(c *Config) { c.Store = StoreRedis }, "rate_limit.redis_url: required"},
		{"bad redis url", func(c *Config) { c.Store, c.RedisURL = StoreRedis, "http://u:secret@h" }, "rate_limit.redis_url: invalid"},
		{"bad on_redis_error", func(c *Config) { c.OnRedisError = "panic" }, "rate_limit.on_redis_error"},
		{"slow redis timeout", func(c *Config) { c.RedisTimeout = 5 * time.Second }, "rate_limit.redis_timeout"},
		{"ipv6 prefix", func(c *Config) { c.IPv6Prefix = 8 }, "rate_limit.ipv6_prefix"},
		{"zero rate", func(c *Config) { c.Policies["x"] = PolicyConfig{Period: time.Minute, Burst: 1} }, `rate_limit.policies.x: rate limit policy "x": rate must be at least 1`},
		{"negative burst", func(c *Config) { c.Policies["x"] = PolicyConfig{Rate: 1, Period: time.Minute, Burst: -1} }, "burst must be at least 1"},
		{"tiny period", func(c *Config) { c.Policies["x"] = PolicyConfig{Rate: 1, Period: time.Microsecond, Burst: 1} }, "period must be at least 1ms"},
		{"too fine", func(c *Config) { c.Policies["x"] = PolicyConfig{Rate: 10_000, Period: time.Millisecond, Burst: 1} }, "finer than one request per microsecond"},
		{"bad name", func(c *Config) { c.Policies[`a"b`] = PolicyConfig{Rate: 1, Period: time.Minute, Burst: 1} }, "name must be"},
		{"exempt everyone", func(c *Config) { c.Exempt = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")} }, "rate_limit.exempt[0]: 0.0.0.0/0 exempts every client"},
		{"reserved name", func(c *Config) { c.Policies[NoPolicy] = PolicyConfig{Rate: 1, Period: time.Minute, Burst: 1} }, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			c.SetDefaults()
			tt.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
	var c Config
	c.Store, c.OnRedisError = "etcd", "panic"
	c.SetDefaults()
	if err := c.Validate(); err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Fatalf("want both problems reported, got %v", err)
	}
}
