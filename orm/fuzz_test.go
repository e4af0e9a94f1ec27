package orm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart/rampart/store/storetest"
)

// FuzzParseOrder: any accepted order string renders only declared,
// quoted columns and fixed keywords.
func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"name desc, id", "qty asc nulls first", "display_name", "name; drop table x", "id,,", "NAME DESC", ""} {
		f.Add(s)
	}
	r := testRegistry(f)
	m := r.models["test.order"]
	db := storetest.SQLite(f)
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := parseOrder(m, s)
		if err != nil {
			return
		}
		sql := orderSQL(db.Dialect, "t", terms)
		for _, part := range strings.Split(sql, ", ") {
			if !strings.HasPrefix(part, `t."`) {
				t.Fatalf("%q rendered %q", s, sql)
			}
			col := strings.SplitN(part[3:], `"`, 2)[0]
			if fl, ok := m.fields[col]; !ok || !fl.Stored() {
				t.Fatalf("%q rendered undeclared column %q", s, col)
			}
		}
	})
}

// FuzzParseCommands: x2many values decoded from any JSON never panic and
// accepted commands are well-formed.
func FuzzParseCommands(f *testing.F) {
	for _, s := range []string{`[[0,0,{"name":"x"}]]`, `[[6,0,[1,2]]]`, `[{"link":3}]`, `[{"update":{"id":1,"values":{}}}]`, `[1,2,3]`, `[[5]]`, `[[4,1.5,0]]`, `false`} {
		f.Add(s)
	}
	fl := &Field{Name: "tag_ids", Type: Many2many, Comodel: "test.tag"}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		cmds, err := parseCommands(fl, v)
		if err != nil {
			return
		}
		for _, c := range cmds {
			switch c.op {
			case cmdCreate:
				if c.vals == nil {
					t.Fatalf("%s: create without values", s)
				}
			case cmdUpdate, cmdDelete, cmdUnlink, cmdLink:
				if c.id <= 0 {
					t.Fatalf("%s: command %d without a positive id", s, c.op)
				}
			case cmdSet:
				for _, id := range c.ids {
					if id <= 0 {
						t.Fatalf("%s: set with id %d", s, id)
					}
				}
			case cmdClear:
			default:
				t.Fatalf("%s: unknown op %d", s, c.op)
			}
		}
	})
}
