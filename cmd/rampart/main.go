// Command rampart is the rampart server and its administration tool.
//
//	rampart serve  [--demo] [--addr HOST:PORT] [--data DIR | --db URL] [--config FILE]
//	rampart routes [--json]
//	rampart users|keys|access|audit|demo SUBCOMMAND ... [--data DIR | --db URL] [--config FILE] [--demo]
//	rampart version
//
// Flags may come anywhere after the command words; `--help` works at
// every level. Run `rampart help` for every command. This package is the
// CLI: it parses command lines and prints; the behaviour lives in the
// packages (identity, access, audit) as plain Go functions.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// cliEnv is what commands share: streams and the process environment,
// passed in so tests can run commands in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}

// usageError is a bad command line: the usage was printed, exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, environ: os.Environ()}
	code := exitCode(run(ctx, env, os.Args[1:]), env.stderr)
	stop()
	os.Exit(code)
}

// exitCode reports err and maps it to the process status: 0 success
// (help included), 2 a bad command line, 1 anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "rampart:", err)
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run dispatches a command line: the command words (e.g. "keys create")
// select a leaf command, whose flags may appear anywhere after them.
func run(ctx context.Context, env *cliEnv, args []string) error {
	root := commandTree()
	node, path := root, []string{}
	for {
		// Flags before or between command words (rampart --data D keys create).
		i := firstWord(args)
		if node.run != nil || i < 0 {
			break
		}
		if isHelp(args[i]) {
			node.printUsage(env.stderr, path)
			return nil
		}
		child := node.child(args[i])
		if child == nil {
			node.printUsage(env.stderr, path)
			return usageError{fmt.Sprintf("unknown command %q", strings.Join(append(path, args[i]), " "))}
		}
		path = append(path, args[i])
		args = append(args[:i:i], args[i+1:]...)
		node = child
	}
	if node.run == nil {
		if hasHelp(args) {
			node.printUsage(env.stderr, path)
			return nil
		}
		node.printUsage(env.stderr, path)
		if len(path) == 0 {
			return usageError{"no command"}
		}
		return usageError{"missing subcommand for " + strings.Join(path, " ")}
	}
	return node.invoke(ctx, env, path, args)
}

// firstWord is the index of the first argument that is not a flag or a
// shared flag's value, -1 when none.
func firstWord(args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return -1
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return i
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if sharedValueFlags[name] {
			i++ // its value
		}
	}
	return -1
}

// sharedValueFlags are the shared flags that take a value (see serverFlags).
var sharedValueFlags = map[string]bool{"config": true, "data": true, "db": true}

func isHelp(a string) bool { return a == "help" || a == "-h" || a == "-help" || a == "--help" }

func hasHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}
