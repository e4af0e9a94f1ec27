// Command testsummary runs `go test -json` with the given arguments, shows
// what `go test` shows (each package's result, and the output of failed
// tests), and ends with one summary of the skipped tests grouped by the
// reason they gave: `go test ./...` itself never shows a passing
// package's skips, so a missing PostgreSQL or Redis would go unnoticed.
//
//	go run ./internal/testsummary ./...
//	go run ./internal/testsummary -run TestX ./orm
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action, Package, Test, Output string
}

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	skips := summarize(out, os.Stdout)
	err = cmd.Wait()
	printSkips(os.Stdout, skips)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		os.Exit(1)
	}
}

// summarize copies the non-verbose output to w and returns the skipped
// tests by reason.
func summarize(r io.Reader, w io.Writer) map[string][]string {
	outputs := map[string][]string{} // package/test → output lines
	skips := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(w, sc.Text()) // build errors and the like
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Test == "" && e.Action == "output":
			if l := e.Output; !strings.HasPrefix(l, "PASS") && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") {
				fmt.Fprint(w, l)
			}
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Action == "fail":
			fmt.Fprint(w, strings.Join(outputs[key], ""))
			delete(outputs, key)
		case e.Action == "skip" && e.Test != "":
			reason := skipReason(outputs[key])
			skips[reason] = append(skips[reason], strings.TrimPrefix(e.Package, "github.com/rampart/rampart/")+" "+e.Test)
			delete(outputs, key)
		case e.Action == "pass":
			delete(outputs, key)
		}
	}
	return skips
}

// fileLine is the "file.go:12: " prefix of a t.Skip message.
var fileLine = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

// skipReason is the message a test gave to t.Skip.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return fileLine.ReplaceAllString(l, "")
	}
	return "(no reason given)"
}

func printSkips(w io.Writer, skips map[string][]string) {
	if len(skips) == 0 {
		fmt.Fprintln(w, "testsummary: no test was skipped")
		return
	}
	reasons := make([]string, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return len(skips[reasons[i]]) > len(skips[reasons[j]]) })
	fmt.Fprintln(w, "\ntestsummary: skipped tests, by reason:")
	for _, r := range reasons {
		fmt.Fprintf(w, "  %4d  %s  (e.g. %s)\n", len(skips[r]), r, skips[r][0])
	}
	fmt.Fprintln(w, "to run the database suites set RAMPART_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable\n"+
		"and RAMPART_TEST_REDIS=redis://127.0.0.1:6379/0 (or run .ci/run, which starts both)")
}
