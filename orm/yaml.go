package orm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlFile is one YAML file of model declarations (format: package doc).
type yamlFile struct {
	Models []yamlModel `yaml:"models"`
}

type yamlModel struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Order       string      `yaml:"order"`
	RecName     string      `yaml:"rec_name"`
	Parent      string      `yaml:"parent"`
	Fields      []yamlField `yaml:"fields"`
	Indexes     [][]string  `yaml:"indexes"`
	// Inherit extends a registered model instead of declaring one.
	Inherit string `yaml:"inherit"`
}

type yamlField struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	String   string `yaml:"string"`
	Label    string `yaml:"label"`
	Help     string `yaml:"help"`
	Required bool   `yaml:"required"`
	Readonly bool   `yaml:"readonly"`
	Default  any    `yaml:"default"`
	// DefaultFrom and Sequence are dynamic defaults (Field.DefaultFrom,
	// Field.Sequence).
	DefaultFrom string       `yaml:"default_from"`
	Sequence    *SequenceDef `yaml:"sequence"`
	// Copy false is Odoo's copy=False (Field.NoCopy).
	Copy      *bool      `yaml:"copy"`
	Index     bool       `yaml:"index"`
	Size      int        `yaml:"size"`
	Selection [][]string `yaml:"selection"`
	Comodel   string     `yaml:"comodel"`
	Inverse   string     `yaml:"inverse"`
	Relation  string     `yaml:"relation"`
	Column1   string     `yaml:"column1"`
	Column2   string     `yaml:"column2"`
	OnDelete  string     `yaml:"ondelete"`
	Groups    string     `yaml:"groups"`
	Min       *float64   `yaml:"min"`
	Max       *float64   `yaml:"max"`
	// CheckCompany and LinkUnreadable: see Field.
	CheckCompany   bool `yaml:"check_company"`
	LinkUnreadable bool `yaml:"link_unreadable"`
}

// ParseYAML reads model declarations from one YAML document; source names
// it in errors.
func ParseYAML(source string, data []byte) ([]ModelDef, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f yamlFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file", source)
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: only one YAML document per file", source)
	}
	var defs []ModelDef
	var problems []error
	for i, ym := range f.Models {
		d := ModelDef{
			Name: ym.Name, Description: ym.Description, Order: ym.Order,
			RecName: ym.RecName, Parent: ym.Parent, Indexes: ym.Indexes, Source: source,
		}
		if ym.Inherit != "" {
			if (ym.Name != "" && ym.Name != ym.Inherit) || ym.Description != "" || ym.Order != "" || ym.RecName != "" || ym.Parent != "" || len(ym.Indexes) > 0 {
				problems = append(problems, fmt.Errorf("%s: models[%d]: inherit %q adds fields only", source, i, ym.Inherit))
				continue
			}
			d.Name, d.Inherit = ym.Inherit, ym.Inherit
		}
		for _, yf := range ym.Fields {
			fd, err := yf.field()
			if err != nil {
				problems = append(problems, fmt.Errorf("%s: models[%d] %q: field %q: %w", source, i, ym.Name, yf.Name, err))
				continue
			}
			d.Fields = append(d.Fields, fd)
		}
		defs = append(defs, d)
	}
	if len(f.Models) == 0 {
		problems = append(problems, fmt.Errorf("%s: no models", source))
	}
	return defs, errors.Join(problems...)
}

func (yf yamlField) field() (Field, error) {
	if yf.String != "" && yf.Label != "" {
		return Field{}, fmt.Errorf("string and label are the same attribute; give one")
	}
	label := yf.String
	if label == "" {
		label = yf.Label
	}
	f := Field{
		Name: yf.Name, Type: yf.Type, String: label, Help: yf.Help,
		Required: yf.Required, Readonly: yf.Readonly, Default: yamlDefault(yf.Default), Index: yf.Index,
		Size: yf.Size, Comodel: yf.Comodel, Inverse: yf.Inverse, Relation: yf.Relation,
		Column1: yf.Column1, Column2: yf.Column2, OnDelete: yf.OnDelete, Groups: yf.Groups,
		Min: yf.Min, Max: yf.Max, CheckCompany: yf.CheckCompany, LinkUnreadable: yf.LinkUnreadable,
		DefaultFrom: yf.DefaultFrom, Sequence: yf.Sequence, NoCopy: yf.Copy != nil && !*yf.Copy,
	}
	for _, kv := range yf.Selection {
		if len(kv) != 2 {
			return Field{}, fmt.Errorf("selection entries are [key, label] pairs")
		}
		f.Selection = append(f.Selection, [2]string{kv[0], kv[1]})
	}
	return f, nil
}

// yamlDefault maps YAML's decoded scalars onto the forms write values
// take (ints as int64).
func yamlDefault(v any) any {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

// LoadYAML reads every *.yaml and *.yml file under dir in fsys (sorted, so
// errors are stable) and registers all their models as one batch.
func (r *Registry) LoadYAML(fsys fs.FS, dir string) error {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return fmt.Errorf("models in %s: no YAML files", dir)
	}
	sort.Strings(files)
	var all []ModelDef
	var problems []error
	for _, p := range files {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		defs, err := ParseYAML(path.Clean(p), data)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		all = append(all, defs...)
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	var defs, ext []ModelDef
	for _, d := range all {
		if d.Inherit != "" {
			ext = append(ext, d)
		} else {
			defs = append(defs, d)
		}
	}
	if len(defs) > 0 {
		if err := r.Define(defs...); err != nil {
			return err
		}
	}
	if len(ext) > 0 {
		return r.Extend(ext...)
	}
	return nil
}
