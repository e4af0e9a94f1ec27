// Package orm is rampart's model layer: the registry of declared models and
// fields, the schema sync that turns them into tables, and the Env through
// which every data access goes, with Odoo's method names and semantics.
package orm

// Env is one request's view of the data: who acts, in which context, and
// whether access checks are bypassed. See package doc.
type Env struct{}
