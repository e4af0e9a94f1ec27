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
// each untargeted one to the first ACL row or rule this file declared at
// or below it (acls and rules are what this Load call appended).
func (l *Loader) collectIgnores(file string, data []byte, acls []*ACL, rules []*Rule) {
	for _, ig := range scanIgnores(file, data) {
		if ig.Target == "" {
			best := 0
			for _, a := range acls {
				if a.Pos.File == file && a.Pos.Line >= ig.Pos.Line && (best == 0 || a.Pos.Line < best) {
					best, ig.Target = a.Pos.Line, a.XMLID
				}
			}
			for _, r := range rules {
				if r.Pos.File == file && r.Pos.Line >= ig.Pos.Line && (best == 0 || r.Pos.Line < best) {
					best, ig.Target = r.Pos.Line, r.XMLID
				}
			}
		}
		l.ignores = append(l.ignores, ig)
	}
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
			comment, inXMLComment = xmlCommentText(line, inXMLComment)
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

// xmlCommentText returns the parts of line inside XML comments (joined by
// a space), given whether the line starts inside one, and whether it ends
// inside one.
func xmlCommentText(line string, in bool) (string, bool) {
	var b strings.Builder
	for line != "" {
		if in {
			end := strings.Index(line, "-->")
			if end < 0 {
				b.WriteString(line)
				return b.String(), true
			}
			b.WriteString(line[:end])
			b.WriteByte(' ')
			line, in = line[end+3:], false
			continue
		}
		start := strings.Index(line, "<!--")
		if start < 0 {
			break
		}
		line, in = line[start+4:], true
	}
	return b.String(), in
}
