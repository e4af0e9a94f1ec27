package sales

import (
	"embed"
	"io/fs"
	"log/slog"

	"github.com/rampart/rampart/access"
)

//go:embed security/*.xml security/*.csv
var securityFiles embed.FS

// Module is the app's module name: it qualifies the external ids of its
// groups, ACLs and rules (sales.group_sale_manager).
const Module = "sales"

// Security is the app's security directory: groups (groups.xml), ACLs
// (ir.model.access.csv) and record rules (rules.xml), in Odoo's formats.
func Security() fs.FS {
	sub, err := fs.Sub(securityFiles, "security")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// LoadSecurity loads the app's security against the declared models
// (Register them first) and returns the Set to build an access.Policy
// from; pass the Set's groups to identity with access.EnsureGroups.
func LoadSecurity(models access.Models, log *slog.Logger) (*access.Set, error) {
	l := access.NewLoader(models, log)
	// Groups first only for readable load order; references resolve in Build.
	if err := l.LoadFS(Security(), Module, "*.xml", "*.csv"); err != nil {
		return nil, err
	}
	return l.Build()
}

// The app's groups, by external id.
const (
	GroupSalesman    = "sales.group_sale_salesman"
	GroupSalesmanAll = "sales.group_sale_salesman_all_leads"
	GroupManager     = "sales.group_sale_manager"
	GroupPublic      = "base.group_public"
	GroupPortal      = "base.group_portal"
	GroupUser        = "base.group_user"
	GroupSystem      = "base.group_system"
)

// DemoUser is a user `rampart serve --demo` creates (through package
// identity), with a password equal to the login.
type DemoUser struct {
	Login string
	Name  string
	// Groups are given directly; implied groups follow.
	Groups []string
	// Customer, when set, is the name of a customer company the user's
	// partner is a contact of (portal users): create that partner, then
	// the user's partner with it as parent_id.
	Customer string
}

// DemoUsers lists the demo users.
func DemoUsers() []DemoUser {
	return []DemoUser{
		{Login: "admin", Name: "Administrator", Groups: []string{GroupSystem, GroupManager}},
		{Login: "alice", Name: "Alice Salesman", Groups: []string{GroupSalesman}},
		{Login: "bob", Name: "Bob Sales Manager", Groups: []string{GroupManager}},
		{Login: "carol", Name: "Carol Portal", Groups: []string{GroupPortal}, Customer: "Deco Addict"},
	}
}
