package audit

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Command implements `rampart audit tail|search`; args start with the
// subcommand. It reads the trail directly (a local administrator's
// privilege) and writes to stdout; usage goes to stderr.
//
//	rampart audit tail   [-n 20] [--json]
//	rampart audit search [--user ID] [--login L] [--op OP] [--model M] [--id ID]
//	                     [--request-id R] [--since T] [--until T] [--before-id N] [--limit N] [--json]
//
// Times are RFC 3339 (2026-01-31T12:00:00Z) or dates (2026-01-31, UTC).
func Command(ctx context.Context, t *Trail, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "tail" && args[0] != "search") {
		fmt.Fprintln(stderr, "usage: rampart audit tail|search [flags]  (-h for the flags)")
		return fmt.Errorf("audit: want tail or search")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f Filter
	var asJSON bool
	var op, since, until string
	fs.BoolVar(&asJSON, "json", false, "print JSON lines instead of a table")
	if args[0] == "tail" {
		fs.IntVar(&f.Limit, "n", 20, "number of entries")
	} else {
		fs.Int64Var(&f.UserID, "user", 0, "user `id` (acting or real)")
		fs.StringVar(&f.Login, "login", "", "`login`")
		fs.StringVar(&op, "op", "", "operation: "+opNames())
		fs.StringVar(&f.Model, "model", "", "`model` name")
		fs.Int64Var(&f.RecordID, "id", 0, "record `id`")
		fs.StringVar(&f.RequestID, "request-id", "", "request `id`")
		fs.StringVar(&since, "since", "", "entries at or after `time`")
		fs.StringVar(&until, "until", "", "entries before `time`")
		fs.Int64Var(&f.BeforeID, "before-id", 0, "page: entries with a smaller `id`")
		fs.IntVar(&f.Limit, "limit", 100, "maximum entries")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	f.Op = Op(op)
	var err error
	if f.Since, err = parseTime(since); err != nil {
		return err
	}
	if f.Until, err = parseTime(until); err != nil {
		return err
	}
	entries, err := t.Search(ctx, f)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	return writeTable(stdout, entries)
}

func opNames() string {
	ops := Ops()
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("audit: bad time %q (want RFC 3339 or YYYY-MM-DD)", s)
}

func writeTable(w io.Writer, entries []Entry) error {
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

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}
