package access

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

// Explanation answers "why may (or may not) this user do this to these
// records": the ACL rows consulted, every rule of the model for the
// operation with its domain evaluated for the user, the combined domain,
// its SQL, and, for a record, the outcome under the 403/404 policy.
type Explanation struct {
	User  ExplainUser   `json:"user"`
	Model string        `json:"model"`
	Op    string        `json:"op"`
	ACL   ACLVerdict    `json:"acl"`
	Rules []RuleVerdict `json:"rules"`
	// Domain is the combined rule domain for (user, model, op): "[]" when
	// no rule restricts the user.
	Domain string `json:"domain"`
	// SQL is the WHERE fragment the domain compiles to for the database
	// in use (Dialect), with its parameters.
	Dialect string `json:"dialect"`
	SQL     string `json:"sql"`
	SQLArgs []any  `json:"sql_args"`
	// Record is set when a record id was asked about.
	Record *RecordVerdict `json:"record,omitempty"`
	// Allowed is the overall answer: the ACL allows op and, for a record,
	// the record passes.
	Allowed bool   `json:"allowed"`
	Summary string `json:"summary"`
	// Plan is the database's plan of the rule-filtered search_read, when
	// asked for (ExplainRequest.Plan).
	Plan *orm.QueryPlan `json:"plan,omitempty"`
}

// explainPlan asks the database for its plan of the search_read that req
// describes, run as e's user (record rules applied, never sudo).
func explainPlan(e *orm.Env, req ExplainRequest) (*orm.QueryPlan, error) {
	var d domain.Node
	if len(req.Domain) > 0 {
		var err error
		if d, err = domain.FromJSON(req.Domain); err != nil {
			return nil, err
		}
	}
	m, err := e.Model(req.Model)
	if err != nil {
		return nil, err
	}
	return m.ExplainSearch(d, nil, orm.SearchOptions{Order: req.Order, Limit: req.Limit})
}

// ExplainUser is who the explanation is for.
type ExplainUser struct {
	ID     int64  `json:"id"`
	Login  string `json:"login"`
	Public bool   `json:"public,omitempty"`
	// Groups are the user's groups, implied groups included, sorted.
	Groups []string `json:"groups"`
	// Companies are the active companies (company_ids in rules).
	Companies []int64 `json:"companies"`
}

// ACLVerdict is the model-level check.
type ACLVerdict struct {
	Allowed bool `json:"allowed"`
	// Rows are every ACL row of the model, each with whether it concerns
	// this user and grants op.
	Rows []ACLRowVerdict `json:"rows"`
	// Message is Odoo's refusal text when not allowed.
	Message string `json:"message,omitempty"`
}

// ACLRowVerdict is one ir.model.access row, judged for the user.
type ACLRowVerdict struct {
	XMLID string `json:"xmlid"`
	Group string `json:"group"` // "" = every user
	Perms string `json:"perms"` // "rwcu" letters set, "-" for unset
	// ForUser: the row has no group or one of the user's groups.
	ForUser bool `json:"for_user"`
	// Grants: active, for the user, with the op's permission set.
	Grants bool   `json:"grants"`
	Active bool   `json:"active"`
	Source string `json:"source"`
}

// RuleVerdict is one ir.rule of the model for op.
type RuleVerdict struct {
	XMLID  string   `json:"xmlid"`
	Name   string   `json:"name"`
	Global bool     `json:"global"`
	Groups []string `json:"groups,omitempty"`
	// Applies: global, or the user is in one of its groups. Group rules
	// that do not apply never restrict the user.
	Applies bool `json:"applies"`
	// Source is domain_force as written; Domain it evaluated for the user.
	Source string `json:"source"`
	Domain string `json:"domain"`
	// Passes is whether the record satisfies this rule alone (record
	// explanations only).
	Passes *bool  `json:"passes,omitempty"`
	Where  string `json:"where"`
}

// RecordVerdict is the outcome for one record.
type RecordVerdict struct {
	ID     int64 `json:"id"`
	Exists bool  `json:"exists"`
	// Readable: the record passes the read rules (else it is reported
	// as missing, whatever the operation).
	Readable bool `json:"readable"`
	// PassesOp: the record passes the rules of op itself.
	PassesOp bool `json:"passes_op"`
	// Outcome is what the caller gets: "allowed", "AccessError (403)" or
	// "MissingError (404)", and why.
	Outcome string `json:"outcome"`
}

// Explain explains op on model (and on record id when id > 0) for the
// user e acts as. e must not be sudo. It reads the database (existence,
// rule checks) through e's transaction, as superuser: it is an
// administrator's tool, and its callers check base.group_system.
func (p *Policy) Explain(e *orm.Env, model, op string, id int64) (*Explanation, error) {
	if !slices.Contains(Ops(), op) {
		return nil, errs.Ef(errs.ValidationError, "unknown operation %q (want read, write, create or unlink)", op)
	}
	meta, ok := e.Registry().Meta(model)
	if !ok {
		return nil, errs.Ef(errs.NotFound, "Object %s doesn't exist", model)
	}
	s, err := p.installed()
	if err != nil {
		return nil, err
	}
	x := &Explanation{Model: model, Op: op}
	var groups []string
	if u := e.User(); u != nil {
		groups = u.GroupXMLIDs
		x.User = ExplainUser{ID: u.UserID, Login: u.Login, Public: u.Public}
	}
	for g := range s.Expand(groups) {
		x.User.Groups = append(x.User.Groups, g)
	}
	sort.Strings(x.User.Groups)
	x.User.Companies = e.Companies()

	// ACL.
	x.ACL.Allowed = s.HasACL(model, op, groups)
	for _, a := range s.ACLRows(model) {
		forUser := a.Group == "" || s.Member(groups, a.Group)
		x.ACL.Rows = append(x.ACL.Rows, ACLRowVerdict{
			XMLID: a.XMLID, Group: a.Group, Perms: a.Perms.String(),
			ForUser: forUser, Grants: forUser && a.Active && a.Allows(op), Active: a.Active, Source: a.Pos.String(),
		})
	}
	if !x.ACL.Allowed {
		x.ACL.Message = ACLMessage(description(e, model), model, op, s.GroupsWithAccess(model, op))
	}

	// Rules, each evaluated for the user, and their combination.
	var trace []ruleTrace
	facts := &dbFacts{e: e}
	final, err := combine(s, s.RulesFor(model, op), e.User(), facts, e.Companies(), &trace)
	if err != nil {
		return nil, err
	}
	d := e.DB().Dialect
	for _, t := range trace {
		rv := RuleVerdict{XMLID: t.rule.XMLID, Name: t.rule.Name, Global: t.global, Groups: t.rule.Groups,
			Applies: t.applies, Source: strings.TrimSpace(t.rule.Domain), Domain: t.domain.String(), Where: t.rule.Pos.String()}
		x.Rules = append(x.Rules, rv)
	}
	x.Domain = final.String()
	x.Dialect = d.Name()
	if x.SQL, x.SQLArgs, err = domain.Compile(d, e.Registry(), model, final, domain.CompileOptions{}); err != nil {
		return nil, err
	}

	if id > 0 {
		if err := p.explainRecord(e, x, meta, op, id, trace); err != nil {
			return nil, err
		}
	}
	x.Allowed = x.ACL.Allowed && (x.Record == nil || x.Record.Outcome == "allowed")
	x.Summary = x.summary()
	return x, nil
}

// explainRecord checks the record against the read rules and op's rules,
// and each applicable rule alone.
func (p *Policy) explainRecord(e *orm.Env, x *Explanation, meta *orm.Meta, op string, id int64, trace []ruleTrace) error {
	rv := &RecordVerdict{ID: id}
	x.Record = rv
	var err error
	if rv.Exists, err = matches(e, meta, id, domain.True); err != nil {
		return err
	}
	readRule, err := combine(p.Set(), p.Set().RulesFor(meta.Name, "read"), e.User(), &dbFacts{e: e}, e.Companies(), nil)
	if err != nil {
		return err
	}
	opRule, err := combine(p.Set(), p.Set().RulesFor(meta.Name, op), e.User(), &dbFacts{e: e}, e.Companies(), nil)
	if err != nil {
		return err
	}
	if rv.Exists {
		if rv.Readable, err = matches(e, meta, id, readRule); err != nil {
			return err
		}
		if rv.PassesOp, err = matches(e, meta, id, opRule); err != nil {
			return err
		}
		for i, t := range trace {
			if !t.applies {
				continue
			}
			ok, err := matches(e, meta, id, t.domain)
			if err != nil {
				return err
			}
			x.Rules[i].Passes = &ok
		}
	}
	switch {
	case !x.ACL.Allowed:
		rv.Outcome = "AccessError (403): no ACL row grants " + op + " on " + meta.Name + " to the user's groups"
	case !rv.Exists:
		rv.Outcome = "MissingError (404): the record does not exist"
	case !rv.Readable:
		rv.Outcome = "MissingError (404): the read rules hide the record, so it is reported as missing"
	case !rv.PassesOp && op == "create":
		rv.Outcome = "AccessError (403): a record with these values would fail the create rules"
	case !rv.PassesOp:
		rv.Outcome = "AccessError (403): the record is readable but the " + op + " rules refuse it"
	default:
		rv.Outcome = "allowed"
	}
	return nil
}

// matches reports whether record id of meta exists and satisfies d,
// evaluated in SQL as superuser (rules never apply inside rules).
func matches(e *orm.Env, meta *orm.Meta, id int64, d domain.Node) (bool, error) {
	tx, err := e.Tx()
	if err != nil {
		return false, err
	}
	dia := tx.Dialect()
	where, args, err := domain.Compile(dia, e.Registry(), meta.Name, d, domain.CompileOptions{ArgOffset: 1})
	if err != nil {
		return false, err
	}
	t := dia.QuoteIdent(meta.Table)
	q := "SELECT COUNT(*) FROM " + t + " WHERE " + t + "." + dia.QuoteIdent("id") + " = " + dia.Placeholder(1) + " AND (" + where + ")"
	return countOne(e, tx, q, append([]any{id}, args...))
}

func countOne(e *orm.Env, tx *store.Tx, q string, args []any) (bool, error) {
	rows, err := tx.QueryRaw(e.Ctx(), q, args...)
	if err != nil {
		return false, errs.Internalf("explain: %w", err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, errs.Internalf("explain: %w", err)
		}
	}
	return n > 0, rows.Err()
}

func (x *Explanation) summary() string {
	who := x.User.Login
	if who == "" {
		who = "the caller"
	}
	switch {
	case !x.ACL.Allowed:
		return fmt.Sprintf("%s may not %s %s records at all: no ACL row grants it to their groups.", who, x.Op, x.Model)
	case x.Record != nil && x.Record.Outcome != "allowed":
		return fmt.Sprintf("%s may %s some %s records, but not #%d: %s.", who, x.Op, x.Model, x.Record.ID, x.Record.Outcome)
	case x.Record != nil:
		return fmt.Sprintf("%s may %s %s #%d.", who, x.Op, x.Model, x.Record.ID)
	case x.Domain == "[(1, '=', 1)]":
		return fmt.Sprintf("%s may %s every %s record.", who, x.Op, x.Model)
	}
	return fmt.Sprintf("%s may %s the %s records matching %s.", who, x.Op, x.Model, x.Domain)
}

// JSON is the explanation as indented JSON.
func (x *Explanation) JSON() ([]byte, error) { return json.MarshalIndent(x, "", "  ") }

// Text renders the explanation for a terminal.
func (x *Explanation) Text() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	user := x.User.Login
	if x.User.Public {
		user += " (public)"
	}
	w("%s\n\n", x.Summary)
	w("User:      %s (id=%d)\n", user, x.User.ID)
	w("Groups:    %s\n", strings.Join(x.User.Groups, ", "))
	w("Companies: %v (active)\n", x.User.Companies)
	w("Operation: %s on %s\n\n", x.Op, x.Model)
	w("ACL (ir.model.access): %s\n", verdict(x.ACL.Allowed))
	if len(x.ACL.Rows) == 0 {
		w("  no rows for this model: nobody but sudo may touch it\n")
	}
	for _, r := range x.ACL.Rows {
		g := r.Group
		if g == "" {
			g = "(everyone)"
		}
		mark := " "
		switch {
		case r.Grants:
			mark = "+"
		case !r.Active:
			mark = "~"
		case r.ForUser:
			mark = "-"
		}
		w("  %s %-40s %-40s %s  %s\n", mark, r.XMLID, g, r.Perms, r.Source)
	}
	w("  (+ grants, - the user's but lacks %s, ~ inactive, blank: other groups)\n", x.Op)
	if x.ACL.Message != "" {
		w("\n  %s\n", strings.ReplaceAll(x.ACL.Message, "\n", "\n  "))
	}
	w("\nRecord rules (ir.rule) for %s:\n", x.Op)
	if len(x.Rules) == 0 {
		w("  none: no restriction\n")
	}
	for _, r := range x.Rules {
		kind := "global"
		if !r.Global {
			kind = "groups " + strings.Join(r.Groups, ", ")
		}
		state := "applies"
		if !r.Applies {
			state = "ignored (not in its groups)"
		}
		w("  %s %q [%s] %s  %s\n", r.XMLID, r.Name, kind, state, r.Where)
		w("      domain_force: %s\n", oneLine(r.Source))
		w("      evaluated:    %s\n", r.Domain)
		if r.Passes != nil {
			w("      record:       %s\n", map[bool]string{true: "passes", false: "FAILS"}[*r.Passes])
		}
	}
	w("\nCombined domain: %s\n", x.Domain)
	w("  = AND(global rules) AND OR(rules of the user's groups)\n")
	w("SQL (%s): %s\n", x.Dialect, x.SQL)
	if len(x.SQLArgs) > 0 {
		w("  args: %v\n", x.SQLArgs)
	}
	if r := x.Record; r != nil {
		w("\nRecord #%d: exists=%v readable=%v passes-%s-rules=%v\n", r.ID, r.Exists, r.Readable, x.Op, r.PassesOp)
		w("Outcome: %s\n", r.Outcome)
	}
	if p := x.Plan; p != nil {
		w("\nQuery plan (%s), the rule-filtered search_read:\n  %s\n", p.Dialect, p.SQL)
		if len(p.Args) > 0 {
			w("  args: %v\n", p.Args)
		}
		for _, line := range p.Plan {
			w("  | %s\n", line)
		}
	}
	return b.String()
}

func verdict(ok bool) string {
	if ok {
		return "ALLOWED"
	}
	return "REFUSED"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
