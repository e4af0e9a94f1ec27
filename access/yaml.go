package access

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML form, one file or several:
//
//	module: sales            # qualifies ids without a dot (optional)
//	groups:
//	  - id: group_salesman
//	    name: "User: Own Documents Only"
//	    privilege: Sales
//	    implied: [base.group_user]
//	access:                  # ir.model.access; perms default false
//	  - id: access_sale_order_salesman
//	    model: sale.order
//	    group: group_salesman  # omit: every user
//	    perm_read: true
//	    perm_write: true
//	rules:                   # ir.rule; perms default true
//	  - id: sale_order_personal
//	    name: Personal Orders
//	    model: sale.order
//	    groups: [group_salesman] # omit: global
//	    domain: "[('user_id', '=', user.id)]"
//	    perm_unlink: false
//
// Unknown keys are errors, as in every rampart config file.

type yamlFile struct {
	Module string      `yaml:"module"`
	Groups []yaml.Node `yaml:"groups"`
	Access []yaml.Node `yaml:"access"`
	Rules  []yaml.Node `yaml:"rules"`
}

type yamlGroup struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Privilege string   `yaml:"privilege"`
	Implied   []string `yaml:"implied"`
	Comment   string   `yaml:"comment"`
}

type yamlACL struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Model  string `yaml:"model"`
	Group  string `yaml:"group"`
	Read   bool   `yaml:"perm_read"`
	Write  bool   `yaml:"perm_write"`
	Create bool   `yaml:"perm_create"`
	Unlink bool   `yaml:"perm_unlink"`
	Active *bool  `yaml:"active"`
}

type yamlRule struct {
	ID     string   `yaml:"id"`
	Name   string   `yaml:"name"`
	Model  string   `yaml:"model"`
	Groups []string `yaml:"groups"`
	Domain string   `yaml:"domain"`
	Read   *bool    `yaml:"perm_read"`
	Write  *bool    `yaml:"perm_write"`
	Create *bool    `yaml:"perm_create"`
	Unlink *bool    `yaml:"perm_unlink"`
	Active *bool    `yaml:"active"`
}

func (l *Loader) loadYAML(module, file string, data []byte) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		l.fail(Pos{File: file, Line: yamlErrLine(err)}, "YAML: %v", err)
		return
	}
	if len(root.Content) == 0 {
		return // empty file
	}
	doc := root.Content[0]
	if !l.strictKeys(file, doc, "module", "groups", "access", "rules") {
		return
	}
	var f yamlFile
	if err := doc.Decode(&f); err != nil {
		l.fail(Pos{File: file, Line: doc.Line}, "%v", err)
		return
	}
	if f.Module != "" {
		module = f.Module
	}
	for i := range f.Groups {
		n := &f.Groups[i]
		var g yamlGroup
		if !l.decodeItem(file, n, &g, "id", "name", "privilege", "implied", "comment") {
			continue
		}
		pos := Pos{File: file, Line: n.Line}
		if g.ID == "" || g.Name == "" {
			l.fail(pos, "group needs id and name")
			continue
		}
		l.addGroup(&Group{XMLID: qualify(module, g.ID), Name: g.Name, Privilege: g.Privilege, Implied: qualifyAll(module, g.Implied), Comment: g.Comment, Pos: pos})
	}
	for i := range f.Access {
		n := &f.Access[i]
		var a yamlACL
		if !l.decodeItem(file, n, &a, "id", "name", "model", "group", "perm_read", "perm_write", "perm_create", "perm_unlink", "active") {
			continue
		}
		pos := Pos{File: file, Line: n.Line}
		if a.ID == "" || a.Model == "" {
			l.fail(pos, "access row needs id and model")
			continue
		}
		if !l.declared(a.Model) {
			l.fail(pos, "access %s: unknown model %s", a.ID, a.Model)
			continue
		}
		name := a.Name
		if name == "" {
			name = a.ID
		}
		l.acls = append(l.acls, &ACL{XMLID: qualify(module, a.ID), Name: name, Model: a.Model, Group: qualify(module, a.Group),
			Perms: Perms{a.Read, a.Write, a.Create, a.Unlink}, Active: orTrue(a.Active), Pos: pos})
	}
	for i := range f.Rules {
		n := &f.Rules[i]
		var r yamlRule
		if !l.decodeItem(file, n, &r, "id", "name", "model", "groups", "domain", "perm_read", "perm_write", "perm_create", "perm_unlink", "active") {
			continue
		}
		pos := Pos{File: file, Line: n.Line}
		if r.ID == "" || r.Model == "" {
			l.fail(pos, "rule needs id and model")
			continue
		}
		if !l.declared(r.Model) {
			l.fail(pos, "rule %s: unknown model %s", r.ID, r.Model)
			continue
		}
		name := r.Name
		if name == "" {
			name = r.ID
		}
		l.rules = append(l.rules, &Rule{XMLID: qualify(module, r.ID), Name: name, Model: r.Model, Groups: qualifyAll(module, r.Groups), Domain: r.Domain,
			Perms: Perms{orTrue(r.Read), orTrue(r.Write), orTrue(r.Create), orTrue(r.Unlink)}, Active: orTrue(r.Active), Pos: pos})
	}
}

func qualifyAll(module string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = qualify(module, id)
	}
	return out
}

func orTrue(b *bool) bool { return b == nil || *b }

// decodeItem decodes one list item strictly: unknown keys are refused with
// their line.
func (l *Loader) decodeItem(file string, n *yaml.Node, dst any, keys ...string) bool {
	if n.Kind != yaml.MappingNode {
		l.fail(Pos{File: file, Line: n.Line}, "want a mapping")
		return false
	}
	if !l.strictKeys(file, n, keys...) {
		return false
	}
	if err := n.Decode(dst); err != nil {
		l.fail(Pos{File: file, Line: n.Line}, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return false
	}
	return true
}

func (l *Loader) strictKeys(file string, n *yaml.Node, keys ...string) bool {
	if n.Kind != yaml.MappingNode {
		l.fail(Pos{File: file, Line: n.Line}, "want a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		known := false
		for _, want := range keys {
			known = known || k.Value == want
		}
		if !known {
			l.fail(Pos{File: file, Line: k.Line}, "unknown key %q (want one of %s)", k.Value, strings.Join(keys, ", "))
			ok = false
		}
	}
	return ok
}

func yamlErrLine(err error) int {
	var n int
	// yaml.v3 reports "yaml: line N: ..."
	if _, e := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &n); e == nil {
		return n
	}
	return 0
}
