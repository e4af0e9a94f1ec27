package odoorpc

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// GroupAllowDoc is the group allowed to read the API documentation:
// Odoo 19's api_doc.group_allow_doc ("Technical Documentation"), implied
// by base.group_system so that administrators have it by default.
const GroupAllowDoc = "api_doc.group_allow_doc"

// docGroupName is the group's name, for Odoo's refusal message.
const docGroupName = "Technical Documentation"

// docAttributes are the fields_get attributes the catalog reports.
var docAttributes = []string{"type", "string", "required", "readonly", "relation", "selection", "help"}

// ModelDoc is one model as a caller may use it: its fields as fields_get
// reports them to that caller (field groups apply) and the public methods
// whose operation the caller's ACLs and API-key scopes allow.
type ModelDoc struct {
	Model string
	// Name is the model's description (ir.model's name).
	Name    string
	Fields  map[string]map[string]any
	Methods []MethodDoc
	// Defaults are the fields create fills when the values omit them
	// (static, dynamic, sequence or Go defaults), sorted.
	Defaults []string
}

// MethodDoc is one public method's signature.
type MethodDoc struct {
	Name string
	// Op is the data operation (read, write, create, unlink).
	Op string
	// ModelLevel methods take no ids (@api.model).
	ModelLevel bool
	// VarKw accepts any further keyword argument.
	VarKw  bool
	Params []Param
	// Builtin is false for the methods an app registered.
	Builtin bool
}

// RequireDocGroup refuses a caller outside the API-docs group with
// Odoo 19's AccessError. Every /doc* route checks it first.
func RequireDocGroup(p *principal.Principal) error {
	if p.InGroup(GroupAllowDoc) {
		return nil
	}
	return errs.Ef(errs.AccessError, "This page is only accessible to %s users.", docGroupName)
}

// Catalog lists the models data's caller may read, sorted by name, with
// the fields and methods that caller may use; p's API-key scopes narrow
// it further (nil p: no key). Models that live outside the ORM but have
// public methods (res.users.apikeys) are listed with their methods only.
// It is the one source of /doc, /doc/index.json and the OpenAPI document.
func (s *Service) Catalog(data Data, p *principal.Principal) ([]ModelDoc, error) {
	names := data.Models()
	for _, m := range s.deps.Methods.extraModels() {
		if !slices.Contains(names, m) {
			names = append(names, m)
		}
	}
	slices.Sort(names)
	out := []ModelDoc{}
	for _, name := range names {
		doc, ok, err := s.modelDoc(data, p, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, doc)
		}
	}
	return out, nil
}

// modelDoc is one model of the catalog; false when the caller may not
// read it (or, for a model outside the ORM, call any of its methods).
func (s *Service) modelDoc(data Data, p *principal.Principal, name string) (ModelDoc, bool, error) {
	doc := ModelDoc{Model: name, Name: name, Fields: map[string]map[string]any{}}
	m, err := data.Model(name)
	switch {
	case err == nil:
		if err = m.CheckAccess("read"); err != nil {
			if errs.Is(err, errs.AccessError) {
				return doc, false, nil
			}
			return doc, false, err
		}
		if !s.scopeAllows(p, name, "read") {
			return doc, false, nil
		}
		if doc.Fields, err = m.FieldsGet(nil, docAttributes); err != nil {
			return doc, false, err
		}
		if env := data.Env(); env != nil {
			if meta, ok := env.Registry().Meta(name); ok {
				if meta.Description != "" {
					doc.Name = meta.Description
				}
				for _, f := range meta.Fields() {
					if f.Default != nil || f.DefaultFrom != "" || f.Sequence != nil || f.DefaultFunc != nil {
						doc.Defaults = append(doc.Defaults, f.Name)
					}
				}
				slices.Sort(doc.Defaults)
			}
		}
	case errs.Is(err, errs.NotFound):
		m = nil // a model served by another package: methods only
	default:
		return doc, false, err
	}
	for _, mn := range s.deps.Methods.names(name) {
		meth := s.deps.Methods.lookup(name, mn)
		op := meth.op()
		if m == nil && !s.deps.Methods.ownMethod(name, mn) {
			continue // the ORM's built-ins need the ORM model
		}
		if m != nil && op != "read" {
			if err := m.CheckAccess(op); err != nil {
				if errs.Is(err, errs.AccessError) {
					continue
				}
				return doc, false, err
			}
		}
		if !s.scopeAllows(p, name, op) {
			continue
		}
		doc.Methods = append(doc.Methods, MethodDoc{Name: mn, Op: op, ModelLevel: meth.ModelLevel, VarKw: meth.VarKw,
			Params: slices.Clone(meth.Params), Builtin: s.deps.Methods.builtin(name, mn)})
	}
	if m == nil && len(doc.Methods) == 0 {
		return doc, false, nil
	}
	return doc, true, nil
}

// extraModels are the models with methods of their own (per-model
// built-ins and app methods), sorted.
func (ms *Methods) extraModels() []string {
	var out []string
	for m := range ms.perModelBuiltins {
		out = append(out, m)
	}
	ms.mu.RLock()
	for m := range ms.perModel {
		out = append(out, m)
	}
	ms.mu.RUnlock()
	slices.Sort(out)
	return slices.Compact(out)
}

// ownMethod reports whether name is one of model's own methods rather
// than a built-in every model has.
func (ms *Methods) ownMethod(model, name string) bool {
	if ms.perModelBuiltins[model][name] != nil {
		return true
	}
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	return ms.perModel[model][name] != nil
}

// builtin reports whether model.name is rampart's own (not an app's).
func (ms *Methods) builtin(model, name string) bool {
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	return ms.perModel[model][name] == nil
}

// handleDocIndex is /doc/index.json and /doc-bearer/index.json (Odoo
// 19's doc_index): the models the caller may read with their fields and
// methods. Odoo's fields carry only their label; rampart's carry the
// catalog's attributes too (a superset: clients read "string").
func (s *Service) handleDocIndex(r *httpd.Request) (any, error) {
	if err := RequireDocGroup(r.Principal); err != nil {
		return nil, err
	}
	cat, err := s.Catalog(s.requestData(r), r.Principal)
	if err != nil {
		return nil, err
	}
	models := []any{}
	for _, m := range cat {
		methods := []string{}
		for _, md := range m.Methods {
			methods = append(methods, md.Name)
		}
		models = append(models, map[string]any{"model": m.Model, "name": m.Name, "fields": m.Fields, "methods": methods})
	}
	return map[string]any{"modules": []string{"base", "api_doc"}, "models": models}, nil
}

// handleDocModel is /doc/<model>.json and /doc-bearer/<model>.json (Odoo
// 19's doc_model): the model's description, its fields as fields_get
// gives them (all attributes) plus the module, and each public method
// the caller may call with its signature. An unknown model, a path
// without ".json" and a model the caller cannot read are 404, 404 and
// Odoo's AccessError respectively.
func (s *Service) handleDocModel(r *httpd.Request) (any, error) {
	if err := RequireDocGroup(r.Principal); err != nil {
		return nil, err
	}
	file := r.HTTP.PathValue("file")
	name, ok := strings.CutSuffix(file, ".json")
	if !ok || name == "" {
		return nil, errs.E(errs.NotFound, "Not Found")
	}
	data := s.requestData(r)
	m, err := data.Model(name)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.E(errs.NotFound, "Not Found")
		}
		return nil, err
	}
	if err = m.CheckAccess("read"); err != nil {
		return nil, err
	}
	if !s.scopeAllows(r.Principal, name, "read") {
		return nil, errs.Ef(errs.AccessError, "This API key's scope does not allow the operation 'read' on '%s'.", clipName(name))
	}
	doc, ok, err := s.modelDoc(data, r.Principal, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.E(errs.NotFound, "Not Found")
	}
	all, err := m.FieldsGet(nil, nil)
	if err != nil {
		return nil, err
	}
	module := docModule(data, name)
	fields := map[string]any{}
	for fn, f := range all {
		f["module"] = module
		fields[fn] = f
	}
	methods := map[string]any{}
	for _, md := range doc.Methods {
		methods[md.Name] = MethodSignature(md, name, module)
	}
	r.W.Header().Set("Cache-Control", "no-cache, private")
	r.W.Header().Set("Content-Language", "en-US")
	return map[string]any{"model": name, "name": doc.Name, "doc": nil, "fields": fields, "methods": methods}, nil
}

// docModule is the module a model comes from, as ir.model.data names it
// (orm's rule): base for the built-ins, else the model name's first part
// (sale.order → sale).
func docModule(data Data, name string) string {
	if env := data.Env(); env != nil {
		if meta, ok := env.Registry().Meta(name); ok && meta.Source == "builtin" {
			return "base"
		}
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// MethodSignature is Odoo 19's _doc_method for md: the signature as
// Python prints it (without annotations), each parameter with its default
// when it has one, "api" (model, readonly), and where the method comes
// from ("core" for BaseModel's methods).
func MethodSignature(md MethodDoc, model, module string) map[string]any {
	var sig []string
	params := map[string]any{}
	for _, p := range md.Params {
		d := map[string]any{}
		if p.Required {
			sig = append(sig, p.Name)
		} else {
			sig = append(sig, p.Name+"="+pyRepr(p.Default))
			d["default"] = p.Default
		}
		params[p.Name] = d
	}
	if md.VarKw {
		sig = append(sig, "**kwargs")
		params["kwargs"] = map[string]any{"kind": "VAR_KEYWORD"}
	}
	out := map[string]any{"signature": "(" + strings.Join(sig, ", ") + ")", "parameters": params}
	var api []string
	if md.ModelLevel {
		api = append(api, "model")
	}
	if md.Op == "read" {
		api = append(api, "readonly")
	}
	if len(api) > 0 {
		out["api"] = api
	}
	if md.Builtin && !slices.Contains([]string{"res.users", "res.users.apikeys", "ir.model", "ir.model.fields", "ir.model.data"}, model) {
		out["model"], out["module"] = "core", "core"
	} else {
		out["model"], out["module"] = model, module
	}
	return out
}

// pyRepr prints a default as Python's repr would.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", `\'`) + "'"
	default:
		return fmt.Sprint(x)
	}
}

func (s *Service) docRoutes() []*httpd.Route {
	get := []string{http.MethodGet}
	// Odoo 19 declares the /doc JSON routes type='json2' with no method
	// list: any method is accepted. rampart serves GET (what the doc
	// client uses) and POST (what a JSON-2 client sends).
	getPost := []string{http.MethodGet, http.MethodPost}
	return []*httpd.Route{
		{Name: "doc-index", Path: "/doc/index.json", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: get,
			ReadOnly: true, Handler: s.dbChecked(s.handleDocIndex)},
		{Name: "doc-bearer-index", Path: "/doc-bearer/index.json", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: get,
			ReadOnly: true, Scope: "rpc", Handler: s.dbChecked(s.handleDocIndex)},
		{Name: "doc-model", Path: "/doc/{file}", Type: httpd.TypeJSON2, Auth: httpd.AuthUser, Methods: getPost,
			ReadOnly: true, Handler: s.dbChecked(s.handleDocModel)},
		{Name: "doc-bearer-model", Path: "/doc-bearer/{file}", Type: httpd.TypeJSON2, Auth: httpd.AuthBearer, Methods: getPost,
			ReadOnly: true, Scope: "rpc", Handler: s.dbChecked(s.handleDocModel)},
	}
}
