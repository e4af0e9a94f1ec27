package access

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The loaders read files an administrator drops in. Whatever they contain,
// loading ends in a Set or an error, never a panic or a hang, and:
//   - every error is a *LoadError naming the file it came from (and the
//     line, when the parser knows it);
//   - a Set loaded from any format, printed in the YAML form and loaded
//     again, is the same Set (parse → print → parse).

func seedFixtures(f *testing.F, glob string) {
	names, _ := filepath.Glob(glob)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err == nil {
			f.Add(b)
		}
	}
}

func fuzzLoad(f *testing.F, name string) {
	models := odooModels()
	f.Fuzz(func(t *testing.T, data []byte) {
		l := NewLoader(models, nil)
		l.Load("m", name, data)
		s, err := l.Build()
		if err != nil {
			checkLoadErrors(t, err, name)
			return
		}
		if !utf8.Valid(data) {
			return // the YAML form only carries text
		}
		printed := printYAML(t, s)
		l2 := NewLoader(models, nil)
		l2.Load("m", "again.yaml", printed)
		s2, err := l2.Build()
		if err != nil {
			t.Fatalf("the printed Set does not load: %v\n%s", err, printed)
		}
		if a, b := viewOf(s), viewOf(s2); !reflect.DeepEqual(a, b) {
			t.Fatalf("parse → print → parse changed the Set:\nfirst  %+v\nsecond %+v\nprinted:\n%s", a, b, printed)
		}
	})
}

// checkLoadErrors: each joined error is a *LoadError whose position names
// the loaded file (or a base group, for a cycle through one).
func checkLoadErrors(t *testing.T, err error, name string) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	for _, e := range list {
		var le *LoadError
		if !errors.As(e, &le) {
			t.Fatalf("error %q (%T) is not a *LoadError", e, e)
		}
		if le.Pos.File != name && !(le.Pos.File == "" && strings.Contains(le.Msg, "cycle")) {
			t.Fatalf("error %q names %q, not the loaded file %q", e, le.Pos.File, name)
		}
		if !strings.HasPrefix(e.Error(), le.Pos.String()+": ") {
			t.Fatalf("error %q does not start with its position %s", e, le.Pos)
		}
	}
}

// setView is a Set without positions, for comparison.
type setView struct {
	Groups map[string]Group
	ACLs   []ACL
	Rules  []Rule
}

func viewOf(s *Set) setView {
	v := setView{Groups: map[string]Group{}}
	for id, g := range s.Groups {
		c := *g
		c.Pos = Pos{}
		c.Implied = slices.Clone(c.Implied)
		if len(c.Implied) == 0 {
			c.Implied = nil
		}
		v.Groups[id] = c
	}
	for _, a := range s.ACLs {
		c := *a
		c.Pos = Pos{}
		v.ACLs = append(v.ACLs, c)
	}
	for _, r := range s.Rules {
		c := *r
		c.Pos, c.tmpl = Pos{}, nil
		if len(c.Groups) == 0 {
			c.Groups = nil
		}
		v.Rules = append(v.Rules, c)
	}
	return v
}

// printYAML writes s in the YAML form, every id fully qualified.
func printYAML(t *testing.T, s *Set) []byte {
	t.Helper()
	type group struct {
		ID        string   `yaml:"id"`
		Name      string   `yaml:"name"`
		Privilege string   `yaml:"privilege,omitempty"`
		Implied   []string `yaml:"implied,omitempty"`
		Comment   string   `yaml:"comment,omitempty"`
	}
	type acl struct {
		ID     string `yaml:"id"`
		Name   string `yaml:"name"`
		Model  string `yaml:"model"`
		Group  string `yaml:"group,omitempty"`
		Read   bool   `yaml:"perm_read"`
		Write  bool   `yaml:"perm_write"`
		Create bool   `yaml:"perm_create"`
		Unlink bool   `yaml:"perm_unlink"`
		Active bool   `yaml:"active"`
	}
	type rule struct {
		ID     string   `yaml:"id"`
		Name   string   `yaml:"name"`
		Model  string   `yaml:"model"`
		Groups []string `yaml:"groups,omitempty"`
		Domain string   `yaml:"domain"`
		Read   bool     `yaml:"perm_read"`
		Write  bool     `yaml:"perm_write"`
		Create bool     `yaml:"perm_create"`
		Unlink bool     `yaml:"perm_unlink"`
		Active bool     `yaml:"active"`
	}
	var doc struct {
		Groups []group `yaml:"groups,omitempty"`
		Access []acl   `yaml:"access,omitempty"`
		Rules  []rule  `yaml:"rules,omitempty"`
	}
	for _, id := range slices.Sorted(maps.Keys(s.Groups)) {
		g := s.Groups[id]
		doc.Groups = append(doc.Groups, group{g.XMLID, g.Name, g.Privilege, g.Implied, g.Comment})
	}
	for _, a := range s.ACLs {
		doc.Access = append(doc.Access, acl{a.XMLID, a.Name, a.Model, a.Group, a.Read, a.Write, a.Create, a.Unlink, a.Active})
	}
	for _, r := range s.Rules {
		doc.Rules = append(doc.Rules, rule{r.XMLID, r.Name, r.Model, r.Groups, r.Domain, r.Read, r.Write, r.Create, r.Unlink, r.Active})
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzLoadXML(f *testing.F) {
	seedFixtures(f, "testdata/odoo/*.xml")
	f.Add([]byte("<odoo><record id='r' model='ir.rule'><field name='groups' eval='[(4, ref(\"x\"))]'/></record></odoo>"))
	fuzzLoad(f, "f.xml")
}

func FuzzLoadCSV(f *testing.F) {
	seedFixtures(f, "testdata/odoo/*.csv")
	f.Add([]byte("id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\na,A,model_sale_order,,1,0,0,0\n"))
	fuzzLoad(f, "f.csv")
}

func FuzzLoadYAML(f *testing.F) {
	f.Add([]byte("rules:\n  - id: r\n    model: sale.order\n    domain: \"[('user_id', '=', user.id)]\"\n"))
	f.Add([]byte("groups:\n  - {id: a, name: A, implied: [base.group_user]}\naccess:\n  - {id: x, model: sale.order, group: a, perm_read: true}\n"))
	f.Add([]byte("groups:\n  - {id: a, name: A, implied: [b]}\n  - {id: b, name: B, implied: [a]}\n"))
	f.Add([]byte("rules:\n  - {id: r, model: sale.order, domain: \"[('nope', '=', 1)]\"}\n"))
	f.Add([]byte("access:\n  - {id: x, model: sale.order, bogus: 1}\n"))
	f.Add([]byte("groups: [\n"))
	fuzzLoad(f, "f.yaml")
}

// pyRepr prints a pyEval value as a Python literal pyEval reads back.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
	case pyRef:
		return "ref(" + pyRepr(string(v)) + ")"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("<%T>", v)
}

// offsetRe finds the position an eval error names.
var offsetRe = regexp.MustCompile(`offset (\d+)`)

// FuzzPyEval: a value evaluates to itself after printing (parse → print →
// parse), and an error names an offset inside the input.
func FuzzPyEval(f *testing.F) {
	for _, s := range []string{"[(4, ref('a'))]", "[Command.link(ref('a')), (6, 0, [ref('b')])]", "False", "1", "[(5,)]",
		`'it\'s'`, "[1, 'a', None, True, (2,)]", "ref('x'", "[1 2]", "-", "Command.nope(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pyEval(s)
		if err != nil {
			m := offsetRe.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("%q: error %q names no offset", s, err)
			}
			if n, _ := strconv.Atoi(m[1]); n > len(s) {
				t.Fatalf("%q: error %q names offset %d past the end (%d)", s, err, n, len(s))
			}
			return
		}
		refsFromCommands(v, "m")
		printed := pyRepr(v)
		again, err := pyEval(printed)
		if err != nil || !reflect.DeepEqual(v, again) {
			t.Fatalf("%q → %#v → %s → %#v, %v", s, v, printed, again, err)
		}
	})
}
