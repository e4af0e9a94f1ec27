package odoorpc

import (
	"time"

	"github.com/rampart/rampart/errs"
)

// builtinMethods are the public methods of every model, with Odoo 19's
// signatures (after self). A new table per call: each Methods registry
// owns its own, so nothing package-level can be changed.
func builtinMethods() map[string]*Method {
	ms := coreMethods()
	for _, more := range []map[string]*Method{readMethods(), defaultMethods(), modelAPIMethods(), groupMethods()} {
		for k, m := range more {
			ms[k] = m
		}
	}
	return ms
}

// coreMethods are the CRUD and search methods.
func coreMethods() map[string]*Method {
	return map[string]*Method{
		"create": {Name: "create", Op: "create", ModelLevel: true, Params: []Param{{Name: "vals_list", Required: true}}, Fn: doCreate},
		"read": {Name: "read", Op: "read", Params: []Param{
			{Name: "fields"}, {Name: "load", Default: "_classic_read"}}, Fn: doRead},
		"write":  {Name: "write", Op: "write", Params: []Param{{Name: "vals", Required: true}}, Fn: doWrite},
		"unlink": {Name: "unlink", Op: "unlink", Fn: doUnlink},
		"search": {Name: "search", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "order"}}, Fn: doSearch},
		"search_read": {Name: "search_read", Op: "read", ModelLevel: true, VarKw: true, Params: []Param{
			{Name: "domain"}, {Name: "fields"}, {Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "order"}}, Fn: doSearchRead},
		"search_count": {Name: "search_count", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "domain", Required: true}, {Name: "limit"}}, Fn: doSearchCount},
		"fields_get": {Name: "fields_get", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "allfields"}, {Name: "attributes"}}, Fn: doFieldsGet},
		"name_search": {Name: "name_search", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "name", Default: ""}, {Name: "domain"}, {Name: "operator", Default: "ilike"}, {Name: "limit", Default: int64(100)}}, Fn: doNameSearch},
		// Deprecated since Odoo 18 but still what the external-API
		// documentation's flow calls.
		"check_access_rights": {Name: "check_access_rights", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "operation", Required: true}, {Name: "raise_exception", Default: true}}, Fn: doCheckAccessRights},
	}
}

// perModelBuiltinMethods are built-in methods that exist on one model only.
func perModelBuiltinMethods() map[string]map[string]*Method {
	ms := perModelCoreMethods()
	for model, more := range reflectionMethods() {
		ms[model] = more
	}
	return ms
}

// perModelCoreMethods are res.users' and res.users.apikeys' methods.
func perModelCoreMethods() map[string]map[string]*Method {
	return map[string]map[string]*Method{
		"res.users": {
			"context_get": {Name: "context_get", Op: "read", ModelLevel: true, Fn: doContextGet},
		},
		"res.users.apikeys": {
			"generate": {Name: "generate", ModelLevel: true, Params: []Param{
				{Name: "key", Required: true}, {Name: "scope", Required: true}, {Name: "name", Required: true},
				{Name: "expiration_date", Required: true}}, Fn: doGenerateKey},
			"revoke": {Name: "revoke", ModelLevel: true, Params: []Param{{Name: "key", Required: true}}, Fn: doRevokeKey},
		},
	}
}

// qual is the method's name in messages: model.method.
func (c *Call) qual() string { return c.Model + "." + c.Method }

func (c *Call) model() (Model, error) { return c.Data.Model(c.Model) }

// args reads a call's bound arguments with a sticky error: the first
// conversion that fails is reported, the later ones do nothing.
type args struct {
	c   *Call
	err error
}

func (a *args) ok() bool { return a.err == nil }

func (a *args) domain(name string) []any {
	if !a.ok() {
		return nil
	}
	v, err := argDomain(a.c.qual(), name, a.c.Args[name])
	a.err = err
	return v
}

func (a *args) strs(name string) []string {
	if !a.ok() {
		return nil
	}
	v, err := argStrings(a.c.qual(), name, a.c.Args[name])
	a.err = err
	return v
}

func (a *args) str(name string) string {
	if !a.ok() {
		return ""
	}
	v, err := argString(a.c.qual(), name, a.c.Args[name])
	a.err = err
	return v
}

func (a *args) limit(name string) int {
	if !a.ok() {
		return 0
	}
	v, err := argLimit(a.c.qual(), name, a.c.Args[name])
	a.err = err
	return v
}

func (a *args) offset() int {
	v := a.c.Args["offset"]
	if !a.ok() || v == nil || v == false {
		return 0
	}
	n, err := argInt(a.c.qual(), "offset", v)
	if err == nil && n < 0 {
		err = typeError("%s(): argument 'offset' must not be negative", a.c.qual())
	}
	a.err = err
	return int(n)
}

// run calls fn on the call's model once every argument converted.
func (a *args) run(fn func(Model) (any, error)) (any, error) {
	if a.err != nil {
		return nil, a.err
	}
	m, err := a.c.model()
	if err != nil {
		return nil, err
	}
	return fn(m)
}

func doCreate(c *Call) (any, error) {
	vals, single, err := argValsList(c.qual(), "vals_list", c.Args["vals_list"])
	a := &args{c: c, err: err}
	return a.run(func(m Model) (any, error) {
		ids, err := m.Create(vals)
		// execute_kw returns a bare id for create(dict); JSON-2 returns
		// the recordset, i.e. always the id list.
		if err == nil && single && c.RPC && len(ids) == 1 {
			return ids[0], nil
		}
		return ids, err
	})
}

func doRead(c *Call) (any, error) {
	a := &args{c: c}
	fields := a.strs("fields")
	return a.run(func(m Model) (any, error) {
		recs, err := readRecords(m, c.IDs, fields)
		if err != nil {
			return nil, err
		}
		return loaded(m, recs, !classicRead(c.Args["load"]))
	})
}

func doWrite(c *Call) (any, error) {
	vals, err := argVals(c.qual(), "vals", c.Args["vals"])
	a := &args{c: c, err: err}
	return a.run(func(m Model) (any, error) { return true, m.Write(c.IDs, vals) })
}

func doUnlink(c *Call) (any, error) {
	a := &args{c: c}
	return a.run(func(m Model) (any, error) { return true, m.Unlink(c.IDs) })
}

func doSearch(c *Call) (any, error) {
	a := &args{c: c}
	dom, offset, limit, order := a.domain("domain"), a.offset(), a.limit("limit"), a.str("order")
	return a.run(func(m Model) (any, error) { return m.Search(dom, offset, limit, order) })
}

func doSearchRead(c *Call) (any, error) {
	a := &args{c: c}
	for k := range c.Args {
		switch k {
		case "domain", "fields", "offset", "limit", "order", "load":
		default:
			a.err = typeError("%s() got an unexpected keyword argument '%s'", c.qual(), clipName(k))
		}
	}
	dom, fields, offset, limit, order := a.domain("domain"), a.strs("fields"), a.offset(), a.limit("limit"), a.str("order")
	return a.run(func(m Model) (any, error) {
		recs, err := searchReadRecords(m, dom, fields, offset, limit, order)
		if err != nil {
			return nil, err
		}
		load, given := c.Args["load"]
		return loaded(m, recs, given && !classicRead(load))
	})
}

func doSearchCount(c *Call) (any, error) {
	a := &args{c: c}
	dom, limit := a.domain("domain"), a.limit("limit")
	return a.run(func(m Model) (any, error) { return m.SearchCount(dom, limit) })
}

func doFieldsGet(c *Call) (any, error) {
	a := &args{c: c}
	fields := a.strs("allfields")
	var attrs []string
	if d, ok := c.Args["attributes"].(map[string]any); ok {
		// Odoo 19 also takes attributes as a dict (its keys are the
		// attributes wanted).
		for k := range d {
			attrs = append(attrs, k)
		}
	} else {
		attrs = a.strs("attributes")
	}
	return a.run(func(m Model) (any, error) { return m.FieldsGet(fields, attrs) })
}

func doNameSearch(c *Call) (any, error) {
	a := &args{c: c}
	name, dom, op, limit := a.str("name"), a.domain("domain"), a.str("operator"), a.limit("limit")
	return a.run(func(m Model) (any, error) {
		res, err := m.NameSearch(name, dom, op, limit)
		if res == nil && err == nil {
			res = [][2]any{}
		}
		return res, err
	})
}

func doCheckAccessRights(c *Call) (any, error) {
	a := &args{c: c}
	op := a.str("operation")
	switch op {
	case "read", "write", "create", "unlink":
	default:
		if a.ok() {
			a.err = errs.Ef(errs.UserError, "Invalid access mode %q", clipName(op))
		}
	}
	return a.run(func(m Model) (any, error) {
		if err := m.CheckAccess(op); err != nil {
			if errs.Is(err, errs.AccessError) && !argBool(c.Args["raise_exception"]) {
				return false, nil
			}
			return nil, err
		}
		return true, nil
	})
}

func doContextGet(c *Call) (any, error) {
	if c.Principal == nil {
		return nil, errs.E(errs.AccessDenied, "Access Denied")
	}
	return userContext(c.Principal.UserID), nil
}

// userContext is res.users.context_get: lang, tz and uid. rampart users
// have no language or time-zone preference: en_US and no tz (False), the
// defaults of a fresh Odoo user.
func userContext(uid int64) map[string]any {
	return map[string]any{"lang": "en_US", "tz": false, "uid": uid}
}

func doGenerateKey(c *Call) (any, error) {
	a := &args{c: c}
	key, scope, name, exp := a.str("key"), a.str("scope"), a.str("name"), a.str("expiration_date")
	if !a.ok() {
		return nil, a.err
	}
	var expires *time.Time
	if exp != "" {
		t, err := parseOdooTime(exp)
		if err != nil {
			return nil, errs.Ef(errs.ValidationError, "%s(): expiration_date must be an ISO date or datetime", c.qual())
		}
		expires = &t
	}
	return c.svc.deps.Identity.GenerateKey(c.Ctx, c.Principal, key, scope, name, expires, c.Client)
}

func doRevokeKey(c *Call) (any, error) {
	a := &args{c: c}
	key := a.str("key")
	if !a.ok() {
		return nil, a.err
	}
	// revoke returns None in Odoo: JSON-2 sends null.
	return nil, c.svc.deps.Identity.RevokeKey(c.Ctx, c.Principal, key, c.Client)
}

// parseOdooTime reads the date and datetime strings Odoo clients send.
func parseOdooTime(s string) (time.Time, error) {
	for _, layout := range []string{time.DateTime, time.DateOnly, "2006-01-02T15:04:05", time.RFC3339, "2006-01-02T15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.E(errs.ValidationError, "bad date")
}
