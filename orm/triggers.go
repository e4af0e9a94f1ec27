package orm

import (
	"fmt"

	"github.com/rampart/rampart/errs"
)

// Triggers are server code that keeps a model's stored values consistent,
// as Odoo's stored computed fields do (a line's subtotal, an order's
// total). They run in the transaction of the change, on an Env in sudo:
// what they write is the server's doing, not the caller's, and is audited
// as such.
type Triggers struct {
	// AfterWrite runs after a create (created is true; fields are the
	// fields given or defaulted) or a write (fields are those written) of
	// ids, before the create rules are checked.
	AfterWrite func(e *Env, ids []int64, fields []string, created bool) error
	// BeforeUnlink runs while ids still exist; the function it returns
	// (if any) runs after they are deleted.
	BeforeUnlink func(e *Env, ids []int64) (after func() error, err error)
}

// maxTriggerDepth bounds triggers that write models with triggers.
const maxTriggerDepth = 8

// SetTriggers installs t for model, which must be registered. Set triggers
// before the first Env, like models.
func (r *Registry) SetTriggers(model string, t Triggers) error {
	if _, ok := r.models[model]; !ok {
		return fmt.Errorf("triggers for unknown model %q", model)
	}
	if r.triggers == nil {
		r.triggers = map[string]Triggers{}
	}
	r.triggers[model] = t
	return nil
}

// triggerEnv is the Env triggers run on, or nil when the model has none.
func (m *Model) triggerEnv() (*Env, func(), error) {
	s := m.env.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.triggerDepth >= maxTriggerDepth {
		return nil, nil, errs.Internalf("orm: triggers of %s nest deeper than %d", m.meta.Name, maxTriggerDepth)
	}
	s.triggerDepth++
	done := func() {
		s.mu.Lock()
		s.triggerDepth--
		s.mu.Unlock()
	}
	return m.env.Sudo("orm: stored values of " + m.meta.Name + " maintained by its triggers"), done, nil
}

func (m *Model) afterWriteTriggers(ids []int64, fields []string, created bool) error {
	t, ok := m.env.reg.triggers[m.meta.Name]
	if !ok || t.AfterWrite == nil || len(ids) == 0 || m.queueTrigger(ids, fields, created) {
		return nil
	}
	e, done, err := m.triggerEnv()
	if err != nil {
		return err
	}
	defer done()
	if err := t.AfterWrite(e, ids, fields, created); err != nil {
		if interrupted(err) {
			return budgetError()
		}
		return err
	}
	return nil
}

func (m *Model) beforeUnlinkTriggers(ids []int64) (func() error, error) {
	t, ok := m.env.reg.triggers[m.meta.Name]
	if !ok || t.BeforeUnlink == nil {
		return nil, nil
	}
	e, done, err := m.triggerEnv()
	if err != nil {
		return nil, err
	}
	defer done()
	return t.BeforeUnlink(e, ids)
}
