package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rampart/rampart/audit"
)

// auditChainCommand implements the tamper-evidence subcommands of `rampart
// audit` (args start with the subcommand):
//
//	rampart audit verify     [--since T] [--json]   walk the hash chains and checkpoints
//	rampart audit export     [--since T] [--format jsonl]
//	rampart audit checkpoint                        sign the chain heads now
//
// key is the checkpoint signing key (the data directory's); verify accepts
// only checkpoints signed with it. verify exits with an error naming the
// first broken link's entry id.
func auditChainCommand(ctx context.Context, t *audit.Trail, key ed25519.PrivateKey, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("audit: want verify, export or checkpoint")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	since := fs.String("since", "", "entries at or after `time` (RFC 3339 or YYYY-MM-DD)")
	format := fs.String("format", "jsonl", "export format: jsonl")
	asJSON := fs.Bool("json", false, "verify: print the report as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	from, err := audit.ParseTime(*since)
	if err != nil {
		return err
	}
	switch args[0] {
	case "verify":
		var pub ed25519.PublicKey
		if key != nil {
			pub = key.Public().(ed25519.PublicKey)
		}
		rep, err := t.Verify(ctx, from, pub)
		if err != nil {
			return err
		}
		if *asJSON {
			json.NewEncoder(stdout).Encode(rep)
		} else if rep.Broken == nil {
			fmt.Fprintf(stdout, "audit trail intact: %d entries, %d signed checkpoints\n", rep.Entries, rep.Checkpoints)
		}
		if b := rep.Broken; b != nil {
			return fmt.Errorf("audit trail broken at entry %d (chain %d, link %d): %s", b.ID, b.Shard, b.Seq, b.Problem)
		}
		return nil
	case "export":
		if *format != "jsonl" {
			return fmt.Errorf("audit export: unknown format %q (want jsonl)", *format)
		}
		n, err := t.Export(ctx, stdout, from)
		if err == nil {
			fmt.Fprintf(stderr, "%d entries exported\n", n)
		}
		return err
	case "checkpoint":
		if key == nil {
			return fmt.Errorf("audit checkpoint: no signing key")
		}
		if err := t.Checkpoint(ctx, key); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "checkpoint signed at %s\n", time.Now().UTC().Format(time.RFC3339))
		return nil
	}
	return fmt.Errorf("audit: unknown subcommand %q", args[0])
}

// setupAuditArchive is `rampart audit archive`: move the entries older
// than --older-than (default audit.retention) or --before into a new
// archive file, recording the cut in the chain.
func setupAuditArchive(fs *flag.FlagSet) func(context.Context, *call) error {
	olderThan := fs.Duration("older-than", 0, "archive entries older than this `duration` (default: audit.retention)")
	before := fs.String("before", "", "archive entries before this `time` (RFC 3339 or YYYY-MM-DD)")
	dir := fs.String("dir", "", "archive `directory` (default: audit.archive_dir, else DATA/audit-archive)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	return func(ctx context.Context, c *call) error {
		limit, err := audit.ParseTime(*before)
		if err != nil {
			return usageError{err.Error()}
		}
		keep := *olderThan
		if keep == 0 {
			keep = c.cfg.Audit.Retention
		}
		switch {
		case *before != "" && *olderThan != 0:
			return usageError{"audit archive: --before or --older-than, not both"}
		case *before == "" && keep <= 0:
			return usageError{"audit archive: say --older-than DURATION or --before TIME (or set audit.retention)"}
		case *before == "":
			limit = time.Now().Add(-keep)
		}
		d := *dir
		if d == "" {
			d = c.app.AuditArchiveDir()
		}
		rep, err := c.app.Audit.Archive(ctx, limit, d)
		if err != nil {
			return cliErr(err)
		}
		if *asJSON {
			return json.NewEncoder(c.env.stdout).Encode(rep)
		}
		if rep.Entries == 0 {
			_, err = fmt.Fprintf(c.env.stdout, "nothing to archive before %s\n", limit.UTC().Format(time.RFC3339))
			return err
		}
		_, err = fmt.Fprintf(c.env.stdout, "archived %d entries before %s to %s (sha256 %s)\n", rep.Entries, limit.UTC().Format(time.RFC3339), rep.File, rep.SHA256)
		return err
	}
}
