package main

import (
	"context"
	"flag"
	"os"

	"github.com/rampart/rampart/apidoc"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// setupOpenAPI is `rampart openapi [--user LOGIN] [--out FILE]`: the
// OpenAPI 3.1 document of every route and model; with --user, only what
// that user may do (the document GET /doc/openapi.json gives them).
func setupOpenAPI(fs *flag.FlagSet) func(context.Context, *call) error {
	user := fs.String("user", "", "describe what `LOGIN` may do (default: the whole API)")
	out := fs.String("out", "", "write the document to `FILE` (default: stdout)")
	return func(ctx context.Context, c *call) error {
		if *user != "" && c.readErr != nil {
			return c.readErr // a user needs the real database
		}
		if c.cfg.Demo && c.readErr == nil {
			// The demo app's own routes, as serve --demo registers them
			// (the throwaway database registers them itself).
			if err := c.app.Handle(sales.Routes(c.app)...); err != nil {
				return err
			}
		}
		var p *principal.Principal
		if *user != "" {
			u, err := c.app.Identity.UserByLogin(ctx, *user)
			if err != nil {
				return err
			}
			if p, err = c.app.Identity.Principal(ctx, u.ID); err != nil {
				return err
			}
		}
		env := orm.NewEnv(ctx, c.app.Registry, c.app.DB, p, orm.EnvOptions{ReadOnly: true, RequestID: "cli-openapi"})
		if p == nil {
			env = env.Sudo("rampart openapi: the whole API is described")
		}
		doc, err := c.app.APIDoc.Document(env, p, *user)
		env.Finish(err)
		if err != nil {
			return err
		}
		b, err := apidoc.Marshal(doc)
		if err != nil {
			return err
		}
		if *out != "" {
			return os.WriteFile(*out, b, 0o644)
		}
		_, err = c.env.stdout.Write(b)
		return err
	}
}
