package access

import (
	"os"
	"path/filepath"
	"testing"
)

// The loaders read files an administrator drops in; whatever they contain,
// loading must end in a Set or an error, never a panic or a hang.

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
		l.Build()
	})
}

func FuzzLoadXML(f *testing.F) {
	seedFixtures(f, "testdata/odoo/*.xml")
	f.Add([]byte("<odoo><record id='r' model='ir.rule'><field name='groups' eval='[(4, ref(\"x\"))]'/></record></odoo>"))
	fuzzLoad(f, "f.xml")
}

func FuzzLoadCSV(f *testing.F) {
	seedFixtures(f, "testdata/odoo/*.csv")
	fuzzLoad(f, "f.csv")
}

func FuzzLoadYAML(f *testing.F) {
	f.Add([]byte("rules:\n  - id: r\n    model: sale.order\n    domain: \"[('user_id', '=', user.id)]\"\n"))
	f.Add([]byte("groups:\n  - {id: a, name: A, implied: [base.group_user]}\naccess:\n  - {id: x, model: sale.order, group: a, perm_read: true}\n"))
	fuzzLoad(f, "f.yaml")
}

func FuzzPyEval(f *testing.F) {
	for _, s := range []string{"[(4, ref('a'))]", "[Command.link(ref('a')), (6, 0, [ref('b')])]", "False", "1", "[(5,)]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := pyEval(s); err == nil {
			refsFromCommands(v, "m")
		}
	})
}
