// Command rampart is the rampart server and its administration tool.
//
//	rampart serve [--addr HOST:PORT] [--data DIR] [--db URL] [--config FILE] [--demo]
//	rampart routes [--json]
//	rampart users|keys|access|audit [--data DIR | --db URL | --config FILE] SUBCOMMAND ...
//
// Run `rampart help` for every command. This file is CLI and wiring only;
// the behaviour lives in the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, usage string
	run         func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what commands share: streams and the process environment,
// passed in so tests can run commands in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}

func commands() []command {
	return []command{
		{"serve", "run the server", cmdServe},
		{"routes", "list every route with its type, auth, methods, CSRF, scope and version", cmdRoutes},
		{"users", "users create|list|passwd|disable|groups ...", adminCommand("users", cmdUsers)},
		{"keys", "keys create --user LOGIN --name NAME [--scope S]... [--expires-in D] | list | revoke", adminCommand("keys", cmdKeys)},
		{"access", "access explain --user LOGIN --model MODEL --op OP [--id ID]", adminCommand("access", cmdAccess)},
		{"audit", "audit tail|search|verify|export|checkpoint ...", adminCommand("audit", cmdAudit)},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, environ: os.Environ()}
	if err := run(ctx, env, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rampart:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.stderr)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(env.stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rampart <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
}
