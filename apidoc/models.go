package apidoc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart/rampart/odoorpc"
)

// Odoo's datetime form: naive UTC "YYYY-MM-DD HH:MM:SS". It is not RFC
// 3339 (a space, no offset), so the schema says it with a pattern rather
// than format date-time, which validators would hold it to.
const datetimePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`

var falseSchema = obj{"const": false}

// orFalse is s, or false: how Odoo reads an unset value.
func orFalse(s obj) obj { return obj{"anyOf": []any{s, falseSchema}} }

// fieldSchema is the JSON Schema of one field as fields_get describes it;
// input is the form create and write accept, otherwise the form read
// returns (load '_classic_read').
func fieldSchema(f map[string]any, input bool) obj {
	typ, _ := f["type"].(string)
	var s obj
	switch typ {
	case "char", "text", "html", "reference":
		s = orFalse(obj{"type": "string"})
	case "binary":
		s = orFalse(obj{"type": "string", "contentEncoding": "base64"})
	case "integer":
		s = obj{"type": "integer"}
	case "float", "monetary":
		s = obj{"type": "number"}
	case "boolean":
		s = obj{"type": "boolean"}
	case "date":
		s = orFalse(obj{"type": "string", "format": "date"})
	case "datetime":
		s = orFalse(obj{"type": "string", "pattern": datetimePattern,
			"description": "naive UTC, YYYY-MM-DD HH:MM:SS (Odoo's format)"})
	case "selection":
		enum := []any{}
		if sel, ok := f["selection"].([][2]string); ok {
			for _, kv := range sel {
				enum = append(enum, kv[0])
			}
		} else if sel, ok := f["selection"].([]any); ok {
			for _, kv := range sel {
				if p, ok := kv.([]any); ok && len(p) == 2 {
					enum = append(enum, p[0])
				}
			}
		}
		s = obj{"enum": append(enum, false)}
	case "many2one":
		id := obj{"type": "integer", "minimum": 1}
		if input {
			s = orFalse(id)
		} else {
			pair := obj{"type": "array", "prefixItems": []any{id, obj{"type": "string"}}, "minItems": 2, "maxItems": 2}
			s = obj{"anyOf": []any{pair, id, falseSchema},
				"description": "[id, display_name] with load '_classic_read' (the default), the id with load '_classic_write' or null; false when empty"}
		}
	case "one2many", "many2many":
		if input {
			s = obj{"type": "array", "description": "ids, or Odoo's x2many commands [[0, 0, vals], [1, id, vals], [2, id], [3, id], [4, id], [5], [6, 0, ids]]",
				"items": obj{"anyOf": []any{obj{"type": "integer"}, obj{"type": "array", "minItems": 1, "maxItems": 3}}}}
		} else {
			s = obj{"type": "array", "items": obj{"type": "integer"}}
		}
	default:
		s = obj{}
	}
	if label, _ := f["string"].(string); label != "" {
		s["title"] = label
	}
	if help, _ := f["help"].(string); help != "" {
		s["description"] = strings.TrimSpace(help + " " + str(s["description"]))
	}
	if rel, _ := f["relation"].(string); rel != "" {
		s["x-relation"] = rel
	}
	if ro, _ := f["readonly"].(bool); ro && !input {
		s["readOnly"] = true
	}
	return s
}

func str(v any) string { s, _ := v.(string); return s }

// recordSchemas adds the model's record schema (what read returns) and its
// create and write inputs (writable fields only; create requires the
// required fields that have no default).
func (b *builder) recordSchemas(m odoorpc.ModelDoc) {
	read, create, write := obj{}, obj{}, obj{}
	var required []any
	for _, name := range sortedKeys(m.Fields) {
		f := m.Fields[name]
		read[name] = fieldSchema(f, false)
		if ro, _ := f["readonly"].(bool); ro {
			continue
		}
		create[name] = fieldSchema(f, true)
		write[name] = fieldSchema(f, true)
		if req, _ := f["required"].(bool); req && !slices.Contains(m.Defaults, name) {
			required = append(required, name)
		}
	}
	b.schemas[m.Model] = obj{"type": "object", "title": m.Name, "properties": read, "required": []any{"id"}, "additionalProperties": false,
		"description": fmt.Sprintf("A %s record as read returns it (the fields the caller may read).", m.Model)}
	c := obj{"type": "object", "properties": create, "additionalProperties": false,
		"description": fmt.Sprintf("Values to create a %s: the writable fields.", m.Model)}
	if len(required) > 0 {
		c["required"] = required
	}
	b.schemas[m.Model+".create"] = c
	names := []any{}
	for _, n := range sortedKeys(m.Fields) {
		names = append(names, n)
	}
	b.schemas[m.Model+".field"] = obj{"description": "A field name of " + m.Model + ".", "enum": names}
	b.schemas[m.Model+".write"] = obj{"type": "object", "properties": write, "additionalProperties": false,
		"description": fmt.Sprintf("Values to write on %s records: the writable fields.", m.Model)}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// model adds the model's schemas and one JSON-2 path per method.
func (b *builder) model(m odoorpc.ModelDoc) {
	hasRecord := len(m.Fields) > 0
	if hasRecord {
		b.recordSchemas(m)
		// Only the input schemas some method of this caller uses.
		uses := map[string]bool{}
		for _, md := range m.Methods {
			for _, p := range md.Params {
				uses[p.Name] = true
			}
		}
		if !uses["vals_list"] {
			delete(b.schemas, m.Model+".create")
		}
		if !uses["vals"] && !uses["default"] {
			delete(b.schemas, m.Model+".write")
		}
	}
	b.tagSet = append(b.tagSet, m.Model)
	b.tagDesc[m.Model] = fmt.Sprintf("%s (%s): its JSON-2 methods.", m.Name, m.Model)
	fieldNames := []any{}
	for _, n := range sortedKeys(m.Fields) {
		fieldNames = append(fieldNames, n)
	}
	for _, md := range m.Methods {
		path := "/json/2/" + m.Model + "/" + md.Name
		props := obj{"context": ref("schemas", "Context")}
		var required []any
		if !md.ModelLevel {
			props["ids"] = obj{"type": "array", "items": obj{"type": "integer"}, "description": "The records the method runs on."}
			required = append(required, "ids")
		}
		for _, p := range md.Params {
			props[p.Name] = paramSchema(m.Model, md.Name, p, fieldNames, hasRecord)
			if p.Required {
				required = append(required, p.Name)
			}
		}
		if md.Name == "search_read" {
			props["load"] = loadSchema()
		}
		body := obj{"type": "object", "properties": props, "additionalProperties": md.VarKw && md.Name != "search_read"}
		if len(required) > 0 {
			body["required"] = required
		}
		sig := odoorpc.MethodSignature(md, m.Model, "")
		op := obj{
			"operationId": b.opID("json2." + m.Model + "." + md.Name),
			"summary":     m.Model + "." + md.Name + str(sig["signature"]),
			"description": fmt.Sprintf("JSON-2: %s.%s. Operation %q for access rights and API-key scopes. Named arguments in the body; the result bare.", m.Model, md.Name, md.Op),
			"tags":        []any{m.Model},
			"security":    modelSecurity(m.Model, md.Op),
			"parameters":  []any{ref("parameters", "X-Odoo-Database")},
			"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": body}}},
			"responses":   b.modelResponses(m, md, hasRecord),
			"x-rampart":   obj{"type": "json2", "auth": "bearer", "operation": md.Op, "model_level": md.ModelLevel, "read_only": md.Op == "read"},
		}
		b.paths[path] = obj{"post": op}
	}
}

// modelSecurity lists the key scopes that allow op on model.
func modelSecurity(model, op string) []any {
	out := []any{obj{"apiKey": []any{"rpc"}}}
	if op == "read" {
		out = append(out, obj{"apiKey": []any{"read"}})
	}
	return append(out, obj{"apiKey": []any{"model:" + model}}, obj{"apiKey": []any{"model:" + model + ":" + op}})
}

func loadSchema() obj {
	// null as its own alternative: an enum holding null is valid JSON
	// Schema, but some validators (kin-openapi) then still refuse null.
	return obj{"anyOf": []any{obj{"enum": []any{"_classic_read", "_classic_write"}}, obj{"type": "null"}},
		"description": "'_classic_read': many2one as [id, display_name]; '_classic_write' or null: the id."}
}

func nullable(s obj) obj { return obj{"anyOf": []any{s, obj{"type": "null"}}} }

// paramSchema is the schema of a method parameter, from its name as
// Odoo's signatures use it.
func paramSchema(model, method string, p odoorpc.Param, fieldNames []any, hasRecord bool) obj {
	var s obj
	fieldList := obj{"type": "array", "items": obj{"type": "string"}}
	if len(fieldNames) > 0 {
		fieldList = obj{"type": "array", "items": ref("schemas", model+".field")}
	}
	switch p.Name {
	case "domain":
		s = ref("schemas", "Domain")
	case "fields", "allfields", "field_names", "fields_list":
		s = fieldList
	case "offset":
		s = obj{"type": "integer", "minimum": 0}
	case "limit", "count_limit":
		s = obj{"type": "integer", "minimum": 0}
	case "order":
		s = obj{"type": "string", "examples": []any{"id desc", "id"},
			"description": "Comma-separated 'field [asc|desc]' terms."}
	case "load":
		return loadSchema()
	case "vals_list":
		if hasRecord {
			one := ref("schemas", model+".create")
			s = obj{"anyOf": []any{obj{"type": "array", "items": one}, one}}
		} else {
			s = obj{}
		}
	case "vals":
		if hasRecord {
			s = ref("schemas", model+".write")
		} else {
			s = obj{"type": "object"}
		}
	case "default":
		if hasRecord {
			s = ref("schemas", model+".write")
		} else {
			s = obj{"type": "object"}
		}
	case "operation":
		s = obj{"enum": []any{"read", "write", "create", "unlink"}}
	case "raise_exception", "raise_on_access_error":
		s = obj{"type": "boolean"}
	case "operator":
		s = obj{"type": "string", "examples": []any{"ilike", "="}}
	case "name", "module", "xml_id", "key", "scope", "expiration_date":
		s = obj{"type": "string"}
	case "specification":
		s = obj{"type": "object", "description": "Odoo 19's web_read specification: {field: {} or {fields: {...}, context, limit, order}}."}
	case "attributes":
		s = obj{"anyOf": []any{obj{"type": "array", "items": obj{"type": "string"}}, obj{"type": "object"}}}
	case "models":
		s = obj{"type": "array", "items": obj{"type": "string"}}
	default:
		s = obj{}
	}
	if !p.Required && len(s) > 0 {
		s = nullable(s)
	}
	if !p.Required {
		s["default"] = p.Default
	}
	return s
}

// resultSchema is the 200 answer of model.method.
func resultSchema(model, method string, hasRecord bool) obj {
	ids := obj{"type": "array", "items": obj{"type": "integer"}}
	records := obj{"type": "array", "items": obj{"type": "object"}}
	if hasRecord {
		records = obj{"type": "array", "items": ref("schemas", model)}
	}
	switch method {
	case "create", "search", "exists", "copy", "search_fetch":
		// search_fetch returns a recordset: JSON-2 sends its ids.
		return ids
	case "read", "search_read":
		return records
	case "web_read", "get_metadata":
		return obj{"type": "array", "items": obj{"type": "object"}}
	case "web_search_read":
		return obj{"type": "object", "properties": obj{"length": obj{"type": "integer"}, "records": obj{"type": "array", "items": obj{"type": "object"}}}}
	case "search_count":
		return obj{"type": "integer", "minimum": 0}
	case "fields_get":
		return obj{"type": "object", "additionalProperties": obj{"type": "object"}}
	case "name_search":
		return obj{"type": "array", "items": obj{"type": "array", "prefixItems": []any{obj{"type": "integer"}, obj{"type": "string"}}, "minItems": 2, "maxItems": 2}}
	case "name_create":
		return obj{"type": "array", "prefixItems": []any{obj{"type": "integer"}, obj{"type": "string"}}, "minItems": 2, "maxItems": 2}
	case "check_access_rights", "has_access", "write", "unlink", "action_archive", "action_unarchive":
		return obj{"type": "boolean"}
	case "check_access", "revoke":
		return obj{"type": "null"}
	case "default_get", "context_get":
		return obj{"type": "object"}
	case "generate":
		return obj{"type": "string"}
	}
	return obj{}
}

func (b *builder) modelResponses(m odoorpc.ModelDoc, md odoorpc.MethodDoc, hasRecord bool) obj {
	out := obj{"200": obj{"description": "The result.", "headers": limitHeaders(false, nil),
		"content": obj{"application/json": obj{"schema": resultSchema(m.Model, md.Name, hasRecord)}}}}
	for _, s := range errorStatusesAll {
		if s == 405 {
			continue
		}
		out[fmt.Sprint(s)] = errorResponse(s, nil)
	}
	return out
}
