package access

import (
	"context"

	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

// LocalDeps are what a local explanation (`rampart access explain`, run
// with the database's authority) needs from the wired server.
type LocalDeps struct {
	Registry *orm.Registry
	DB       *store.DB
	Policy   *Policy
	Users    Users
}

// ExplainLocal explains req in a read-only Env that acts as nobody: the
// caller is the local administrator, who can read the database anyway.
func ExplainLocal(ctx context.Context, deps LocalDeps, req ExplainRequest) (*Explanation, error) {
	e := orm.NewEnv(ctx, deps.Registry, deps.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "cli", Route: "cli:access explain"})
	x, err := deps.Policy.ExplainFor(e, deps.Users, req)
	e.Finish(err)
	return x, err
}
