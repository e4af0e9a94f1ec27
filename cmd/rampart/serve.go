package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
)

// serverFlags are the flags every command that opens the database shares.
type serverFlags struct {
	config, addr, data, db string
	demo                   bool
}

func (f *serverFlags) register(fs *flag.FlagSet, addr bool) {
	fs.StringVar(&f.config, "config", "", "YAML config `file` (keys: README.md, section Configuration)")
	if addr {
		fs.StringVar(&f.addr, "addr", "", "listen address `HOST:PORT` (default 127.0.0.1:8069)")
	}
	fs.StringVar(&f.data, "data", "", "data `dir` (default ./rampart-data, or ./rampart-demo with --demo)")
	fs.StringVar(&f.db, "db", "", "database `URL`: sqlite:PATH or postgres://... (default: SQLite in the data dir)")
	fs.BoolVar(&f.demo, "demo", false, "the demo app (examples/sales): serve loads its users and data; other commands load its models")
}

// load builds the config: defaults, then the file, then RAMPART_*
// variables, then flags that were set, then validation.
func (f *serverFlags) load(fs *flag.FlagSet, environ []string) (config.Config, error) {
	c := config.Default()
	if f.config != "" {
		if err := c.LoadFile(f.config); err != nil {
			return c, err
		}
	}
	if err := c.LoadEnv(environ); err != nil {
		return c, err
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "addr":
			c.HTTP.Addr = f.addr
		case "data":
			c.Data = f.data
		case "db":
			c.DB = f.db
		case "demo":
			c.Demo = f.demo
		}
	})
	return c, c.Validate()
}

// serveHelp ends `rampart serve --help`: where the settings are.
const serveHelp = `
Every setting can also come from a YAML file (--config) or a RAMPART_*
environment variable (the key path in upper case joined by _, e.g.
http.read_timeout is RAMPART_HTTP_READ_TIMEOUT); flags override the
environment, which overrides the file. The configuration reference, every
key with its variable and default: README.md, section "Configuration"; what
a real deployment needs: README.md, section "A real deployment".
`

func setupServe(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(ctx context.Context, c *call) error {
		opts := rampart.Options{Apps: apps(c.cfg)}
		app, err := rampart.New(ctx, c.cfg, rampart.NewLogger(c.cfg.Log, c.env.stderr), opts)
		if err != nil {
			return err
		}
		if c.cfg.Demo {
			if err := app.Handle(sales.Routes(app)...); err != nil {
				app.Close()
				return err
			}
			if _, err := sales.Seed(ctx, app, c.env.stdout); err != nil {
				app.Close()
				return err
			}
		}
		return app.Run(ctx)
	}
}

// routeRow is one route as `rampart routes` prints it.
type routeRow struct {
	Path       string   `json:"path"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Auth       string   `json:"auth"`
	Methods    []string `json:"methods"`
	CSRF       bool     `json:"csrf"`
	Scope      string   `json:"scope,omitempty"`
	RateLimit  string   `json:"rate_limit,omitempty"`
	Version    int      `json:"version,omitempty"`
	CORS       []string `json:"cors_origins,omitempty"`
	Deprecated string   `json:"deprecated,omitempty"`
	Sunset     string   `json:"sunset,omitempty"`
}

func setupRoutes(fs *flag.FlagSet) func(context.Context, *call) error {
	asJSON := fs.Bool("json", false, "print JSON (and nothing else)")
	return func(ctx context.Context, c *call) error {
		rows := []routeRow{}
		for _, r := range c.app.HTTP.Routes() {
			x := routeRow{Path: r.FullPath(), Name: r.Name, Type: string(r.Type), Auth: string(r.Auth), Methods: r.Methods,
				CSRF: r.CSRFEnabled(), Scope: r.Scope, RateLimit: string(r.RateLimit), Version: r.Version}
			if r.CORS != nil {
				x.CORS = r.CORS.Origins
			}
			if !r.Deprecated.IsZero() {
				x.Deprecated = r.Deprecated.UTC().Format("2006-01-02")
			}
			if !r.Sunset.IsZero() {
				x.Sunset = r.Sunset.UTC().Format("2006-01-02")
			}
			rows = append(rows, x)
		}
		if *asJSON {
			enc := json.NewEncoder(c.env.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rows)
		}
		tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tTYPE\tAUTH\tMETHODS\tCSRF\tSCOPE\tRATE LIMIT\tVERSION\tSUNSET")
		for _, r := range rows {
			ver := "-"
			if r.Version > 0 {
				ver = fmt.Sprintf("v%d", r.Version)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", r.Path, r.Type, r.Auth, strings.Join(r.Methods, ","), r.CSRF,
				dash(r.Scope), dash(string(r.RateLimit)), ver, dash(r.Sunset))
		}
		return tw.Flush()
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// setupVersion prints what debug.ReadBuildInfo knows: the module version
// ("(devel)" for a source build), the VCS commit and time (when built
// from a checkout), and the Go version.
func setupVersion(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(ctx context.Context, c *call) error {
		fmt.Fprintln(c.env.stdout, versionLine(debug.ReadBuildInfo()))
		return nil
	}
}

func versionLine(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "rampart (no build information)"
	}
	version, commit, when, dirty := bi.Main.Version, "unknown", "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			when = " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	return fmt.Sprintf("rampart %s %s commit %s%s%s %s", bi.Main.Path, version, commit, when, dirty, bi.GoVersion)
}
