package apidoc

import (
	"bytes"
	"strings"
	"testing"
)

// TestPageEscapes: every declared text (model and field names, labels,
// help, selection keys, examples) reaches the page through html/template:
// markup in an app's declarations is shown, never run.
func TestPageEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	data := map[string]any{"DB": evil, "Login": evil, "Base": "http://h", "Models": []pageModel{{
		Model: "x.model", Name: evil,
		Fields:  []pageField{{Name: "f", Type: "char", String: evil, Help: evil, Relation: evil, Selection: evil}},
		Methods: []pageMethod{{Name: "m", Signature: "(" + evil + ")", Curl: evil, Python: evil, JS: evil}},
	}}}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>") || strings.Contains(out, "<img") {
		t.Fatalf("markup reached the page unescaped:\n%s", out)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped text missing")
	}
}

// TestExamples: the three examples are well-formed for their language
// (Python literals, not JSON's true/null; a quote inside curl's body
// closes nothing).
func TestExamples(t *testing.T) {
	body := map[string]any{"domain": []any{}, "raise_exception": true, "x": nil, "name": "O'Brien"}
	py := pythonExample("http://h/json/2/m/n", "db", body)
	for _, want := range []string{`"raise_exception": True`, `"x": None`, `"name": "O'Brien"`, `"X-Odoo-Database": "db"`} {
		if !strings.Contains(py, want) {
			t.Errorf("python example lacks %s:\n%s", want, py)
		}
	}
	curl := curlExample("http://h/json/2/m/n", "db", body)
	if !strings.Contains(curl, `O'\''Brien`) {
		t.Errorf("curl example does not escape the quote:\n%s", curl)
	}
	js := jsExample("http://h/json/2/m/n", "db", body)
	if !strings.Contains(js, `"raise_exception": true`) || !strings.Contains(js, "JSON.stringify(") {
		t.Errorf("js example:\n%s", js)
	}
}
