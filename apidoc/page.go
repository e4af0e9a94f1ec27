package apidoc

import (
	"bytes"
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/odoorpc"
)

// KeyPlaceholder stands for the caller's API key in the examples: the
// page never shows a secret.
const KeyPlaceholder = "YOUR_API_KEY"

// pageModel is one model on the /doc page.
type pageModel struct {
	Model, Name string
	Fields      []pageField
	Methods     []pageMethod
}

type pageField struct {
	Name, Type, String, Relation, Help string
	Required, Readonly                 bool
	Selection                          string
}

type pageMethod struct {
	Name, Signature, Op string
	Params              []pageParam
	ModelLevel          bool
	Curl, Python, JS    string
}

type pageParam struct {
	Name, Default string
	Required      bool
}

// handlePage is /doc: Odoo 19's API documentation page, without its
// JavaScript (rampart pages run no scripts): the models the caller may
// read, their fields, the methods the caller may call with their
// parameters, and example calls with the caller's database and a
// placeholder key. Every value goes through html/template's escaping.
func (s *Service) handlePage(r *httpd.Request) (any, error) {
	if err := odoorpc.RequireDocGroup(r.Principal); err != nil {
		return nil, err
	}
	cat, err := s.d.RPC.Catalog(odoorpc.ORMData(r.Env), r.Principal)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if r.TLS {
		scheme = "https"
	}
	base := scheme + "://" + r.HTTP.Host
	var models []pageModel
	for _, m := range cat {
		pm := pageModel{Model: m.Model, Name: m.Name}
		for _, fn := range sortedKeys(m.Fields) {
			f := m.Fields[fn]
			pf := pageField{Name: fn, Type: str(f["type"]), String: str(f["string"]), Relation: str(f["relation"]), Help: str(f["help"])}
			pf.Required, _ = f["required"].(bool)
			pf.Readonly, _ = f["readonly"].(bool)
			pf.Selection = selectionText(f["selection"])
			pm.Fields = append(pm.Fields, pf)
		}
		for _, md := range m.Methods {
			sig := odoorpc.MethodSignature(md, m.Model, "")
			pmd := pageMethod{Name: md.Name, Signature: str(sig["signature"]), Op: md.Op, ModelLevel: md.ModelLevel}
			for _, p := range md.Params {
				pp := pageParam{Name: p.Name, Required: p.Required}
				if !p.Required {
					pp.Default = pyLiteral(p.Default)
				}
				pmd.Params = append(pmd.Params, pp)
			}
			body := exampleBody(m, md)
			url := base + "/json/2/" + m.Model + "/" + md.Name
			pmd.Curl, pmd.Python, pmd.JS = curlExample(url, s.d.DB, body), pythonExample(url, s.d.DB, body), jsExample(url, s.d.DB, body)
			pm.Methods = append(pm.Methods, pmd)
		}
		models = append(models, pm)
	}
	var buf bytes.Buffer
	err = pageTemplate.Execute(&buf, map[string]any{"DB": s.d.DB, "Login": r.Principal.Login, "Models": models, "Base": base})
	if err != nil {
		return nil, err
	}
	r.W.Header().Set("X-Frame-Options", "DENY")
	return buf.String(), nil
}

func selectionText(v any) string {
	var keys []string
	switch sel := v.(type) {
	case [][2]string:
		for _, kv := range sel {
			keys = append(keys, kv[0])
		}
	case []any:
		for _, kv := range sel {
			if p, ok := kv.([]any); ok && len(p) == 2 {
				keys = append(keys, str(p[0]))
			}
		}
	}
	return strings.Join(keys, ", ")
}

// exampleBody is a plausible JSON-2 body for md: ids for record methods,
// the required parameters with example values.
func exampleBody(m odoorpc.ModelDoc, md odoorpc.MethodDoc) map[string]any {
	body := map[string]any{}
	if !md.ModelLevel {
		body["ids"] = []any{1}
	}
	fields := sortedKeys(m.Fields)
	some := []any{}
	for _, f := range []string{"display_name", "name"} {
		if slices.Contains(fields, f) {
			some = append(some, f)
		}
	}
	for _, p := range md.Params {
		switch p.Name {
		case "domain":
			body["domain"] = []any{}
		case "fields", "field_names", "fields_list":
			body[p.Name] = some
		case "limit":
			body["limit"] = 10
		case "vals_list":
			body["vals_list"] = []any{map[string]any{"name": "Example"}}
		case "vals":
			body["vals"] = map[string]any{"name": "Example"}
		case "operation":
			body["operation"] = "read"
		case "specification":
			body["specification"] = map[string]any{"display_name": map[string]any{}}
		default:
			if p.Required {
				body[p.Name] = "..."
			}
		}
	}
	return body
}

func indentJSON(v any, prefix string) string {
	b, _ := json.MarshalIndent(v, prefix, "    ")
	return string(b)
}

func curlExample(url, db string, body map[string]any) string {
	js := strings.ReplaceAll(indentJSON(body, ""), "'", `'\''`)
	return "curl -X POST '" + url + "' \\\n" +
		"    -H 'Authorization: bearer " + KeyPlaceholder + "' \\\n" +
		"    -H 'X-Odoo-Database: " + db + "' \\\n" +
		"    -H 'Content-Type: application/json; charset=utf-8' \\\n" +
		"    -d '" + js + "'"
}

func pythonExample(url, db string, body map[string]any) string {
	return "import requests\n\n" +
		"response = requests.post(\n" +
		"    " + strconv.Quote(url) + ",\n" +
		"    headers={\n" +
		"        \"Authorization\": \"bearer " + KeyPlaceholder + "\",\n" +
		"        \"X-Odoo-Database\": " + strconv.Quote(db) + ",\n" +
		"    },\n" +
		"    json=" + pyLiteralIndent(body, "    ") + ",\n" +
		")\n" +
		"response.raise_for_status()\n" +
		"print(response.json())"
}

func jsExample(url, db string, body map[string]any) string {
	return "const response = await fetch(" + strconv.Quote(url) + ", {\n" +
		"    method: \"POST\",\n" +
		"    headers: {\n" +
		"        \"Authorization\": \"bearer " + KeyPlaceholder + "\",\n" +
		"        \"X-Odoo-Database\": " + strconv.Quote(db) + ",\n" +
		"        \"Content-Type\": \"application/json; charset=utf-8\",\n" +
		"    },\n" +
		"    body: JSON.stringify(" + indentJSON(body, "    ") + "),\n" +
		"});\n" +
		"if (!response.ok) throw new Error(await response.text());\n" +
		"console.log(await response.json());"
}

// pyLiteral prints a JSON value as a Python literal.
func pyLiteral(v any) string { return pyLiteralIndent(v, "") }

func pyLiteralIndent(v any, indent string) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return strconv.Quote(x)
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, pyLiteralIndent(e, indent))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			parts = append(parts, indent+"    "+strconv.Quote(k)+": "+pyLiteralIndent(x[k], indent+"    "))
		}
		if len(parts) == 0 {
			return "{}"
		}
		return "{\n" + strings.Join(parts, ",\n") + ",\n" + indent + "}"
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

var pageTemplate = template.Must(template.New("doc").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation · {{.DB}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#222}
nav{width:16rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f4f6;padding:1rem;box-sizing:border-box}
nav a{display:block;color:#333;text-decoration:none;padding:.1rem 0;font-size:.9rem}
main{flex:1;padding:1rem 2rem;min-width:0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}
pre{background:#1e1e24;color:#eee;padding:.6rem;overflow:auto;font-size:.8rem}
code{font-family:ui-monospace,monospace}
details{margin:.3rem 0}
summary{cursor:pointer;font-family:ui-monospace,monospace}
.op{font-size:.75rem;color:#666}
section{border-bottom:1px solid #ddd;padding-bottom:1rem}
</style>
</head>
<body>
<nav aria-label="models">
<strong>Models</strong>
{{range .Models}}<a href="#model-{{.Model}}">{{.Model}}</a>
{{end}}</nav>
<main>
<h1>API documentation</h1>
<p>Database <code id="db">{{.DB}}</code>, signed in as <code id="login">{{.Login}}</code>: the models you may read and the methods your access rights allow.
Call them with <code>POST {{.Base}}/json/2/&lt;model&gt;/&lt;method&gt;</code> and an API key (<code>Authorization: bearer &lt;key&gt;</code>).
The machine-readable description: <a href="/doc/openapi.json">OpenAPI 3.1</a>.</p>
{{range .Models}}
<section id="model-{{.Model}}">
<h2>{{.Name}} <code>{{.Model}}</code></h2>
{{if .Fields}}<h3>Fields</h3>
<table>
<thead><tr><th>Field</th><th>Type</th><th>Label</th><th>Required</th><th>Read-only</th><th>Relation</th><th>Help</th></tr></thead>
<tbody>
{{range .Fields}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}{{if .Selection}} ({{.Selection}}){{end}}</td><td>{{.String}}</td><td>{{if .Required}}yes{{end}}</td><td>{{if .Readonly}}yes{{end}}</td><td>{{.Relation}}</td><td>{{.Help}}</td></tr>
{{end}}</tbody>
</table>{{end}}
<h3>Methods</h3>
{{range .Methods}}<details class="method">
<summary>{{.Name}}{{.Signature}} <span class="op">{{.Op}}{{if .ModelLevel}}, model{{end}}</span></summary>
{{if .Params}}<table><thead><tr><th>Parameter</th><th>Required</th><th>Default</th></tr></thead><tbody>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{if .Required}}yes{{end}}</td><td><code>{{.Default}}</code></td></tr>
{{end}}</tbody></table>{{end}}
<p>curl</p>
<pre class="curl"><code>{{.Curl}}</code></pre>
<p>Python (requests)</p>
<pre class="python"><code>{{.Python}}</code></pre>
<p>JavaScript (fetch)</p>
<pre class="js"><code>{{.JS}}</code></pre>
</details>
{{end}}</section>
{{end}}
</main>
</body>
</html>
`))
