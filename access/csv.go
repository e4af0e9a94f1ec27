package access

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvColumns are the columns of Odoo's ir.model.access.csv. Order in the
// file is free (Odoo reads by header), but every one must be present.
var csvColumns = []string{"id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write", "perm_create", "perm_unlink"}

// loadCSV reads an ir.model.access.csv. Rows for models that are not
// declared are skipped with a message; anything malformed is refused.
func (l *Loader) loadCSV(module, file string, data []byte) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	// '#' lines are comments (lint:ignore explanations for rampart lint);
	// no ir.model.access id starts with '#'.
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		l.fail(Pos{File: file, Line: 1}, "cannot read the CSV header: %v", csvErr(err))
		return
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			l.fail(Pos{File: file, Line: 1}, "missing column %q (want %s)", c, strings.Join(csvColumns, ","))
			return
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.Line
			}
			l.fail(Pos{File: file, Line: line}, "%v", csvErr(err))
			return
		}
		line, _ := r.FieldPos(0)
		pos := Pos{File: file, Line: line}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			l.fail(pos, "row has %d columns, the header %d", len(rec), len(header))
			continue
		}
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		a := &ACL{XMLID: qualify(module, get("id")), Name: get("name"), Group: qualify(module, get("group_id:id")), Active: true, Pos: pos}
		if get("id") == "" {
			l.fail(pos, "empty id")
			continue
		}
		ok := true
		for _, p := range []struct {
			col string
			dst *bool
		}{{"perm_read", &a.Read}, {"perm_write", &a.Write}, {"perm_create", &a.Create}, {"perm_unlink", &a.Unlink}} {
			v, err := parseBool(get(p.col), false)
			if err != nil {
				l.fail(pos, "%s: %v", p.col, err)
				ok = false
			}
			*p.dst = v
		}
		if i, has := col["active"]; has {
			v, err := parseBool(strings.TrimSpace(rec[i]), true)
			if err != nil {
				l.fail(pos, "active: %v", err)
				ok = false
			}
			a.Active = v
		}
		ref := get("model_id:id")
		model, found, err := l.resolveModelRef(ref)
		switch {
		case err != nil:
			l.fail(pos, "%v", err)
			ok = false
		case ref == "":
			l.fail(pos, "empty model_id:id")
			ok = false
		case !found:
			if ok {
				l.skip(pos, "access %s: model %s is not declared", a.XMLID, ref)
			}
			continue
		}
		if ok {
			a.Model = model
			l.acls = append(l.acls, a)
		}
	}
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseBool reads the boolean spellings found in Odoo data files: 1/0,
// True/False, true/false. Empty gives def.
func parseBool(s string, def bool) (bool, error) {
	switch strings.TrimSpace(s) {
	case "":
		return def, nil
	case "1", "True", "true", "TRUE":
		return true, nil
	case "0", "False", "false", "FALSE":
		return false, nil
	}
	return false, errors.New("not a boolean: " + quoteShort(s))
}

// quoteShort quotes user text for an error message, cut to a sane length.
func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return `"` + s + `"`
}
