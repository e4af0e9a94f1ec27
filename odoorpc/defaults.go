package odoorpc

// defaultMethods are default_get and the other model-API methods this
// file adds to every model.
func defaultMethods() map[string]*Method {
	return map[string]*Method{
		"default_get": {Name: "default_get", Op: "read", ModelLevel: true, Params: []Param{
			{Name: "fields_list", Required: true}}, Fn: doDefaultGet},
	}
}

// doDefaultGet is default_get(fields_list): the defaults of the named
// fields (context default_<field> keys included, for fields the caller may
// write), through the ORM.
func doDefaultGet(c *Call) (any, error) {
	a := &args{c: c}
	fields := a.strs("fields_list")
	return a.run(func(m Model) (any, error) { return m.DefaultGet(fields) })
}
