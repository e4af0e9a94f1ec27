package access

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// xmlField is one <field> of a <record>.
type xmlField struct {
	Name string `xml:"name,attr"`
	Ref  string `xml:"ref,attr"`
	Eval string `xml:"eval,attr"`
	// Search is the older form of a relational value: a domain on the
	// comodel (model_id search="[('model','=','res.partner')]").
	Search string `xml:"search,attr"`
	// Text is the character data; element content (<field name="arch"
	// type="xml">) is skipped by the decoder.
	Text string `xml:",chardata"`
	line int
}

func (f *xmlField) has(attr string) bool {
	switch attr {
	case "eval":
		return f.Eval != ""
	case "ref":
		return f.Ref != ""
	}
	return false
}

// loadXML reads an Odoo data file: <odoo> (or the older <openerp>) with
// optional <data noupdate="1"> wrappers, and records of model ir.rule and
// res.groups. Other records and elements (menus, actions, functions) are
// ignored: they are not access control.
func (l *Loader) loadXML(module, file string, data []byte) {
	d := xml.NewDecoder(bytes.NewReader(data))
	line := func() int { n, _ := d.InputPos(); return n }
	depth, root := 0, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				l.fail(Pos{File: file}, "empty XML document")
			}
			return
		}
		if err != nil {
			l.fail(Pos{File: file, Line: xmlErrLine(err, line())}, "XML syntax error: %v", xmlErrMsg(err))
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			root = true
			if depth == 1 && t.Name.Local != "odoo" && t.Name.Local != "openerp" {
				l.fail(Pos{File: file, Line: line()}, "root element is <%s>, want <odoo>", t.Name.Local)
				return
			}
			if t.Name.Local != "record" {
				continue
			}
			pos := Pos{File: file, Line: line()}
			fields, err := readRecordFields(d, line)
			depth--
			if err != nil {
				l.fail(Pos{File: file, Line: xmlErrLine(err, line())}, "XML syntax error: %v", xmlErrMsg(err))
				return
			}
			id, model := attr(t, "id"), attr(t, "model")
			switch model {
			case "ir.rule":
				l.xmlRule(module, pos, id, fields)
			case "res.groups":
				l.xmlGroup(module, pos, id, fields)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// readRecordFields consumes a record's content up to its end tag.
func readRecordFields(d *xml.Decoder, line func() int) ([]*xmlField, error) {
	var out []*xmlField
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, errors.New("unexpected end of file inside <record>")
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := line()
			if t.Name.Local != "field" {
				if err := d.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			f := &xmlField{line: n}
			if err := d.DecodeElement(f, &t); err != nil {
				return nil, err
			}
			out = append(out, f)
		case xml.EndElement:
			return out, nil
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func xmlErrLine(err error, def int) int {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Line
	}
	return def
}

func xmlErrMsg(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func (l *Loader) xmlRule(module string, pos Pos, id string, fields []*xmlField) {
	if id == "" {
		l.fail(pos, "ir.rule record without id")
		return
	}
	r := &Rule{XMLID: qualify(module, id), Perms: allPerms, Active: true, Pos: pos}
	var modelRef string
	ok := true
	for _, f := range fields {
		fp := Pos{File: pos.File, Line: f.line}
		var err error
		switch f.Name {
		case "name":
			r.Name = strings.TrimSpace(f.Text)
		case "model_id":
			modelRef = f.Ref
			if modelRef == "" && f.Search != "" {
				// search="[('model', '=', 'res.partner')]": the model
				// named, as its ref (model_res_partner) would.
				var name string
				if name, err = modelFromSearch(f.Search); err == nil {
					modelRef = "model_" + strings.ReplaceAll(name, ".", "_")
				}
			} else if modelRef == "" {
				err = errors.New(`model_id wants ref="model_..." or search="[('model', '=', '...')]"`)
			}
		case "domain_force":
			r.Domain = f.Text
			if f.has("eval") {
				// eval="[...]" holds the same Python text; we keep it
				// textual and let the domain parser read it.
				r.Domain = f.Eval
			}
		case "groups":
			var v any
			if v, err = pyEval(f.Eval); err == nil {
				r.Groups, err = refsFromCommands(v, module)
			}
		case "perm_read":
			r.Read, err = fieldBool(f)
		case "perm_write":
			r.Write, err = fieldBool(f)
		case "perm_create":
			r.Create, err = fieldBool(f)
		case "perm_unlink":
			r.Unlink, err = fieldBool(f)
		case "active":
			r.Active, err = fieldBool(f)
		case "global":
			// A computed field in Odoo: setting it does nothing; only
			// groups decide. Accepted and ignored for the same reason.
		default:
			err = errors.New("unknown ir.rule field " + quoteShort(f.Name))
		}
		if err != nil {
			l.fail(fp, "rule %s: %s: %v", r.XMLID, f.Name, err)
			ok = false
		}
	}
	if modelRef == "" {
		if ok {
			l.fail(pos, "rule %s: no model_id", r.XMLID)
		}
		return
	}
	model, found, err := l.resolveModelRef(modelRef)
	switch {
	case err != nil:
		l.fail(pos, "rule %s: %v", r.XMLID, err)
	case !found:
		if ok {
			l.skip(pos, "rule %s: model %s is not declared", r.XMLID, modelRef)
		}
	case ok:
		r.Model = model
		if r.Name == "" {
			r.Name = r.XMLID
		}
		l.rules = append(l.rules, r)
	}
}

func (l *Loader) xmlGroup(module string, pos Pos, id string, fields []*xmlField) {
	if id == "" {
		l.fail(pos, "res.groups record without id")
		return
	}
	g := &Group{XMLID: qualify(module, id), Pos: pos}
	for _, f := range fields {
		var err error
		switch f.Name {
		case "name":
			g.Name = strings.TrimSpace(f.Text)
		case "comment":
			g.Comment = strings.TrimSpace(f.Text)
		case "implied_ids":
			var v any
			if v, err = pyEval(f.Eval); err == nil {
				g.Implied, err = refsFromCommands(v, module)
			}
		case "privilege_id", "category_id":
			// The label Odoo shows comes from the privilege record; we only
			// have its external id, whose last part reads well enough.
			g.Privilege = privilegeLabel(f.Ref)
		}
		// users, sequence, api_key_duration, share, ...: not access rules.
		if err != nil {
			l.fail(Pos{File: pos.File, Line: f.line}, "group %s: %s: %v", g.XMLID, f.Name, err)
			return
		}
	}
	if g.Name == "" {
		g.Name = g.XMLID
	}
	l.addGroup(g)
}

// privilegeLabel turns base.module_category_sales_sales or
// sales_team.res_groups_privilege_sales into "Sales".
func privilegeLabel(ref string) string {
	if i := strings.LastIndexByte(ref, '.'); i >= 0 {
		ref = ref[i+1:]
	}
	for _, p := range []string{"module_category_", "res_groups_privilege_", "privilege_"} {
		ref = strings.TrimPrefix(ref, p)
	}
	parts := strings.Split(ref, "_")
	// module_category_sales_sales: Odoo repeats the app name.
	if len(parts) == 2 && parts[0] == parts[1] {
		parts = parts[:1]
	}
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

func fieldBool(f *xmlField) (bool, error) {
	if f.has("eval") {
		return evalBool(f.Eval)
	}
	return parseBool(f.Text, false)
}

// modelFromSearch reads the one domain old security files use to name a
// rule's model: [('model', '=', '<name>')] (a list or tuple leaf, either
// quote). Anything else is refused: the search is not run against a
// table, so only this form has a meaning.
func modelFromSearch(src string) (string, error) {
	v, err := pyEval(src)
	if err != nil {
		return "", err
	}
	l, ok := v.([]any)
	if ok && len(l) == 1 {
		if leaf, ok := l[0].([]any); ok && len(leaf) == 3 && leaf[0] == "model" && leaf[1] == "=" {
			if name, ok := leaf[2].(string); ok && name != "" {
				return name, nil
			}
		}
	}
	return "", errors.New(`model_id search= supports only [('model', '=', '<model name>')]`)
}
