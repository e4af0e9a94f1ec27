package access

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/errs"
)

// Odoo's ACL texts (ir_model.py), kept verbatim: Odoo clients show them
// to users, and tests of existing integrations match on them. The
// record-rule and field texts are the ORM's (it raises those errors).
var aclHeaders = map[string]string{
	"read":   "You are not allowed to access '%s' (%s) records.",
	"write":  "You are not allowed to modify '%s' (%s) records.",
	"create": "You are not allowed to create '%s' (%s) records.",
	"unlink": "You are not allowed to delete '%s' (%s) records.",
}

const (
	aclGroupsIntro = "This operation is allowed for the following groups:\n"
	aclNoGroup     = "No group currently allows this operation."
	aclContact     = "Contact your administrator to request access if necessary."
)

// ACLMessage is Odoo's three-paragraph ACL refusal. kind is the model's
// description (the technical name when it has none); groups the labels
// from Set.GroupsWithAccess.
func ACLMessage(kind, model, op string, groups []string) string {
	if kind == "" {
		kind = model
	}
	header := fmt.Sprintf(aclHeaders[op], kind, model)
	info := aclNoGroup
	if len(groups) > 0 {
		lines := make([]string, len(groups))
		for i, g := range groups {
			lines[i] = "\t- " + g
		}
		info = aclGroupsIntro + strings.Join(lines, "\n")
	}
	return header + "\n\n" + info + "\n\n" + aclContact
}

// ACLError is the errs.AccessError for a refused ACL check.
func ACLError(kind, model, op string, groups []string) *errs.Error {
	return errs.E(errs.AccessError, ACLMessage(kind, model, op, groups))
}
