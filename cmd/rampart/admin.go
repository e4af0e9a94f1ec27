package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/identity"
)

// adminCommand opens the configured database (no listener) and runs fn.
// The administration commands act with the database's authority: whoever
// can run them can read the database file or URL anyway.
func adminCommand(name string, fn func(ctx context.Context, app *rampart.App, env *cliEnv, args []string) error) func(context.Context, *cliEnv, []string) error {
	return func(ctx context.Context, env *cliEnv, args []string) error {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(env.stderr)
		var f serverFlags
		f.register(fs)
		fs.Usage = func() {
			fmt.Fprintf(env.stderr, "usage: rampart %s [--config FILE] [--data DIR] [--db URL] [--demo] SUBCOMMAND ...\n", name)
			fs.PrintDefaults()
		}
		if err := fs.Parse(args); err != nil {
			return err
		}
		cfg, err := f.load(fs, env.environ)
		if err != nil {
			return err
		}
		// The CLI must not recreate demo data or print demo keys: it only
		// needs the demo app's models and security when the server has them.
		opts := rampart.Options{}
		if cfg.Demo {
			cfg.Demo = false
			opts.Apps = []rampart.AppSource{rampart.SalesApp()}
		}
		app, err := rampart.New(ctx, cfg, rampart.NewLogger(cfg.Log, env.stderr), opts)
		if err != nil {
			return err
		}
		defer app.Close()
		return fn(ctx, app, env, fs.Args())
	}
}

func cmdUsers(ctx context.Context, app *rampart.App, env *cliEnv, args []string) error {
	return identity.UsersCommand(ctx, app.Identity, args, env.stdin, env.stdout, env.stderr)
}

func cmdKeys(ctx context.Context, app *rampart.App, env *cliEnv, args []string) error {
	return identity.KeysCommand(ctx, app.Identity, args, env.stdin, env.stdout, env.stderr)
}

func cmdAccess(ctx context.Context, app *rampart.App, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "explain" {
		return fmt.Errorf("usage: rampart access explain --user LOGIN --model MODEL --op OP [--id ID]")
	}
	return access.ExplainCommand(ctx, access.CLIDeps{Registry: app.Registry, DB: app.DB, Policy: app.Policy, Users: app.Identity},
		args[1:], env.stdout, env.stderr)
}

func cmdAudit(ctx context.Context, app *rampart.App, env *cliEnv, args []string) error {
	if len(args) > 0 && (args[0] == "verify" || args[0] == "export" || args[0] == "checkpoint") {
		return audit.ChainCommand(ctx, app.Audit, app.Audit.SigningKey(), args, env.stdout, env.stderr)
	}
	return audit.Command(ctx, app.Audit, args, env.stdout, env.stderr)
}
