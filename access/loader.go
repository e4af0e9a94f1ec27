package access

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// LoadError is a refused declaration: where, and why.
type LoadError struct {
	Pos Pos
	Msg string
}

func (e *LoadError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Models is what the loader needs to know about declared models: their
// names (to resolve Odoo's model_sale_order references) and their fields
// (to check rule domains). *orm.Registry satisfies it.
type Models interface {
	domain.Schema
	Models() []string
}

// Loader reads security files into a Set. Load files in any order (groups
// may be referenced before they are declared), then call Build.
type Loader struct {
	models Models
	log    *slog.Logger

	groups  map[string]*Group
	acls    []*ACL
	rules   []*Rule
	skipped []string
	errs    []error
	ignores []Ignore // lint:ignore comments, for rampart lint

	// byRef maps Odoo model references (model_sale_order) to model names.
	byRef map[string][]string
}

// NewLoader returns a loader that checks against models. The base groups
// (BaseGroups) are always known.
func NewLoader(models Models, log *slog.Logger) *Loader {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Loader{models: models, log: log, groups: map[string]*Group{}, byRef: map[string][]string{}}
	for _, g := range BaseGroups() {
		l.groups[g.XMLID] = g
	}
	for _, m := range models.Models() {
		ref := "model_" + strings.ReplaceAll(m, ".", "_")
		l.byRef[ref] = append(l.byRef[ref], m)
	}
	l.loadBase()
	return l
}

// LoadFS loads every file named by the glob patterns in fsys, in lexical
// order: *.yaml/*.yml (rampart), *.csv (ir.model.access) and *.xml (Odoo
// security XML). module qualifies relative external ids ("sales").
func (l *Loader) LoadFS(fsys fs.FS, module string, patterns ...string) error {
	var names []string
	for _, p := range patterns {
		m, err := fs.Glob(fsys, p)
		if err != nil {
			return err
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return err
		}
		l.Load(module, n, b)
	}
	return nil
}

// Load reads one file's content; name decides the format by extension and
// labels errors. Problems are collected and reported by Build.
func (l *Loader) Load(module, name string, data []byte) {
	nACL, nRule := len(l.acls), len(l.rules)
	defer func() { l.collectIgnores(name, data, l.acls[nACL:], l.rules[nRule:]) }()
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		l.loadYAML(module, name, data)
	case ".csv":
		l.loadCSV(module, name, data)
	case ".xml":
		l.loadXML(module, name, data)
	default:
		l.fail(Pos{File: name}, "unknown security file type (want .yaml, .csv or .xml)")
	}
}

func (l *Loader) fail(p Pos, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (l *Loader) skip(p Pos, format string, args ...any) {
	msg := p.String() + ": " + fmt.Sprintf(format, args...)
	l.skipped = append(l.skipped, msg)
	l.log.Warn("security declaration skipped", "where", p.String(), "why", fmt.Sprintf(format, args...))
}

func (l *Loader) addGroup(g *Group) {
	if old, ok := l.groups[g.XMLID]; ok {
		// Odoo files extend groups by re-declaring the record (a later
		// module adding implied_ids): merge rather than refuse.
		if g.Name != "" {
			old.Name = g.Name
		}
		if g.Privilege != "" {
			old.Privilege = g.Privilege
		}
		if g.Comment != "" {
			old.Comment = g.Comment
		}
		old.Implied = appendNew(old.Implied, g.Implied...)
		return
	}
	l.groups[g.XMLID] = g
}

func appendNew(s []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, x := range s {
			found = found || x == a
		}
		if !found {
			s = append(s, a)
		}
	}
	return s
}

// resolveModelRef turns model_sale_order (optionally module-prefixed) into
// sale.order. ok is false when no declared model matches.
func (l *Loader) resolveModelRef(ref string) (string, bool, error) {
	if i := strings.LastIndexByte(ref, '.'); i >= 0 {
		ref = ref[i+1:]
	}
	names := l.byRef[ref]
	switch len(names) {
	case 0:
		return "", false, nil
	case 1:
		return names[0], true, nil
	}
	return "", false, fmt.Errorf("model reference %q is ambiguous: %s", ref, strings.Join(names, ", "))
}

func (l *Loader) declared(model string) bool {
	_, ok := l.models.Model(model)
	return ok
}

// Build checks cross-references (groups of ACLs and rules, implied groups,
// rule domains) and returns the Set, or every problem found.
func (l *Loader) Build() (*Set, error) {
	for _, g := range l.groups {
		for _, i := range g.Implied {
			if _, ok := l.groups[i]; !ok {
				l.fail(g.Pos, "group %s implies unknown group %s", g.XMLID, i)
			}
		}
	}
	for _, a := range l.acls {
		if a.Group != "" {
			if _, ok := l.groups[a.Group]; !ok {
				l.fail(a.Pos, "access %s: unknown group %s", a.XMLID, a.Group)
			}
		}
	}
	for _, r := range l.rules {
		for _, g := range r.Groups {
			if _, ok := l.groups[g]; !ok {
				l.fail(r.Pos, "rule %s: unknown group %s", r.XMLID, g)
			}
		}
		if !(r.Read || r.Write || r.Create || r.Unlink) {
			l.fail(r.Pos, "rule %s: Rule must have at least one checked access right!", r.XMLID)
		}
		t, err := compileRule(l.models, r)
		if err != nil {
			l.fail(r.Pos, "rule %s: %v", r.XMLID, err)
		}
		r.tmpl = t
	}
	l.checkFieldGroups()
	if err := l.cycles(); err != nil {
		l.errs = append(l.errs, err)
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	s := &Set{Groups: l.groups, ACLs: l.acls, Rules: l.rules, Skipped: l.skipped, Ignores: l.ignores}
	s.index()
	return s, nil
}

// fieldMetas is implemented by *orm.Registry: the declared fields, for
// checking their groups= attributes.
type fieldMetas interface {
	Meta(name string) (*orm.Meta, bool)
}

// checkFieldGroups refuses field groups= naming an unknown group: a typo
// there would silently hide the field from everyone (or, negated, show it
// to everyone), so it is a load error like an unknown group in a rule.
func (l *Loader) checkFieldGroups() {
	metas, ok := l.models.(fieldMetas)
	if !ok {
		return
	}
	for _, name := range l.models.Models() {
		m, ok := metas.Meta(name)
		if !ok {
			continue
		}
		for _, f := range m.Fields() {
			for _, g := range append(parseGroups(f.Groups).pos, parseGroups(f.Groups).neg...) {
				if _, known := l.groups[g]; !known {
					l.fail(Pos{File: m.Source}, "field %s.%s: groups names unknown group %s", name, f.Name, g)
				}
			}
		}
	}
}

// cycles refuses implied-group cycles, which Odoo also refuses.
func (l *Loader) cycles() error {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var visit func(id string) error
	visit = func(id string) error {
		color[id] = grey
		g := l.groups[id]
		for _, i := range g.Implied {
			switch color[i] {
			case grey:
				return &LoadError{Pos: g.Pos, Msg: fmt.Sprintf("group %s: implied groups form a cycle through %s", id, i)}
			case white:
				if l.groups[i] != nil {
					if err := visit(i); err != nil {
						return err
					}
				}
			}
		}
		color[id] = black
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(l.groups)) {
		if color[id] == white {
			if err := visit(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// BaseGroups are the groups package identity seeds (Odoo's base module,
// identity.Bootstrap): always known to the loader, so that files can refer
// to them. Privileges are for the ACL error's group list.
func BaseGroups() []*Group {
	return []*Group{
		{XMLID: "base.group_public", Name: "Public", Privilege: "User types"},
		{XMLID: "base.group_portal", Name: "Portal", Privilege: "User types"},
		{XMLID: "base.group_user", Name: "Internal User", Privilege: "User types"},
		{XMLID: "base.group_no_one", Name: "Technical Features"},
		{XMLID: "api_doc.group_allow_doc", Name: "Technical Documentation"},
		{XMLID: "base.group_erp_manager", Name: "Access Rights", Privilege: "Administration", Implied: []string{"base.group_user"}},
		{XMLID: "base.group_system", Name: "Settings", Privilege: "Administration", Implied: []string{"base.group_user", "base.group_erp_manager", "api_doc.group_allow_doc"}},
	}
}
