package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedenceAndStrictness(t *testing.T) {
	c := Default()
	err := c.LoadYAML(strings.NewReader(`
data: /srv/rampart
http:
  addr: 0.0.0.0:9000
  read_timeout: 5s
  trusted_proxies: [10.0.0.0/8, 192.0.2.1/32]
log:
  format: json
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "0.0.0.0:9000" || c.HTTP.ReadTimeout != 5*time.Second || len(c.HTTP.TrustedProxies) != 2 || c.Log.Format != "json" {
		t.Fatalf("file not applied: %+v", c)
	}
	// The environment overrides the file.
	if err := c.LoadEnv([]string{"RAMPART_HTTP_ADDR=127.0.0.1:7000", "RAMPART_TEST_POSTGRES=x", "PATH=/bin", "RAMPART_DEMO=true"}); err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:7000" || !c.Demo {
		t.Fatalf("env not applied: %+v", c.HTTP.Addr)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}

	bad := []struct{ yaml, want string }{
		{"htp:\n  addr: x\n", "htp"},
		{"http:\n  adr: x\n", "adr"},
		{"http:\n  read_timeout: soon\n", "read_timeout"},
		{"http:\n  trusted_proxies: [not-an-ip]\n", "not-an-ip"},
	}
	for _, b := range bad {
		c := Default()
		err := c.LoadYAML(strings.NewReader(b.yaml), "bad.yaml")
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: err = %v, want mention of %q", b.yaml, err, b.want)
		}
	}
	for _, env := range []string{"RAMPART_HTTP_ADRR=x", "RAMPART_DEMO=perhaps", "RAMPART_HTTP_READ_TIMEOUT=5"} {
		c := Default()
		if err := c.LoadEnv([]string{env}); err == nil {
			t.Errorf("%s accepted", env)
		}
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.HTTP.Addr = "nowhere" },
		func(c *Config) { c.Log.Format = "xml" },
		func(c *Config) { c.DB = "mysql://x" },
	} {
		c := Default()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("invalid config accepted: %+v", c)
		}
	}
}
