package access

import (
	"path"
	"strings"
)

// Ignore is an inline `lint:ignore CHECK[=TARGET] REASON` comment of a
// security file: the operator's explanation of why a `rampart lint` finding
// is accepted. Policy never reads it; the loader only records where it is.
//
// Without =TARGET the comment explains the declaration (ACL row or rule)
// that follows it in the same file — on the same line or the next one
// declared below it — and Target is set to that declaration's external id.
// With =TARGET it names the finding's id itself (a model, a field
// model.field, a route path), for findings that have no declaration of
// their own in a security file.
type Ignore struct {
	Check  string `json:"check"`
	Target string `json:"target,omitempty"`
	Reason string `json:"reason,omitempty"`
	Pos    Pos    `json:"pos"`
}

const ignoreMarker = "lint:ignore"

// collectIgnores records the lint:ignore comments of one file and ties
// each untargeted one to the declaration that starts next in the file (at
// or below the comment): an ACL row or rule this Load call appended (acls,
// rules). When the next declaration is something else — a group, a row
// skipped for an undeclared model — the comment stays untied (Target "")
// rather than slide down to a later row: rampart lint reports it.
func (l *Loader) collectIgnores(file string, data []byte, acls []*ACL, rules []*Rule) {
	lines := strings.Split(string(data), "\n")
	ext := strings.ToLower(path.Ext(file))
	for _, ig := range scanIgnores(file, data) {
		if ig.Target == "" {
			ig.Target = nextDeclaration(ext, lines, ig.Pos.Line, file, acls, rules)
		}
		l.ignores = append(l.ignores, ig)
	}
}

// nextDeclaration is the external id of the ACL row or rule that starts
// right after the comment on line (1-based) — on the same line, or below
// it with only blank and comment lines in between — "" if none does.
func nextDeclaration(ext string, lines []string, line int, file string, acls []*ACL, rules []*Rule) string {
	start := 0
	inXML := false // whether line starts inside an XML comment
	if ext == ".xml" {
		for _, l := range lines[:line-1] {
			_, _, inXML = xmlSplit(l, inXML)
		}
	}
	for i := line; i <= len(lines) && start == 0; i++ {
		code := lines[i-1]
		switch ext {
		case ".xml":
			code, _, inXML = xmlSplit(code, inXML)
		default:
			if j := strings.IndexByte(code, '#'); j >= 0 {
				code = code[:j]
			}
		}
		switch {
		case declStart(ext, code):
			start = i
		case strings.TrimSpace(code) != "":
			return "" // something else comes first: the comment is not above a declaration
		}
	}
	if start == 0 {
		return ""
	}
	// The declaration's Pos is its first line (CSV row, YAML item) or the
	// line its XML start tag ends on.
	ok := func(p Pos) bool {
		if p.File != file || p.Line < start {
			return false
		}
		if ext != ".xml" {
			return p.Line == start
		}
		for i := start + 1; i <= p.Line && i <= len(lines); i++ {
			if strings.Contains(lines[i-1], "<record") {
				return false
			}
		}
		return true
	}
	for _, a := range acls {
		if ok(a.Pos) {
			return a.XMLID
		}
	}
	for _, r := range rules {
		if ok(r.Pos) {
			return r.XMLID
		}
	}
	return ""
}

// declStart reports a line that starts a declaration: a CSV row, an XML
// record, a YAML list item.
func declStart(ext, text string) bool {
	t := strings.TrimSpace(text)
	switch ext {
	case ".csv":
		return t != ""
	case ".xml":
		return strings.Contains(t, "<record")
	case ".yaml", ".yml":
		return strings.HasPrefix(t, "- ")
	}
	return false
}

// scanIgnores finds the lint:ignore markers that sit inside comments:
// after a '#' in YAML, on a '#' line in CSV (the loader's CSV reader skips
// those lines), inside <!-- --> in XML. Text elsewhere (a rule's name, a
// domain) is never taken for a marker.
func scanIgnores(file string, data []byte) []Ignore {
	ext := strings.ToLower(path.Ext(file))
	var out []Ignore
	inXMLComment := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		var comment string // the commented part of the line holding the marker
		switch ext {
		case ".csv":
			if strings.HasPrefix(line, "#") {
				comment = line[1:]
			}
		case ".yaml", ".yml":
			if j := strings.IndexByte(line, '#'); j >= 0 {
				comment = line[j+1:]
			}
		case ".xml":
			_, comment, inXMLComment = xmlSplit(line, inXMLComment)
		}
		j := strings.Index(comment, ignoreMarker)
		if j < 0 {
			continue
		}
		rest := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(comment[j+len(ignoreMarker):]), "-->"))
		check, reason, _ := strings.Cut(rest, " ")
		ig := Ignore{Check: check, Reason: strings.TrimSpace(reason), Pos: Pos{File: file, Line: i + 1}}
		if c, t, ok := strings.Cut(check, "="); ok {
			ig.Check, ig.Target = c, t
		}
		out = append(out, ig)
	}
	return out
}

// xmlSplit splits line into its code and its comment text (XML comments,
// joined by a space), given whether it starts inside a comment, and says
// whether it ends inside one.
func xmlSplit(line string, in bool) (code, comment string, out bool) {
	var c, m strings.Builder
	for line != "" {
		if in {
			end := strings.Index(line, "-->")
			if end < 0 {
				m.WriteString(line)
				return c.String(), m.String(), true
			}
			m.WriteString(line[:end])
			m.WriteByte(' ')
			line, in = line[end+3:], false
			continue
		}
		start := strings.Index(line, "<!--")
		if start < 0 {
			c.WriteString(line)
			break
		}
		c.WriteString(line[:start])
		line, in = line[start+4:], true
	}
	return c.String(), m.String(), in
}
