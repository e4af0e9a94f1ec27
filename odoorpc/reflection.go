package odoorpc

import (
	"slices"

	"github.com/rampart/rampart/errs"
)

// The methods of the reflection models (ir.model, ir.model.data) that
// clients call besides the CRUD ones, with Odoo 19's signatures
// (addons/web/models/ir_model.py, base/models/ir_model.py).
func reflectionMethods() map[string]map[string]*Method {
	return map[string]map[string]*Method{
		"ir.model": {
			"get_available_models": {Name: "get_available_models", Op: "read", ModelLevel: true, Fn: doAvailableModels},
			"display_name_for": {Name: "display_name_for", Op: "read", ModelLevel: true, Params: []Param{
				{Name: "models", Required: true}}, Fn: doDisplayNameFor},
		},
		"ir.model.data": {
			"check_object_reference": {Name: "check_object_reference", Op: "read", ModelLevel: true, Params: []Param{
				{Name: "module", Required: true}, {Name: "xml_id", Required: true}, {Name: "raise_on_access_error", Default: false}},
				Fn: doCheckObjectReference},
		},
	}
}

// readableModel reports Odoo's _check_model_access: an internal user, a
// model that exists, and its read ACL.
func readableModel(c *Call, name string) bool {
	if c.Principal == nil || !c.Principal.InGroup("base.group_user") {
		return false
	}
	m, err := c.Data.Model(name)
	return err == nil && m.CheckAccess("read") == nil
}

// modelNames returns the descriptions of models (ir.model's name), read
// with the server's rights as Odoo does (sudo search_read on ir.model),
// in ir.model's order (by model).
func modelNames(c *Call, names []string) ([]map[string]any, error) {
	env := c.Data.Env()
	var out []map[string]any
	sorted := slices.Sorted(slices.Values(names))
	for _, n := range sorted {
		desc := n
		if env != nil {
			if meta, ok := env.Registry().Meta(n); ok {
				desc = meta.Description
			}
		}
		out = append(out, map[string]any{"model": n, "display_name": desc})
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, nil
}

// doAvailableModels is ir.model.get_available_models(): the models the
// caller (an internal user) may read, as {model, display_name}.
func doAvailableModels(c *Call) (any, error) {
	var names []string
	for _, n := range c.Data.Models() {
		if readableModel(c, n) {
			names = append(names, n)
		}
	}
	return modelNames(c, names)
}

// doDisplayNameFor is ir.model.display_name_for(models): the readable
// ones with their description, the others (unknown or not readable, the
// same answer) with their technical name.
func doDisplayNameFor(c *Call) (any, error) {
	want, err := argStrings(c.qual(), "models", c.Args["models"])
	if err != nil {
		return nil, err
	}
	var ok, other []string
	for _, n := range want {
		if readableModel(c, n) {
			ok = append(ok, n)
		} else {
			other = append(other, n)
		}
	}
	out, err := modelNames(c, ok)
	if err != nil {
		return nil, err
	}
	for _, n := range other {
		out = append(out, map[string]any{"model": n, "display_name": n})
	}
	return out, nil
}

// doCheckObjectReference is ir.model.data.check_object_reference(module,
// xml_id, raise_on_access_error=False), which odoorpc's env.ref calls: the
// external id is looked up with the server's rights, then the record is
// searched with the caller's; [model, id] when readable, else [model,
// False] or, with raise_on_access_error, an AccessError.
func doCheckObjectReference(c *Call) (any, error) {
	a := &args{c: c}
	mod, name := a.str("module"), a.str("xml_id")
	if !a.ok() {
		return nil, a.err
	}
	env := c.Data.Env()
	if env == nil {
		return nil, errs.Ef(errs.UserError, "External ID not found in the system: %s.%s", clipName(mod), clipName(name))
	}
	model, id, err := env.XMLIDLookup(mod + "." + name)
	if err != nil {
		return nil, err
	}
	if readableRecord(c, model, id) {
		return []any{model, id}, nil
	}
	if argBool(c.Args["raise_on_access_error"]) {
		return nil, errs.Ef(errs.AccessError, "Not enough access rights on the external ID %q", clipName(mod+"."+name))
	}
	return []any{model, false}, nil
}

// readableRecord is Odoo's self.env[model].search([('id', '=', res_id)])
// under the caller's rights. Groups (package identity's, not a model
// here) are readable by internal users, as res.groups is in Odoo.
func readableRecord(c *Call, model string, id int64) bool {
	m, err := c.Data.Model(model)
	if err != nil {
		return model == "res.groups" && c.Principal != nil && c.Principal.InGroup("base.group_user")
	}
	ids, err := m.Search([]any{[]any{"id", "=", id}}, 0, 1, "")
	return err == nil && len(ids) == 1
}
