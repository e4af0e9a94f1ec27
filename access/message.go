package access

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/errs"
)

// Odoo's texts (ir_model.py, ir_rule.py, models.py), kept verbatim: Odoo
// clients show them to users, and tests of existing integrations match on
// them.
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

	ruleHeader     = "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, %s (id=%d) doesn't have '%s' access to:"
	ruleResolution = "If you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies."
	ruleCompany    = "Note: this might be a multi-company issue. Switching company may help - in Odoo, not in real life!"

	fieldDenied = "You do not have enough rights to access the field \"%s\" on %s (%s). Please contact your system administrator.\n\nOperation: %s"
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

// RuleMessage is Odoo's record-rule refusal as a non-debug user sees it
// (no record names: those could leak what the caller cannot read). The
// multi-company note is added when a failing rule mentions company_id.
func RuleMessage(userName string, uid int64, kind, model, op string, company bool) string {
	if kind == "" {
		kind = model
	}
	msg := fmt.Sprintf(ruleHeader, userName, uid, op) + "\n- " + kind + " (" + model + ")\n\n" + ruleResolution
	if company {
		msg += "\n\n" + ruleCompany
	}
	return msg
}

// FieldMessage is Odoo's field-group refusal.
func FieldMessage(field, kind, model, op string) string {
	if kind == "" {
		kind = model
	}
	return fmt.Sprintf(fieldDenied, field, kind, model, op)
}
