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
	// Normalize resolves every field path (following relational fields
	// and any/not any sub-domains) and checks operators and value types
	// against the model, exactly as the compiler will at request time.
	if _, err := domain.Normalize(models, r.Model, d); err != nil {
		return nil, cleanErr(err)
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
