package access

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rampart/rampart/domain"
)

// evalNames are the names a rule domain may use: Odoo 19's ir.rule
// evaluation context. time is gone in 19 (reference §2.3), ref() was never
// there.
var evalNames = map[string]bool{"user": true, "company_ids": true, "company_id": true}

// compileRule parses r.Domain into a template and checks it: the safe
// subset (by domain.ParseTemplate), only the evaluation-context names, and,
// bound to a probe user, every field path against the model. It is run
// once per rule at load; at request time the template is only bound.
func compileRule(models Models, r *Rule) (*domain.Template, error) {
	src := r.Domain
	if strings.TrimSpace(src) == "" {
		src = "[]"
	}
	t, err := domain.ParseTemplate(src)
	if err != nil {
		return nil, cleanErr(err)
	}
	for _, n := range t.Names() {
		if !evalNames[n] {
			return nil, fmt.Errorf("invalid domain: name %q is not available in record rules (only user, company_ids, company_id)", n)
		}
	}
	d, err := t.Bind(probeContext())
	if err != nil {
		return nil, cleanErr(err)
	}
	if err := checkFields(models, r.Model, d, 0); err != nil {
		return nil, fmt.Errorf("invalid domain: %w", err)
	}
	return t, nil
}

// cleanErr drops the kind prefix of an errs.Error for load messages and
// makes sure the reason starts with "invalid domain" as Odoo's does.
func cleanErr(err error) error {
	msg := err.Error()
	if e, ok := err.(interface{ Message() string }); ok {
		msg = e.Message()
	}
	if !strings.HasPrefix(strings.ToLower(msg), "invalid domain") {
		msg = "invalid domain: " + msg
	}
	return errors.New(msg)
}

// checkFields resolves every condition's field path on model, following
// relational fields, and the sub-domains of any/not any on the comodel.
func checkFields(s domain.Schema, model string, n domain.Node, depth int) error {
	if depth > 32 {
		return fmt.Errorf("domain nested too deeply")
	}
	switch n := n.(type) {
	case domain.Bool, nil:
		return nil
	case *domain.NotNode:
		return checkFields(s, model, n.Child(), depth+1)
	case *domain.AndNode:
		for _, c := range n.Children() {
			if err := checkFields(s, model, c, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *domain.OrNode:
		for _, c := range n.Children() {
			if err := checkFields(s, model, c, depth+1); err != nil {
				return err
			}
		}
		return nil
	case domain.Condition:
		target, err := resolvePath(s, model, n.Field)
		if err != nil {
			return err
		}
		if sub, ok := n.Value.(domain.Node); ok {
			if target == "" {
				return fmt.Errorf("%s: operator %q needs a relational field", n.Field, n.Operator)
			}
			return checkFields(s, target, sub, depth+1)
		}
		return nil
	}
	return fmt.Errorf("unexpected domain node %T", n)
}

// resolvePath checks a dotted field path and returns the comodel of its
// last field ("" for a non-relational field).
func resolvePath(s domain.Schema, model, path string) (string, error) {
	cur := model
	parts := strings.Split(path, ".")
	for i, p := range parts {
		mi, ok := s.Model(cur)
		if !ok {
			return "", fmt.Errorf("unknown model %s", cur)
		}
		f, ok := mi.Field(p)
		if !ok {
			return "", fmt.Errorf("unknown field %s on %s", strings.Join(parts[:i+1], "."), model)
		}
		cur = f.Comodel
		if i < len(parts)-1 && cur == "" {
			return "", fmt.Errorf("%s: %s is not relational", path, p)
		}
	}
	return cur, nil
}
