// Package lint reports what is dangerous in a rampart configuration: its
// routes, models, ACLs, record rules, field groups, API keys, users and
// sudo use. It only reads: Check works on values gathered beforehand
// (Gather reads them from an opened App's components), and nothing here
// writes to a database.
//
// Every finding has a check name, a severity, where it is (a security
// file and line, or an id: route path, key id, user login, model) and a
// fix. A finding the operator accepts is explained by an inline
// `lint:ignore CHECK REASON` comment in the security file (see
// access.Ignore); it is still reported, marked ignored with the reason,
// and does not count for --fail-on.
package lint

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
)

// Severity orders findings: Info < Low < Medium < High.
type Severity int

// Severities.
const (
	Info Severity = iota
	Low
	Medium
	High
)

var severityNames = []string{"info", "low", "medium", "high"}

func (s Severity) String() string {
	if s < Info || s > High {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the name (JSON output).
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads info, low, medium or high.
func ParseSeverity(name string) (Severity, error) {
	i := slices.Index(severityNames, strings.ToLower(strings.TrimSpace(name)))
	if i < 0 {
		return 0, errs.Ef(errs.ValidationError, "unknown severity %q (want info, low, medium or high)", name)
	}
	return Severity(i), nil
}

// Finding is one reported problem.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// File and Line locate a security-file declaration; ID names the
	// object otherwise (and also for declarations: their external id).
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Ignored is the reason of the lint:ignore comment that accepts the
	// finding; an ignored finding never fails the run.
	Ignored string `json:"ignored,omitempty"`
}

// Where is "file:line (id)", "file:line" or "id".
func (f Finding) Where() string {
	var w string
	if f.File != "" {
		w = access.Pos{File: f.File, Line: f.Line}.String()
	}
	switch {
	case w == "":
		return f.ID
	case f.ID != "":
		return w + " (" + f.ID + ")"
	}
	return w
}

// TwoFactor says whether a user has a second factor (cmd/rampart adapts
// identity's TOTP status); without one the 2FA check is skipped with an
// info note.
type TwoFactor interface {
	Enabled(ctx context.Context, uid int64) (bool, error)
}

// User is what the user checks need.
type User struct {
	ID     int64
	Login  string
	Active bool
	// Groups are the user's groups as stored (implied ones are added
	// through the security Set).
	Groups []string
	// Created is when the user was created (zero: unknown).
	Created time.Time
	// LastSeen is the latest sign of use: a login in the audit trail, a
	// session seen, an API key used (zero: never).
	LastSeen time.Time
}

// Key is an API key (never its secret).
type Key struct {
	ID        int64
	Login     string
	Name      string
	CreatedAt time.Time
	ExpiresAt *time.Time
	RevokedAt *time.Time
	LastUsed  *time.Time
}

// ReasonCount is how often a sudo reason was used.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Input is everything the checks read.
type Input struct {
	Routes   []*httpd.Route
	Models   *orm.Registry
	Security *access.Set
	Keys     []Key
	Users    []User
	// Sudo are the sudo reasons of the audit trail, most used first;
	// SudoSince is the start of the window they were counted over.
	Sudo      []ReasonCount
	SudoSince time.Time
	// TwoFactor, when set, enables the administrators-without-2FA check.
	TwoFactor TwoFactor
	Now       time.Time
}

// Thresholds of the age checks.
const (
	KeyUnusedAfter  = 90 * 24 * time.Hour
	UserIdleAfter   = 365 * 24 * time.Hour
	CORSManyOrigins = 3 // more origins than this with credentials is "many"
	SudoListed      = 10
)

// Report is the result of a run.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Check runs every check on in and returns the findings, the accepted ones
// marked with their lint:ignore reason, sorted by severity (highest
// first), check and place.
func Check(ctx context.Context, in Input) (*Report, error) {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	var out []Finding
	out = append(out, checkRoutes(in.Routes)...)
	if in.Models != nil && in.Security != nil {
		out = append(out, checkSecurity(in.Models, in.Security)...)
	}
	out = append(out, checkKeys(in.Keys, in.Now)...)
	users, err := checkUsers(ctx, in)
	if err != nil {
		return nil, err
	}
	out = append(out, users...)
	out = append(out, sudoFindings(in.Sudo, in.SudoSince)...)
	if in.Security != nil {
		out = applyIgnores(out, in.Security.Ignores)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	if out == nil {
		out = []Finding{}
	}
	return &Report{Findings: out}, nil
}

// applyIgnores marks the findings a lint:ignore comment explains. An
// ignore without a reason explains nothing (and is reported), as is one
// that matches no finding (stale: the danger it explained is gone, or the
// comment is misplaced).
func applyIgnores(fs []Finding, igs []access.Ignore) []Finding {
	for _, ig := range igs {
		where := Finding{File: ig.Pos.File, Line: ig.Pos.Line}
		if ig.Check == "" || ig.Reason == "" {
			where.Check, where.Severity = "lint-ignore-invalid", Low
			where.Message = "lint:ignore needs a check name and a reason: `lint:ignore CHECK[=TARGET] REASON`"
			where.Fix = "write the check the comment accepts and why"
			fs = append(fs, where)
			continue
		}
		used := false
		for i := range fs {
			if fs[i].Check == ig.Check && ig.Target != "" && fs[i].ID == ig.Target && fs[i].Ignored == "" {
				fs[i].Ignored, used = ig.Reason, true
			}
		}
		if !used {
			where.Check, where.Severity, where.ID = "lint-ignore-unused", Low, ig.Target
			where.Message = fmt.Sprintf("lint:ignore %s matches no finding", ig.Check)
			where.Fix = "remove the comment, or put it right above the declaration it explains (or name it: CHECK=ID)"
			fs = append(fs, where)
		}
	}
	return fs
}

// Failed reports whether a finding at or above min is not ignored.
func (r *Report) Failed(min Severity) bool {
	for _, f := range r.Findings {
		if f.Ignored == "" && f.Severity >= min {
			return true
		}
	}
	return false
}

// Counts are the findings per severity, the ignored ones apart.
func (r *Report) Counts() (bySeverity [4]int, ignored int) {
	for _, f := range r.Findings {
		if f.Ignored != "" {
			ignored++
			continue
		}
		if f.Severity >= Info && f.Severity <= High {
			bySeverity[f.Severity]++
		}
	}
	return bySeverity, ignored
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one block per finding and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range r.Findings {
		sev := strings.ToUpper(f.Severity.String())
		if f.Ignored != "" {
			sev += " (ignored)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sev, f.Check, f.Where())
		fmt.Fprintf(tw, "\t\t%s\n", f.Message)
		if f.Ignored != "" {
			fmt.Fprintf(tw, "\t\taccepted: %s\n", f.Ignored)
		} else if f.Fix != "" {
			fmt.Fprintf(tw, "\t\tfix: %s\n", f.Fix)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c, ign := r.Counts()
	_, err := fmt.Fprintf(w, "%d high, %d medium, %d low, %d info; %d ignored\n", c[High], c[Medium], c[Low], c[Info], ign)
	return err
}
