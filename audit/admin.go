package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

func requireSystem(p *principal.Principal) error {
	if p == nil || !p.IsSystem() {
		return errs.E(errs.AccessError, "The audit trail is reserved to administrators (Administration / Settings).")
	}
	return nil
}

// SearchFor is the admin-only read API for transports (the JSON-2
// endpoint of package audithttp, odoorpc's rampart.audit model): it refuses callers
// outside base.group_system, decodes params into a Filter strictly
// (unknown keys are errors; times are RFC 3339) and searches.
func (t *Trail) SearchFor(ctx context.Context, p *principal.Principal, params map[string]any) ([]Entry, error) {
	if err := requireSystem(p); err != nil {
		return nil, err
	}
	var f Filter
	if len(params) > 0 {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, errs.Wrap(errs.BadRequest, err, "invalid parameters")
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&f); err != nil {
			msg := "invalid parameters"
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				msg += ": wrong type for " + te.Field
			} else {
				msg += ": " + err.Error()
			}
			return nil, errs.Wrap(errs.ValidationError, err, msg)
		}
	}
	out, err := t.Search(ctx, f)
	if out == nil && err == nil {
		out = []Entry{}
	}
	return out, err
}
