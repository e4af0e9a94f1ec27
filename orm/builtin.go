package orm

// builtinModels are always registered: companies and partners, which users
// and the multi-company record rules refer to (user.partner_id.
// commercial_partner_id.id, company_ids), and res.users, whose table
// belongs to package identity.
func builtinModels() []ModelDef {
	defs := append(geoModels(), baseModels()...)
	for i := range defs {
		if defs[i].Name == "res.partner" {
			defs[i].Fields = append(defs[i].Fields, partnerContactFields()...)
		}
	}
	return append(append(defs, reflectionModels()...), sequenceModel())
}

// baseModels are res.company, res.partner and res.users.
func baseModels() []ModelDef {
	return []ModelDef{
		{
			Name: "res.company", Description: "Companies", Order: "name, id", Source: "builtin",
			Fields: []Field{
				{Name: "name", Type: Char, String: "Company Name", Required: true, Size: 128},
				{Name: "parent_id", Type: Many2one, Comodel: "res.company", String: "Parent Company", Index: true, OnDelete: Restrict},
				{Name: "partner_id", Type: Many2one, Comodel: "res.partner", String: "Partner", OnDelete: Restrict},
				{Name: "child_ids", Type: One2many, Comodel: "res.company", Inverse: "parent_id", String: "Branches"},
			},
		},
		{
			Name: "res.partner", Description: "Contact", Order: "name, id", Source: "builtin",
			Fields: []Field{
				{Name: "name", Type: Char, String: "Name", Required: true, Index: true, Size: 256},
				{Name: "email", Type: Char, String: "Email", Size: 256},
				{Name: "is_company", Type: Boolean, String: "Is a Company", Default: false},
				{Name: "parent_id", Type: Many2one, Comodel: "res.partner", String: "Related Company", Index: true, OnDelete: Restrict},
				{Name: "child_ids", Type: One2many, Comodel: "res.partner", Inverse: "parent_id", String: "Contact"},
				{
					Name: "commercial_partner_id", Type: Many2one, Comodel: "res.partner", String: "Commercial Entity",
					Readonly: true, Index: true, OnDelete: SetNull,
					Help: "The topmost company ancestor of the contact, or the contact itself; maintained on every create and write.",
				},
				{Name: "company_id", Type: Many2one, Comodel: "res.company", String: "Company", Index: true, OnDelete: SetNull},
				{Name: "active", Type: Boolean, String: "Active", Default: true},
			},
		},
		{
			// res.users is described, not owned: package identity creates
			// and migrates the res_users table. The ORM reads it (display
			// names of create_uid, rules through user_id) and never writes.
			Name: "res.users", Description: "User", Order: "login, id", Source: "builtin",
			Fields: []Field{
				{Name: "login", Type: Char, String: "Login", Required: true},
				{Name: "name", Type: Char, String: "Name"},
				{Name: "partner_id", Type: Many2one, Comodel: "res.partner", String: "Related Partner", OnDelete: Restrict},
				{Name: "company_id", Type: Many2one, Comodel: "res.company", String: "Company", OnDelete: Restrict},
				// Odoo's allowed companies: package identity's relation
				// table, read (and searched: company rules) through the ORM.
				{Name: "company_ids", Type: Many2many, Comodel: "res.company", String: "Companies",
					Relation: "res_company_users_rel", Column1: "user_id", Column2: "cid"},
				{Name: "active", Type: Boolean, String: "Active", Default: true},
				// Odoo's share: not a member of base.group_user. Package
				// identity's column, maintained by the database on every
				// membership change (identity migration 005).
				{
					Name: "share", Type: Boolean, String: "Share User", Readonly: true, Maintained: true,
					Help: "External user with limited access, created only for the purpose of sharing data.",
				},
			},
		},
	}
}

// externalize turns a registered model into an external one: no schema
// sync, no writes, and only the id among the magic columns, since the
// owning package's table need not have the others.
func externalize(m *Meta) {
	m.External = true
	keep := m.list[:0]
	for _, f := range m.list {
		switch f.Name {
		case "create_uid", "create_date", "write_uid", "write_date":
			delete(m.fields, f.Name)
			continue
		}
		keep = append(keep, f)
	}
	m.list = keep
}
