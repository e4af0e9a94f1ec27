package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Config is the monitoring section of rampart's configuration, embedded
// by package config under `metrics:`. Call SetDefaults, then Validate.
//
//	metrics:
//	  addr: 127.0.0.1:9464     # the admin listener serving /metrics
//	  pileup_threshold: 10     # failed authentications per IP or login...
//	  pileup_window: 5m        # ...within this window raise a warning
type Config struct {
	// Disabled turns the admin listener off (collection still costs
	// little and keeps working for tests).
	Disabled bool `yaml:"disabled"`
	// Addr is the admin listener's host:port (default 127.0.0.1:9464).
	Addr string `yaml:"addr"`
	// AllowRemote must be set to listen on anything but loopback: the
	// series name every route and reveal traffic and failures.
	AllowRemote bool `yaml:"allow_remote"`
	// PileUpThreshold, PileUpWindow and PileUpMaxTracked configure the
	// failed-authentication detector (defaults 10, 5m, 10,000).
	PileUpThreshold  int           `yaml:"pileup_threshold"`
	PileUpWindow     time.Duration `yaml:"pileup_window"`
	PileUpMaxTracked int           `yaml:"pileup_max_tracked"`
}

// DefaultAddr is the admin listener's default address.
const DefaultAddr = "127.0.0.1:9464"

// SetDefaults fills every unset field.
func (c *Config) SetDefaults() {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.PileUpThreshold == 0 {
		c.PileUpThreshold = 10
	}
	if c.PileUpWindow == 0 {
		c.PileUpWindow = 5 * time.Minute
	}
	if c.PileUpMaxTracked == 0 {
		c.PileUpMaxTracked = 10_000
	}
}

// Validate reports every problem, each naming its field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("metrics."+format, args...)) }
	if !c.Disabled {
		host, port, err := net.SplitHostPort(c.Addr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			bad("addr: %q is not host:port", c.Addr)
		} else if !c.AllowRemote && !loopback(host) {
			bad("addr: %q is not a loopback address; set metrics.allow_remote: true to expose metrics beyond this host", c.Addr)
		}
	}
	if c.PileUpThreshold < 1 {
		bad("pileup_threshold: must be at least 1, got %d", c.PileUpThreshold)
	}
	if c.PileUpWindow < time.Second {
		bad("pileup_window: must be at least 1s, got %s", c.PileUpWindow)
	}
	if c.PileUpMaxTracked < 1 {
		bad("pileup_max_tracked: must be at least 1, got %d", c.PileUpMaxTracked)
	}
	return errors.Join(errs...)
}

// PileUp is the detector's options from the configuration.
func (c *Config) PileUp() PileUpOptions {
	return PileUpOptions{Threshold: c.PileUpThreshold, Window: c.PileUpWindow, MaxTracked: c.PileUpMaxTracked}
}

// loopback accepts "localhost" and loopback IPs; an empty host (all
// interfaces) is not loopback.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
