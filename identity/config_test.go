package identity

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestConfig(t *testing.T) {
	var c Config
	src := "session_idle_timeout: 12h\nsession_max_lifetime: 72h\npassword_min_length: 12\nargon2: {memory_kib: 47104, time: 1, threads: 1}\ncache_ttl: -1s\n"
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	c = c.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SessionIdleTimeout != 12*time.Hour || c.PasswordMinLength != 12 || c.APIKeyMaxPerUser != 10 || c.CacheTTL >= 0 {
		t.Fatalf("decoded %+v", c)
	}
	bad := []func(*Config){
		func(c *Config) { c.SessionMaxLifetime = time.Hour },
		func(c *Config) { c.Argon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 1, Threads: 1} }, // below OWASP
		func(c *Config) { c.CacheTTL = time.Hour },
		func(c *Config) { c.LoginBackoffMax = time.Millisecond },
		func(c *Config) { c.PasswordMinLength = -1 },
	}
	for i, f := range bad {
		c := Config{}.Defaults()
		f(&c)
		if c.Validate() == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
}
