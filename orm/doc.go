// Package orm is rampart's model layer: the registry of declared models and
// fields, the schema sync that turns them into tables, and the Env through
// which every data access goes, with Odoo's method names and semantics.
//
// # Declarations
//
// Models are declared in YAML (Registry.LoadYAML, format below) or with
// the Go API (Registry.Define with a ModelDef). Every model gets the magic
// fields id, create_uid, create_date, write_uid, write_date and the computed
// display_name. The built-in models res.company, res.partner and the
// external res.users (owned by package identity) are always present.
//
// # YAML format
//
// An app directory holds any number of *.yaml / *.yml
// files; each has a top-level "models" list (one model per file or
// several). Unknown keys anywhere are errors.
//
//	models:
//	  - name: sale.order            # required, lower-case dotted
//	    description: Sales Order
//	    order: date_order desc, id  # default order-by (default: id)
//	    rec_name: name              # display_name field (default: name if declared)
//	    parent: parent_id           # hierarchy field for child_of (default: parent_id if a many2one to itself)
//	    indexes: [[user_id, id]]    # multi-column indexes (single columns: index: true on the field)
//	    fields:
//	      - name: name
//	        type: char              # char text integer float monetary boolean date datetime
//	                                # selection many2one one2many many2many json
//	        string: Order Reference # label (alias: label)
//	        help: Unique reference
//	        required: true
//	        readonly: false
//	        default: New
//	        index: true
//	        size: 64                # char only
//	      - {name: state, type: selection, selection: [[draft, Quotation], [sale, Sales Order]], default: draft}
//	      - {name: partner_id, type: many2one, comodel: res.partner, ondelete: restrict}
//	      - {name: order_line, type: one2many, comodel: sale.order.line, inverse: order_id}
//	      - {name: tag_ids, type: many2many, comodel: sale.tag, relation: sale_order_tag_rel, column1: order_id, column2: tag_id}
//	      - {name: amount, type: float, min: 0, max: 1000000}
//	      - {name: margin, type: float, groups: "sales.group_manager,!base.group_portal"}
//
// Single-field indexes are "index: true" on the field; a many2one that a
// one2many mirrors is indexed automatically. Many2many relation tables
// default to "<table1>_<table2>_rel" (tables sorted) with columns
// "<table>_id".
//
// # Access
//
// The Registry holds a Policy (ACLs, record rules, field groups), given to
// NewRegistry and never nil: the server passes package access's Policy
// (which refuses until its rules are installed), tests without an access
// model pass AllowAll explicitly. The acting user, the active companies and
// sudo are unexported Env state read through User, Companies and Su; the
// only way to elevate is Sudo(reason). Under sudo no policy hook is
// called, and every operation under sudo is audited with its reason.
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
// # Values and validation
//
// Reads return Odoo's JSON forms (many2one [id, "name"] or false, x2many
// id lists, "2026-01-31", "2026-01-31 12:00:00" naive UTC, false/0 for
// unset). Create and write validate every value against the declarations
// (unknown, magic and readonly fields, types, sizes, selection keys,
// ranges, required, existing many2one targets) and refuse the whole call
// with one errs.ValidationError listing each problem with its field;
// nothing is written. Readonly fields are settable under sudo (server
// code); magic fields never. x2many values take Odoo's command tuples or
// named commands (see commands.go).
//
// Order-by strings name stored fields, many2one paths ("partner_id.name",
// up to three steps) and bare many2one fields, which sort by the comodel's
// order as in Odoo (comodel read ACL and field groups checked). A search without a limit
// returns every match, as in Odoo; an answer larger than Registry.Budget
// (rows, approximate bytes) is refused with an error that names the limit
// and how to page, never cut short (see budget.go).
//
// # Transactions
//
// One Env, one transaction, opened lazily on first use and ended by
// Env.Finish. An Env created with EnvOptions.ReadOnly runs on a read-only
// connection and refuses every write with errs.Internal: routes that write
// must be declared as writing.
package orm
