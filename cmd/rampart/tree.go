package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
)

// node is a command word: a group of subcommands, or a leaf that runs.
type node struct {
	name, summary string
	children      []*node
	// Leaves only:
	args  string // the usage after the command words, e.g. "--user LOGIN"
	nargs int    // positional arguments required (-1: any number)
	db    dbMode
	setup func(fs *flag.FlagSet) func(ctx context.Context, c *call) error
	// run marks a leaf (set by leaf()).
	run *struct{}
}

// dbMode is what a leaf needs from the database.
type dbMode int

const (
	dbNone    dbMode = iota // no database (version)
	dbScratch               // a throwaway database in a temporary directory (routes)
	dbRead                  // the configured database, read only: nothing created or written
	dbOpen                  // opened and migrated, not bootstrapped (demo wipe)
	dbWrite                 // opened and bootstrapped (users, keys)
	dbServe                 // everything serve does
	// dbDescribe: the configured database read only when there is one,
	// else a throwaway one (openapi: the routes and models need no data,
	// --user does). call.readErr keeps why the database could not be read.
	dbDescribe
)

func leaf(name, summary, args string, nargs int, db dbMode, setup func(fs *flag.FlagSet) func(context.Context, *call) error) *node {
	return &node{name: name, summary: summary, args: args, nargs: nargs, db: db, setup: setup, run: &struct{}{}}
}

func group(name, summary string, children ...*node) *node {
	return &node{name: name, summary: summary, children: children}
}

func commandTree() *node {
	return group("", "",
		leaf("serve", "run the server", "", 0, dbServe, setupServe),
		leaf("routes", "list every route: path, type, auth, methods, CSRF, scope, rate limit, version, sunset", "[--json]", 0, dbScratch, setupRoutes),
		leaf("openapi", "print the OpenAPI 3.1 document: every route and model, or what one user may do", "[--user LOGIN] [--out FILE]", 0, dbDescribe, setupOpenAPI),
		group("users", "manage users",
			leaf("create", "create a user", "--login LOGIN [--name NAME] [--email EMAIL] [--group XMLID]... [--password-stdin]", 0, dbWrite, setupUsersCreate),
			leaf("list", "list the users", "", 0, dbWrite, setupUsersList),
			leaf("passwd", "set a user's password (read from stdin; ends their sessions)", "--password-stdin LOGIN", 1, dbWrite, setupUsersPasswd),
			leaf("disable", "deactivate a user (ends their sessions and keys' use)", "LOGIN", 1, dbWrite, setupUsersActive(false)),
			leaf("enable", "reactivate a user", "LOGIN", 1, dbWrite, setupUsersActive(true)),
			leaf("groups", "show a user's groups, adding or removing some", "LOGIN [--add XMLID]... [--remove XMLID]...", 1, dbWrite, setupUsersGroups),
			leaf("2fa-reset", "turn a user's two-factor authentication off (lost phone and recovery codes); audited", "--login LOGIN", 0, dbWrite, setupUsers2FAReset),
		),
		group("keys", "manage API keys",
			leaf("create", "create an API key; prints it alone on stdout, once", "--user LOGIN --name NAME [--scope SCOPE]... [--expires-in DURATION]", 0, dbWrite, setupKeysCreate),
			leaf("list", "list API keys (never the secrets)", "[--user LOGIN]", 0, dbWrite, setupKeysList),
			leaf("revoke", "revoke an API key by id", "ID", 1, dbWrite, setupKeysRevoke),
		),
		group("access", "inspect access rights",
			leaf("explain", "explain why a user may or may not do an operation", "--user LOGIN --model MODEL [--op read|write|create|unlink] [--id ID] [--companies 1,2] [--json]", 0, dbRead, setupExplain),
		),
		group("audit", "read the audit trail",
			leaf("tail", "the latest entries", "[-n N] [--json]", 0, dbRead, setupAuditTail),
			leaf("search", "search the trail", "[--user ID] [--login L] [--op OP] [--model M] [--id ID] [--request-id R] [--since T] [--until T] [--before-id N] [--limit N] [--json]", 0, dbRead, setupAuditSearch),
			leaf("verify", "walk the hash chain and its signed checkpoints; report the first broken link", "[--since T] [--json]", 0, dbOpen, setupAuditChain("verify")),
			leaf("export", "write the entries with their chain links as JSON lines (for a SIEM)", "[--since T] [--format jsonl]", 0, dbOpen, setupAuditChain("export")),
			leaf("checkpoint", "sign a checkpoint of the chain now", "", 0, dbOpen, setupAuditChain("checkpoint")),
			leaf("archive", "move old entries to an archive file (0600 JSON lines), recording the cut in the chain", "[--older-than DURATION | --before T] [--dir DIR] [--json]", 0, dbOpen, setupAuditArchive),
		),
		group("demo", "demo databases",
			leaf("wipe", "take the demo users' credentials away (passwords, keys, sessions) so the database can be served without --demo", "", 0, dbOpen, setupDemoWipe),
		),
		leaf("lint", "report what is dangerous in this configuration: routes, ACLs, rules, secret fields, keys, users, sudo use", "[--format text|json] [--fail-on info|low|medium|high] [--sudo-days N]", 0, dbRead, setupLint),
		leaf("version", "print the module version, VCS commit and Go version", "", 0, dbNone, setupVersion),
	)
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// printUsage prints a group's subcommands.
func (n *node) printUsage(w io.Writer, path []string) {
	cmd := strings.TrimSpace("rampart " + strings.Join(path, " "))
	fmt.Fprintf(w, "usage: %s <command> [flags]   (%s <command> --help for its flags)\n\ncommands:\n", cmd, cmd)
	for _, c := range n.children {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	if len(path) > 0 {
		fmt.Fprintf(w, "\nshared flags, accepted anywhere on the line: %s\n", sharedFlagsLine)
	}
}

const sharedFlagsLine = "--data DIR | --db URL, --config FILE, --demo"

// call is one leaf's invocation.
type call struct {
	env  *cliEnv
	cfg  config.Config
	app  *rampart.App
	args []string // positional arguments
	// readErr is why dbDescribe fell back to a throwaway database.
	readErr error
}

// invoke parses the leaf's flags (anywhere among its arguments), opens the
// database as the leaf needs it, and runs it.
func (n *node) invoke(ctx context.Context, env *cliEnv, path []string, args []string) error {
	name := strings.Join(path, " ")
	fs := flag.NewFlagSet("rampart "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var sf serverFlags
	if n.db != dbNone {
		sf.register(fs, n.db == dbServe)
	}
	fn := n.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: rampart %s %s\n  %s\n\nflags:\n", name, n.args, n.summary)
		fs.PrintDefaults()
		if n.db == dbServe {
			fmt.Fprint(env.stderr, serveHelp)
		}
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if n.nargs >= 0 && len(pos) != n.nargs {
		fs.Usage()
		return usageError{fmt.Sprintf("%s: want %d argument(s), got %d", name, n.nargs, len(pos))}
	}
	c := &call{env: env, args: pos}
	if n.db == dbNone {
		return fn(ctx, c)
	}
	if c.cfg, err = sf.load(fs, env.environ); err != nil {
		return err
	}
	if n.db == dbServe {
		return fn(ctx, c) // serve opens and runs the App itself
	}
	closeApp, err := c.open(ctx, n.db)
	if err != nil {
		return err
	}
	defer closeApp()
	return fn(ctx, c)
}

// parseInterleaved parses flags that may come before, between and after
// the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// apps are the app sources the config asks for beyond its directories:
// the demo app in demo mode.
func apps(cfg config.Config) []rampart.AppSource {
	if cfg.Demo {
		return []rampart.AppSource{sales.App()}
	}
	return nil
}

// open opens the App as mode asks and returns its closer.
func (c *call) open(ctx context.Context, mode dbMode) (func(), error) {
	log := rampart.NewLogger(c.cfg.Log, c.env.stderr)
	opts := rampart.Options{Apps: apps(c.cfg)}
	var err error
	switch mode {
	case dbScratch:
		// The routes do not depend on the data: wire them on a throwaway
		// database, so that listing them creates and writes nothing.
		dir, derr := os.MkdirTemp("", "rampart-routes-")
		if derr != nil {
			return nil, derr
		}
		c.cfg.Data, c.cfg.DB = dir, ""
		c.app, err = rampart.Open(ctx, c.cfg, log, opts)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if c.cfg.Demo {
			if err := c.app.Handle(sales.Routes(c.app)...); err != nil {
				c.app.Close()
				os.RemoveAll(dir)
				return nil, err
			}
		}
		return func() { c.app.Close(); os.RemoveAll(dir) }, nil
	case dbDescribe:
		ro := opts
		ro.ReadOnly = true
		if c.app, err = rampart.Open(ctx, c.cfg, log, ro); err == nil {
			return func() { c.app.Close() }, nil
		}
		c.readErr = err
		return c.open(ctx, dbScratch)
	case dbRead:
		opts.ReadOnly = true
		c.app, err = rampart.Open(ctx, c.cfg, log, opts)
	case dbOpen:
		c.app, err = rampart.Open(ctx, c.cfg, log, opts)
	case dbWrite:
		// Administration commands do not serve: they work on a demo
		// database without --demo (without the demo app's models).
		opts.AllowDemoUsers = true
		c.app, err = rampart.New(ctx, c.cfg, log, opts)
	}
	if err != nil {
		return nil, err
	}
	return func() { c.app.Close() }, nil
}
