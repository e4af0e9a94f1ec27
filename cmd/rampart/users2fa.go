package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
)

// setupUsers2FAReset: `rampart users 2fa-reset --login X`, the console's
// "Reset two-factor authentication" for an operator at the server (no
// administrator account needed: an administrator who lost their own phone
// and recovery codes). identity.ResetTwoFactor records 2fa_disabled with
// "reset from the server's CLI".
func setupUsers2FAReset(fs *flag.FlagSet) func(context.Context, *call) error {
	login := fs.String("login", "", "the user's `login` (required)")
	return func(ctx context.Context, c *call) error {
		if *login == "" {
			return usageError{"users 2fa-reset: --login is required"}
		}
		u, err := c.app.Identity.UserByLogin(ctx, *login)
		if err != nil {
			return cliErr(err)
		}
		if err := c.app.Identity.ResetTwoFactor(ctx, nil, u.ID, netip.Addr{}); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.env.stdout, "two-factor authentication reset for %s: the password alone signs in again until they enrol anew\n", u.Login)
		return nil
	}
}
