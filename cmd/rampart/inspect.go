package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/orm"
)

// The read-only commands: access explain and audit tail/search. They open
// the database read-only (rampart.Options.ReadOnly) and act with the
// database's authority: whoever can run them can read the database anyway.

// explainLocal explains req in a read-only Env that acts as nobody: the
// caller is the local administrator, who can read the database anyway.
func explainLocal(ctx context.Context, a *rampart.App, req access.ExplainRequest) (*access.Explanation, error) {
	e := orm.NewEnv(ctx, a.Registry, a.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "cli", Route: "cli:access explain"})
	x, err := a.Policy.ExplainFor(e, a.Identity, req)
	e.Finish(err)
	return x, err
}

func setupExplain(fs *flag.FlagSet) func(context.Context, *call) error {
	var req access.ExplainRequest
	var companies string
	var asJSON bool
	fs.StringVar(&req.User, "user", "", "`login` of the user to explain for (required)")
	fs.StringVar(&req.Model, "model", "", "`model` name, e.g. sale.order (required)")
	fs.StringVar(&req.Op, "op", "read", "operation: read, write, create or unlink")
	fs.Int64Var(&req.ID, "id", 0, "record `id` to judge (optional)")
	fs.StringVar(&companies, "companies", "", "active company `ids`, comma-separated (default: all the user's)")
	fs.BoolVar(&req.Plan, "plan", false, "add the database's plan (EXPLAIN) of the rule-filtered search_read")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return func(ctx context.Context, c *call) error {
		if req.User == "" || req.Model == "" {
			return usageError{"access explain: --user and --model are required"}
		}
		for _, s := range strings.Split(companies, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return usageError{fmt.Sprintf("access explain: bad company id %q", s)}
			}
			req.AllowedCompanyIDs = append(req.AllowedCompanyIDs, id)
		}
		a := c.app
		x, err := explainLocal(ctx, a, req)
		if err != nil {
			return cliErr(err)
		}
		if asJSON {
			b, err := x.JSON()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.env.stdout, "%s\n", b)
			return err
		}
		_, err = io.WriteString(c.env.stdout, x.Text())
		return err
	}
}

func setupAuditTail(fs *flag.FlagSet) func(context.Context, *call) error {
	var f audit.Filter
	fs.IntVar(&f.Limit, "n", 20, "number of entries")
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	return func(ctx context.Context, c *call) error {
		return auditSearch(ctx, c, f, *asJSON)
	}
}

func setupAuditSearch(fs *flag.FlagSet) func(context.Context, *call) error {
	var f audit.Filter
	var op, since, until string
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	fs.Int64Var(&f.UserID, "user", 0, "user `id` (acting or real)")
	fs.StringVar(&f.Login, "login", "", "`login`")
	fs.StringVar(&op, "op", "", "operation: "+opNames())
	fs.StringVar(&f.Model, "model", "", "`model` name")
	fs.Int64Var(&f.RecordID, "id", 0, "record `id`")
	fs.StringVar(&f.RequestID, "request-id", "", "request `id`")
	fs.StringVar(&since, "since", "", "entries at or after `time` (RFC 3339 or YYYY-MM-DD, UTC)")
	fs.StringVar(&until, "until", "", "entries before `time`")
	fs.Int64Var(&f.BeforeID, "before-id", 0, "page: entries with a smaller `id`")
	fs.IntVar(&f.Limit, "limit", 100, "maximum entries")
	return func(ctx context.Context, c *call) error {
		f.Op = audit.Op(op)
		var err error
		if f.Since, err = audit.ParseTime(since); err != nil {
			return usageError{err.Error()}
		}
		if f.Until, err = audit.ParseTime(until); err != nil {
			return usageError{err.Error()}
		}
		return auditSearch(ctx, c, f, *asJSON)
	}
}

func auditSearch(ctx context.Context, c *call, f audit.Filter, asJSON bool) error {
	entries, err := c.app.Audit.Search(ctx, f)
	if err != nil {
		return cliErr(err)
	}
	if asJSON {
		enc := json.NewEncoder(c.env.stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	return writeAuditTable(c.env.stdout, entries)
}

func opNames() string {
	ops := audit.Ops()
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

func writeAuditTable(w io.Writer, entries []audit.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tOP\tUSER\tMODEL\tIDS\tFIELDS\tREASON / DETAIL\tREQUEST\tCLIENT")
	for _, e := range entries {
		user := fmt.Sprint(e.UserID)
		if e.Login != "" {
			user = e.Login + "(" + user + ")"
		}
		if e.RealUserID != 0 && e.RealUserID != e.UserID {
			user += fmt.Sprintf(" by %d", e.RealUserID)
		}
		why := e.Detail
		if e.Reason != "" {
			why = "sudo: " + e.Reason + "; " + why
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Format("2006-01-02 15:04:05"), e.Op, user,
			dash(e.Model), dash(joinIDs(e.IDs)), dash(strings.Join(e.Fields, ",")), dash(why), dash(e.RequestID), dash(e.ClientIP))
	}
	return tw.Flush()
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

func setupDemoWipe(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(ctx context.Context, c *call) error {
		wiped, err := c.app.WipeDemoUsers(ctx)
		if err != nil {
			return err
		}
		if len(wiped) == 0 {
			fmt.Fprintln(c.env.stdout, "no demo users in this database")
			return nil
		}
		fmt.Fprintf(c.env.stdout, "wiped the demo credentials of %s: passwords replaced by unknown ones, API keys revoked, sessions ended;\n"+
			"the users other than admin are disabled. Set the administrator's password with\n"+
			"  rampart users passwd --password-stdin admin\n", strings.Join(wiped, ", "))
		return nil
	}
}

// setupAuditChain runs the hash-chain commands (auditchain.go
// auditChainCommand). They link entries still waiting to be linked, so they
// open the database for writing.
func setupAuditChain(sub string) func(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(fs *flag.FlagSet) func(context.Context, *call) error {
		since := fs.String("since", "", "entries at or after `time` (RFC 3339 or YYYY-MM-DD)")
		format := fs.String("format", "jsonl", "export format: jsonl")
		asJSON := fs.Bool("json", false, "verify: print the report as JSON")
		return func(ctx context.Context, c *call) error {
			args := []string{sub, "--since=" + *since, "--format=" + *format, fmt.Sprintf("--json=%t", *asJSON)}
			return auditChainCommand(ctx, c.app.Audit, c.app.Audit.SigningKey(), args, c.env.stdout, c.env.stderr)
		}
	}
}
