package access

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

// CLIDeps are what `rampart access explain` needs from the wired server.
type CLIDeps struct {
	Registry *orm.Registry
	DB       *store.DB
	Policy   *Policy
	Users    Users
}

// ExplainCommand implements
//
//	rampart access explain --user LOGIN --model MODEL --op OP [--id ID] [--companies 1,2] [--plan] [--json]
//
// args are the arguments after "explain". The command runs locally with
// database access, which is the administrator's privilege; it writes the
// explanation to stdout and usage errors to stderr.
func ExplainCommand(ctx context.Context, deps CLIDeps, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("access explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var req ExplainRequest
	var companies string
	var asJSON bool
	fs.StringVar(&req.User, "user", "", "`login` of the user to explain for (required)")
	fs.StringVar(&req.Model, "model", "", "`model` name, e.g. sale.order (required)")
	fs.StringVar(&req.Op, "op", "read", "operation: read, write, create or unlink")
	fs.Int64Var(&req.ID, "id", 0, "record `id` to judge (optional)")
	fs.StringVar(&companies, "companies", "", "active company `ids`, comma-separated (default: all the user's)")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of text")
	fs.BoolVar(&req.Plan, "plan", false, "add the database's plan (EXPLAIN) of the rule-filtered search_read")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rampart access explain --user LOGIN --model MODEL --op OP [--id ID] [--companies 1,2] [--plan] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || req.User == "" || req.Model == "" {
		fs.Usage()
		return fmt.Errorf("access explain: --user and --model are required")
	}
	for _, c := range strings.Split(companies, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("access explain: bad company id %q", c)
		}
		req.AllowedCompanyIDs = append(req.AllowedCompanyIDs, id)
	}
	e := orm.NewEnv(ctx, deps.Registry, deps.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "cli", Route: "cli:access explain"})
	x, err := deps.Policy.ExplainFor(e, deps.Users, req)
	e.Finish(err)
	if err != nil {
		return err
	}
	if asJSON {
		b, err := x.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	_, err = io.WriteString(stdout, x.Text())
	return err
}
