// Package orm is rampart's model layer: the registry of declared models and
// fields, the schema sync that turns them into tables, and the Env through
// which every data access goes, with Odoo's method names and semantics.
//
// # Declarations
//
// Models are declared in YAML (LoadYAML, see yaml.go for the format) or with
// the Go API (Registry.Define with a ModelDef). Every model gets the magic
// fields id, create_uid, create_date, write_uid, write_date and the computed
// display_name. The built-in models res.company, res.partner and the
// external res.users (owned by package identity) are always present.
//
// # Access
//
// The Registry holds an optional Policy (ACLs, record rules, field groups)
// and Auditor. A nil Policy allows everything: only orm's own tests run that
// way; the server always installs package access's Policy. Under Env.Su no
// hook is called, and every operation under sudo is audited with its reason.
//
// The 403/404 rule: a record the caller cannot read is reported exactly like
// a missing one (errs.MissingError); a readable record that the write or
// unlink rules exclude gives errs.AccessError; a create whose new rows fail
// the create rules gives errs.AccessError and the insert is undone by the
// transaction's rollback.
//
// Access denials must outlive the rolled-back transaction that caused them,
// so they are buffered on the Env and written by Env.Finish in a short
// transaction of their own, after the request's transaction has ended (on
// SQLite a second writer transaction opened while the first is live would
// wait for itself). Audit events of read operations done under sudo are
// buffered the same way, because a read-only transaction cannot write them.
//
// # Transactions
//
// One Env, one transaction, opened lazily on first use and ended by
// Env.Finish. An Env created with EnvOptions.ReadOnly runs on a read-only
// connection and refuses every write with errs.Internal: routes that write
// must be declared as writing.
package orm
