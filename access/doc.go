// Package access decides who may do what to which records, with Odoo 19's
// semantics: model ACLs (ir.model.access), record rules (ir.rule), field
// groups (groups= on fields), and the explanation of a decision.
//
// # Sources
//
// A Set is loaded by a Loader from rampart's YAML form and from Odoo's own
// formats: security/ir.model.access.csv and security XML files holding
// <record model="ir.rule"> and <record model="res.groups">. Every rule
// domain is parsed and checked against the declared models at load time; a
// file with a syntax error, an unknown group, an unknown field or a domain
// outside the safe subset is refused with file, line and reason. Models
// that are not declared are an error in YAML, and skipped with a message in
// Odoo files (which routinely cover models of other modules).
//
// # File formats
//
//   - YAML (see yaml.go for the schema): groups, access and rules lists;
//     strict keys; ids without a dot are qualified with the module.
//   - ir.model.access.csv: Odoo's columns
//     id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
//     (plus an optional active), values 1/0 or True/False; model_id:id is
//     model_sale_order (optionally module-prefixed), matched against the
//     declared models with dots replaced by underscores.
//   - Security XML: <odoo> (or <openerp>), optionally <data noupdate>,
//     with <record model="ir.rule"> (name, model_id ref, domain_force text
//     or eval, groups eval with (4, ref(...)), (3, ...), (5,), (6, 0, [...])
//     or Command.link/unlink/set/clear, perm_* and active eval or text)
//     and <record model="res.groups"> (name, implied_ids, privilege_id or
//     category_id, comment). Other records and elements are ignored. eval
//     attributes are read by a literal-only evaluator, never executed.
//
// # Decisions
//
// Policy implements orm.Policy. ACLs are a union over the user's groups
// (implied groups included); a row without a group applies to everyone; no
// row, no access. Record rules of a model and operation combine as
// AND(global rules) AND OR(rules of the user's groups); rules of groups the
// user is not in never restrict them. The combined domain for (user,
// model, operation, active companies) is cached; Policy.Replace and
// Policy.Invalidate drop the cache, and the key contains the user's group
// set, so a group change needs no explicit invalidation.
//
// # 403 versus 404
//
// A caller never learns that a record it cannot read exists:
//
//   - A record outside the caller's read rules is reported exactly as a
//     missing record: MissingError (404, "Record does not exist or has been
//     deleted."), whatever the operation (read, write, unlink), and search silently
//     leaves it out.
//   - A record the caller can read but not write or unlink gets AccessError
//     (403) with Odoo's record-rule text; revealing it costs nothing, the
//     caller can already see it.
//   - A create whose new values fail the create rules gets AccessError and
//     the insert is rolled back (the record never existed for anyone).
//   - A model the caller has no ACL for gets AccessError with Odoo's
//     three-paragraph ACL text: the model's existence is public (it is
//     part of the API), its records are not.
//   - A restricted field named in read, write, search or order-by gets
//     AccessError; fields_get and default field lists omit it.
//   - An unknown model is NotFound ("Object x doesn't exist"), as in Odoo.
//
// Package orm applies this policy (it runs the record checks with the
// domains RuleDomain returns); this package decides the domains and ACLs.
//
// Every refusal is written to the audit trail (op "denied").
package access
