package orm

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
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

// FuzzParseYAML: declarations are accepted or refused without a panic; a
// refusal names the file (and, when it names a line, one that exists);
// accepted declarations, printed in the YAML form and parsed again, are
// the same declarations (parse → print → parse).
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte("models:\n  - name: a.b\n    fields:\n      - {name: x, type: char}\n"))
	f.Add([]byte("models: [{name: a.b, fields: [{name: s, type: selection, selection: [[k, v]]}]}]"))
	f.Add([]byte("models:\n  - name: a.b\n    order: x desc\n    fields:\n      - {name: n, type: float, default: 1.5, min: 0, max: 10}\n      - {name: p, type: many2one, comodel: a.b, ondelete: cascade}\n"))
	f.Add([]byte("models:\n  - name: a.b\n    bogus: 1\n"))
	f.Add([]byte("models:\n  - name: a.b\n    fields: [{name: s, type: selection, selection: [[k]]}]\n"))
	f.Add([]byte("models: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := ParseYAML("fuzz.yaml", data)
		if err != nil {
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml: ") && !strings.HasPrefix(line, "  ") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			for _, m := range regexp.MustCompile(`line (\d+)`).FindAllStringSubmatch(err.Error(), -1) {
				if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
					t.Fatalf("error %q names line %d of a %d-line file", err, n, lines)
				}
			}
			return
		}
		NewRegistry(AllowAll{}).Define(defs...) // must not panic
		printed := printModelYAML(t, defs)
		again, err := ParseYAML("fuzz.yaml", printed)
		if err != nil {
			t.Fatalf("printed declarations do not parse: %v\n%s", err, printed)
		}
		if a, b := comparableDefs(defs), comparableDefs(again); !reflect.DeepEqual(a, b) {
			t.Fatalf("parse → print → parse changed the declarations:\nfirst  %#v\nsecond %#v\nprinted:\n%s", a, b, printed)
		}
	})
}

// printModelYAML writes declarations in the YAML form.
func printModelYAML(t *testing.T, defs []ModelDef) []byte {
	var f yamlFile
	for _, d := range defs {
		ym := yamlModel{Name: d.Name, Description: d.Description, Order: d.Order, RecName: d.RecName, Parent: d.Parent, Indexes: d.Indexes}
		for _, fd := range d.Fields {
			yf := yamlField{Name: fd.Name, Type: fd.Type, String: fd.String, Help: fd.Help, Required: fd.Required, Readonly: fd.Readonly,
				Default: fd.Default, Index: fd.Index, Size: fd.Size, Comodel: fd.Comodel, Inverse: fd.Inverse, Relation: fd.Relation,
				Column1: fd.Column1, Column2: fd.Column2, OnDelete: fd.OnDelete, Groups: fd.Groups, Min: fd.Min, Max: fd.Max}
			for _, kv := range fd.Selection {
				yf.Selection = append(yf.Selection, []string{kv[0], kv[1]})
			}
			ym.Fields = append(ym.Fields, yf)
		}
		f.Models = append(f.Models, ym)
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	return b
}

// comparableDefs: numbers compare by value (YAML prints 1.0 as 1, read
// back as an integer) and NaN equals NaN.
func comparableDefs(defs []ModelDef) string {
	var norm func(v any) any
	norm = func(v any) any {
		switch v := v.(type) {
		case int64:
			return float64(v)
		case int:
			return float64(v)
		case float64:
			if math.IsNaN(v) {
				return "NaN"
			}
			return v
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = norm(x)
			}
			return out
		case map[string]any:
			out := map[string]any{}
			for k, x := range v {
				out[k] = norm(x)
			}
			return out
		}
		return v
	}
	ptr := func(p *float64) any {
		if p == nil {
			return nil
		}
		return norm(*p)
	}
	var b strings.Builder
	for _, d := range defs {
		fmt.Fprintf(&b, "%q %q %q %q %q %v\n", d.Name, d.Description, d.Order, d.RecName, d.Parent, d.Indexes)
		for _, fd := range d.Fields {
			fmt.Fprintf(&b, "  %q %q %q %q %t %t %#v %t %d %v %q %q %q %q %q %q %q %v %v\n", fd.Name, fd.Type, fd.String, fd.Help,
				fd.Required, fd.Readonly, norm(fd.Default), fd.Index, fd.Size, fd.Selection, fd.Comodel, fd.Inverse, fd.Relation,
				fd.Column1, fd.Column2, fd.OnDelete, fd.Groups, ptr(fd.Min), ptr(fd.Max))
		}
	}
	return b.String()
}
