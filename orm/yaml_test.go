package orm

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestYAMLErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown model key", "models:\n  - name: a.b\n    colour: red\n", []string{"bad.yaml", "colour"}},
		{"unknown field key", "models:\n  - name: a.b\n    fields:\n      - {name: x, type: char, sise: 3}\n", []string{"bad.yaml", "sise"}},
		{"unknown type", "models:\n  - name: a.b\n    fields:\n      - {name: x, type: string}\n", []string{"bad.yaml", `unknown type "string"`}},
		{"unknown comodel", "models:\n  - name: a.b\n    fields:\n      - {name: x_id, type: many2one, comodel: no.such}\n", []string{"bad.yaml", `unknown comodel "no.such"`}},
		{"bad inverse", "models:\n  - name: a.b\n    fields:\n      - {name: x_ids, type: one2many, comodel: res.partner, inverse: parent_id}\n", []string{"inverse"}},
		{"bad selection default", "models:\n  - name: a.b\n    fields:\n      - {name: s, type: selection, selection: [[a, A]], default: b}\n", []string{"default"}},
		{"bad model name", "models:\n  - name: A-B\n", []string{"invalid model name"}},
		{"magic redeclared", "models:\n  - name: a.b\n    fields:\n      - {name: create_uid, type: integer}\n", []string{"reserved"}},
		{"bad order", "models:\n  - name: a.b\n    order: nope desc\n", []string{"order"}},
		{"size on integer", "models:\n  - name: a.b\n    fields:\n      - {name: n, type: integer, size: 3}\n", []string{"size"}},
		{"duplicate model", "models:\n  - name: res.partner\n", []string{"already defined"}},
		{"selection pair", "models:\n  - name: a.b\n    fields:\n      - {name: s, type: selection, selection: [[a]]}\n", []string{"pairs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRegistry(AllowAll{})
			err := r.LoadYAML(fstest.MapFS{"app/bad.yaml": {Data: []byte(c.src)}}, "app")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, ok := r.Meta("a.b"); ok {
				t.Error("a refused batch registered a model")
			}
		})
	}
}

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte("models:\n  - name: a.b\n    fields:\n      - {name: x, type: char}\n"))
	f.Add([]byte("models: [{name: a.b, fields: [{name: s, type: selection, selection: [[k, v]]}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := ParseYAML("fuzz.yaml", data)
		if err != nil {
			return
		}
		NewRegistry(AllowAll{}).Define(defs...) // must not panic
	})
}
