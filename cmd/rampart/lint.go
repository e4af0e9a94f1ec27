package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/lint"
)

// lintFailed is a lint run with findings at or above --fail-on: exit
// status 1, for CI.
type lintFailed struct {
	min lint.Severity
	n   int
}

func (e lintFailed) Error() string {
	return fmt.Sprintf("lint: %d finding(s) at or above %s", e.n, e.min)
}

// setupLint is `rampart lint`: the configured database opened read-only
// (nothing created or written, as routes), its routes, models, security,
// keys, users and audit trail checked by package lint.
func setupLint(fs *flag.FlagSet) func(context.Context, *call) error {
	format := fs.String("format", "text", "output `format`: text or json")
	failOn := fs.String("fail-on", "high", "exit with status 1 on a finding of this `severity` or above (info, low, medium, high) that no lint:ignore explains")
	sudoDays := fs.Int("sudo-days", 90, "count sudo reasons over the last `N` days (0: the whole trail)")
	return func(ctx context.Context, c *call) error {
		min, err := lint.ParseSeverity(*failOn)
		if err != nil {
			return usageError{"lint: --fail-on: " + err.Error()}
		}
		if *format != "text" && *format != "json" {
			return usageError{fmt.Sprintf("lint: --format %q: want text or json", *format)}
		}
		if *sudoDays < 0 {
			return usageError{"lint: --sudo-days must be 0 or more"}
		}
		a := c.app
		routes := a.HTTP.Routes()
		if c.cfg.Demo {
			// The demo app's routes are registered by serve, not by Open.
			if err = a.Handle(sales.Routes(a)...); err != nil {
				return err
			}
			routes = a.HTTP.Routes()
		}
		now := time.Now()
		src := lint.Sources{DB: a.DB, Routes: routes, Registry: a.Registry, Security: a.Security, Identity: a.Identity, Audit: a.Audit, Now: now,
			TwoFactor: twoFactorOf{a.Identity}}
		if *sudoDays > 0 {
			src.SudoSince = now.AddDate(0, 0, -*sudoDays)
		}
		in, err := lint.Gather(ctx, src)
		if err != nil {
			return cliErr(err)
		}
		rep, err := lint.Check(ctx, in)
		if err != nil {
			return cliErr(err)
		}
		if *format == "json" {
			err = rep.WriteJSON(c.env.stdout)
		} else {
			err = rep.WriteText(c.env.stdout)
		}
		if err != nil {
			return err
		}
		if rep.Failed(min) {
			n := 0
			for _, f := range rep.Findings {
				if f.Ignored == "" && f.Severity >= min {
					n++
				}
			}
			return lintFailed{min: min, n: n}
		}
		return nil
	}
}

// twoFactorOf is identity's TOTP status as lint asks for it.
type twoFactorOf struct{ s *identity.Service }

func (t twoFactorOf) Enabled(ctx context.Context, uid int64) (bool, error) {
	st, err := t.s.TwoFactor(ctx, uid)
	return st.Enabled, err
}
