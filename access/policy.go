package access

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
)

// Policy implements orm.Policy over a Set. It is safe for concurrent use;
// Replace swaps the Set atomically (a reload of the security files).
type Policy struct {
	set    atomic.Pointer[Set]
	cache  *ruleCache
	groups groupExprCache
	log    *slog.Logger
	now    func() time.Time
}

var _ orm.Policy = (*Policy)(nil)

// PolicyOptions configure a Policy. Zero values pick defaults.
type PolicyOptions struct {
	Logger *slog.Logger
	// CacheSize bounds the combined-domain cache (entries; default 10000).
	CacheSize int
	// FactsTTL bounds how long a cached domain that read user facts from
	// the database (user.name, the commercial partner) is reused; a
	// partner moved under another company is seen after at most this long,
	// or at once after Invalidate. Default one minute.
	FactsTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewPolicy returns a Policy deciding with s. s may be nil when the rules
// are loaded after the models are declared (the registry needs its policy
// first, the rule loader needs the registry): until Replace installs a Set,
// the Policy refuses every model, record and field (errs.Internal; a
// misconfiguration, not the client's fault) and never allows.
func NewPolicy(s *Set, opt PolicyOptions) *Policy {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = 10000
	}
	if opt.FactsTTL <= 0 {
		opt.FactsTTL = time.Minute
	}
	p := &Policy{cache: newRuleCache(opt.CacheSize, opt.FactsTTL), log: opt.Logger, now: opt.Now}
	p.set.Store(s)
	return p
}

// Set is the configuration in force; nil until one is installed.
func (p *Policy) Set() *Set { return p.set.Load() }

// installed is the Set in force, or the error every check returns while
// there is none.
func (p *Policy) installed() (*Set, error) {
	s := p.set.Load()
	if s == nil {
		p.log.Error("access: a check ran before the security rules were installed; refused")
		return nil, errs.Internalf("access: no security rules installed")
	}
	return s, nil
}

// Replace puts s in force and drops every cached domain. It also installs
// the first Set of a Policy made with NewPolicy(nil, ...).
func (p *Policy) Replace(s *Set) {
	p.set.Store(s)
	p.cache.clear()
}

// Invalidate drops every cached domain. Group membership changes need no
// call (the cache key holds the user's groups); call it after changing
// partners' commercial entity or user names if rules read them and the
// FactsTTL delay is too long.
func (p *Policy) Invalidate() { p.cache.clear() }

func userGroups(u *principal.Principal) []string {
	if u == nil {
		return nil
	}
	return u.GroupXMLIDs
}

// description is the model's label for messages.
func description(e *orm.Env, model string) string {
	if m, ok := e.Registry().Meta(model); ok && m.Description != "" {
		return m.Description
	}
	return model
}

// CheckModel is the ACL check (orm.Policy). The orm records the refusal
// in the audit trail.
func (p *Policy) CheckModel(e *orm.Env, model string, op orm.Op) error {
	s, err := p.installed()
	if err != nil {
		return err
	}
	if s.HasACL(model, string(op), userGroups(e.User())) {
		return nil
	}
	return ACLError(description(e, model), model, string(op), s.GroupsWithAccess(model, string(op)))
}

// FieldAllowed is the field-groups check (orm.Policy).
func (p *Policy) FieldAllowed(e *orm.Env, model string, f *orm.Field) bool {
	if f.Groups == "" {
		return true
	}
	s, err := p.installed()
	if err != nil {
		return false
	}
	groups := userGroups(e.User())
	return p.groups.get(f.Groups).allows(func(g string) bool { return s.Member(groups, g) })
}

// RuleDomain is the combined record-rule domain (orm.Policy): nil when no
// rule restricts the user.
func (p *Policy) RuleDomain(e *orm.Env, model string, op orm.Op) (domain.Node, error) {
	s, err := p.installed()
	if err != nil {
		return nil, err
	}
	rules := s.RulesFor(model, string(op))
	if len(rules) == 0 {
		return nil, nil
	}
	user, companies := e.User(), e.Companies()
	key := cacheKey(user, model, string(op), companies)
	d, ok := p.cache.get(key, s, p.now())
	if !ok {
		facts := &dbFacts{e: e}
		if d, err = combine(s, rules, user, facts, companies, nil); err != nil {
			return nil, err
		}
		p.cache.put(key, s, d, facts.used, p.now())
	}
	if b, ok := d.(domain.Bool); ok && bool(b) {
		return nil, nil
	}
	return d, nil
}

// ruleTrace is what combine reports to Explain about each rule.
type ruleTrace struct {
	rule    *Rule
	applies bool
	global  bool
	domain  domain.Node
}

// combine is Odoo's _compute_domain: AND of the global rules, AND the OR
// of the rules of the user's groups (left out when none applies). trace,
// when not nil, receives every rule with its evaluated domain.
func combine(s *Set, rules []*Rule, u *principal.Principal, facts userFacts, companies []int64, trace *[]ruleTrace) (domain.Node, error) {
	if u == nil {
		u = &principal.Principal{}
	}
	ev := newEvalContext(u, facts, companies)
	var globals, group []domain.Node
	for _, r := range rules {
		applies := r.Global() || anyMember(s, u.GroupXMLIDs, r.Groups)
		if !applies && trace == nil {
			continue
		}
		d, err := r.tmpl.Bind(ev)
		if err != nil {
			// Checked at load with a probe user, so this is a runtime
			// failure (a lookup), never the client's doing.
			return nil, errs.Internalf("access: rule %s: %w", r.XMLID, err)
		}
		if trace != nil {
			*trace = append(*trace, ruleTrace{rule: r, applies: applies, global: r.Global(), domain: d})
		}
		switch {
		case !applies:
		case r.Global():
			globals = append(globals, d)
		default:
			group = append(group, d)
		}
	}
	if len(group) > 0 {
		globals = append(globals, domain.Or(group...))
	}
	return domain.And(globals...), nil
}

func anyMember(s *Set, user, ruleGroups []string) bool {
	for _, g := range ruleGroups {
		if s.Member(user, g) {
			return true
		}
	}
	return false
}
