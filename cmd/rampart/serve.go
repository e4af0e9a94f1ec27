package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
)

// serverFlags are the flags every command that opens the database shares.
type serverFlags struct {
	config, addr, data, db string
	demo                   bool
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "YAML config `file`")
	fs.StringVar(&f.addr, "addr", "", "listen address `HOST:PORT` (default 127.0.0.1:8069)")
	fs.StringVar(&f.data, "data", "", "data `dir` (default ./rampart-data)")
	fs.StringVar(&f.db, "db", "", "database `URL`: sqlite:PATH or postgres://...")
	fs.BoolVar(&f.demo, "demo", false, "load the demo app, its users and data")
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

func (f *serverFlags) open(ctx context.Context, fs *flag.FlagSet, env *cliEnv) (*rampart.App, error) {
	cfg, err := f.load(fs, env.environ)
	if err != nil {
		return nil, err
	}
	return rampart.New(ctx, cfg, rampart.NewLogger(cfg.Log, env.stderr), rampart.Options{Stdout: env.stdout})
}

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f serverFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	app, err := f.open(ctx, fs, env)
	if err != nil {
		return err
	}
	return app.Run(ctx)
}

func cmdRoutes(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f serverFlags
	f.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	app, err := f.open(ctx, fs, env)
	if err != nil {
		return err
	}
	defer app.Close()
	type row struct {
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
	var rows []row
	for _, r := range app.HTTP.Routes() {
		x := row{Path: r.FullPath(), Name: r.Name, Type: string(r.Type), Auth: string(r.Auth), Methods: r.Methods,
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
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tTYPE\tAUTH\tMETHODS\tCSRF\tSCOPE\tRATE LIMIT\tVERSION\tSUNSET")
	for _, r := range rows {
		ver := "-"
		if r.Version > 0 {
			ver = fmt.Sprintf("v%d", r.Version)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", r.Path, r.Type, r.Auth, strings.Join(r.Methods, ","), r.CSRF,
			dash(r.Scope), dash(r.RateLimit), ver, dash(r.Sunset))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
