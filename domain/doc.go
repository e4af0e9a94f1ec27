// Package domain owns Odoo's domain language: the immutable AST, the two
// ways domains are written (the Python-literal string form of XML
// domain_force attributes, read by a safe evaluator that executes nothing,
// and the JSON list form of the external APIs), validation and
// normalisation against a Schema with Odoo 19's semantics, compilation to
// parameterized SQL for a store.Dialect (cached by a Compiler), and an
// in-memory evaluator (Match, Predicate) that gives the same answers as
// the SQL.
//
// # Using it
//
//	n, err := domain.Parse(`[('company_id', 'in', company_ids + [False])]`, ev) // rule strings
//	n, err := domain.FromJSON(body["domain"])                                  // client domains
//	tpl, err := domain.ParseTemplate(rule)  // once, at load time
//	n, err := tpl.Bind(ev)                  // per user
//	c := domain.NewCompiler(schema, 0)
//	where, args, err := c.Compile(db.Dialect, "sale.order", domain.And(rule, n),
//		domain.CompileOptions{Alias: "t", ArgOffset: len(prefixArgs)})
//	ok, err := domain.Match(schema, "sale.order", n, record)
//
// Errors are *errs.Error. A domain that is malformed, exceeds the Limits,
// names an unknown field or operator, or has a value of the wrong type is a
// ValidationError whose message names the condition; an inconsistent
// Schema (a comodel that does not exist, a one2many without a stored
// inverse) is Internal. Field names reach SQL only through the Schema and
// Dialect.QuoteIdent, operators only through a fixed table, and values only
// as parameters.
//
// # Semantics
//
// The reference is odoo/orm/domains.py of Odoo 19, as summarised in
// docs/odoo/odoo-orm-security.md §6; Normalize lists the
// rewrites. Every condition left after normalisation is two-valued (NULL
// is decided by the falsy rules of §6.5), so a negation is the exact
// complement and Match agrees with the SQL; the differential test checks
// this on SQLite and PostgreSQL.
//
// # Deviations from Odoo
//
//   - A dot after a non-relational field is refused: properties and date
//     granularities (date_field.month_number) are not supported.
//   - like-operators on float, monetary and boolean fields are refused, and
//     so are inequalities on booleans: their text and order differ between
//     SQLite and PostgreSQL.
//   - A non-integral number on an integer field is refused (PostgreSQL
//     would fail on the parameter); numeric strings on number fields are
//     converted (PostgreSQL casts them in Odoo), other strings refused.
//   - An inequality against False is FALSE for every type (Odoo states it
//     for dates and datetimes).
//   - A like-pattern ending with an unpaired backslash is refused
//     (PostgreSQL raises an error on it).
//   - A date given to a datetime field is midnight UTC (Odoo uses the
//     user's timezone). Datetime equality compares whole seconds, which is
//     what the ORM stores.
//   - ilike folds case with SQLite's lower() on SQLite (ASCII only) and
//     ILIKE on PostgreSQL; there is no unaccent. Match folds with
//     strings.ToLower.
//   - Comparisons of strings follow the database's collation (bytewise on
//     SQLite); Match compares bytewise.
//   - There is no implicit active filter inside sub-queries: archived
//     comodel records count, as they do in Odoo's 'any'.
//   - display_name is searched as the model's RecName field.
//   - n-ary nodes are not sorted, so two orders of the same conjunction are
//     two cache entries.
package domain
