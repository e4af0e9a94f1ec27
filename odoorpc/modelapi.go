package odoorpc

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
)

// modelAPIMethods are the rest of Odoo 19's public model API, on every
// model: exists, copy, get_metadata, check_access, has_access,
// name_create, action_archive, action_unarchive.
func modelAPIMethods() map[string]*Method {
	return map[string]*Method{
		"exists":           {Name: "exists", Op: "read", Fn: doExists},
		"get_metadata":     {Name: "get_metadata", Op: "read", Fn: doMetadata},
		"check_access":     {Name: "check_access", Op: "read", Params: []Param{{Name: "operation", Required: true}}, Fn: doCheckAccess},
		"has_access":       {Name: "has_access", Op: "read", Params: []Param{{Name: "operation", Required: true}}, Fn: doHasAccess},
		"copy":             {Name: "copy", Op: "create", Params: []Param{{Name: "default"}}, Fn: doCopy},
		"name_create":      {Name: "name_create", Op: "create", ModelLevel: true, Params: []Param{{Name: "name", Required: true}}, Fn: doNameCreate},
		"action_archive":   {Name: "action_archive", Op: "write", Fn: doArchive(false)},
		"action_unarchive": {Name: "action_unarchive", Op: "write", Fn: doArchive(true)},
	}
}

// ormOf is the ORM model behind a call (these methods exist only in
// production, where Data is the ORM).
func ormOf(c *Call) (*orm.Model, error) {
	env := c.Data.Env()
	if env == nil {
		return nil, errs.Ef(errs.NotFound, "The method '%s' does not exist", c.qual())
	}
	return env.Model(c.Model)
}

func runORM(c *Call, fn func(*orm.Model) (any, error)) (any, error) {
	m, err := ormOf(c)
	if err != nil {
		return nil, err
	}
	return fn(m)
}

func doExists(c *Call) (any, error) {
	return runORM(c, func(m *orm.Model) (any, error) { return m.Exists(c.IDs) })
}

func doMetadata(c *Call) (any, error) {
	return runORM(c, func(m *orm.Model) (any, error) { return m.Metadata(c.IDs) })
}

func operation(c *Call) (orm.Op, error) {
	op, err := argString(c.qual(), "operation", c.Args["operation"])
	if err != nil {
		return "", err
	}
	switch op {
	case "read", "write", "create", "unlink":
		return orm.Op(op), nil
	}
	return "", errs.Ef(errs.UserError, "Invalid access mode %q", clipName(op))
}

// doCheckAccess is check_access(operation): None, or the error.
func doCheckAccess(c *Call) (any, error) {
	op, err := operation(c)
	if err != nil {
		return nil, err
	}
	return runORM(c, func(m *orm.Model) (any, error) { return nil, m.CheckAccess(c.IDs, op) })
}

// doHasAccess is has_access(operation): whether check_access would pass.
func doHasAccess(c *Call) (any, error) {
	op, err := operation(c)
	if err != nil {
		return nil, err
	}
	return runORM(c, func(m *orm.Model) (any, error) {
		err := m.CheckAccess(c.IDs, op)
		if k := errs.KindOf(err); err != nil && k != errs.AccessError && k != errs.MissingError {
			return nil, err
		}
		return err == nil, nil
	})
}

func doCopy(c *Call) (any, error) {
	var defaults map[string]any
	if v := c.Args["default"]; v != nil && v != false {
		d, err := argVals(c.qual(), "default", v)
		if err != nil {
			return nil, err
		}
		defaults = d
	}
	return runORM(c, func(m *orm.Model) (any, error) { return m.Copy(c.IDs, defaults) })
}

func doNameCreate(c *Call) (any, error) {
	name, err := argString(c.qual(), "name", c.Args["name"])
	if err != nil {
		return nil, err
	}
	return runORM(c, func(m *orm.Model) (any, error) {
		p, err := m.NameCreate(name)
		if err != nil {
			return nil, err
		}
		return []any{p[0], p[1]}, nil
	})
}

func doArchive(active bool) MethodFunc {
	return func(c *Call) (any, error) {
		return runORM(c, func(m *orm.Model) (any, error) { return true, m.SetActive(c.IDs, active) })
	}
}
