package config

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// lineRe finds the line a YAML error names.
var lineRe = regexp.MustCompile(`line (\d+)`)

// FuzzLoadYAML: the config loader refuses or accepts any file without a
// panic. A refusal names the file and, when it names a line, one that
// exists; an accepted file's configuration, printed as YAML and loaded
// again, is the same configuration (parse → print → parse).
func FuzzLoadYAML(f *testing.F) {
	for _, s := range []string{
		"data: /srv/rampart\nhttp:\n  addr: 0.0.0.0:9000\n  read_timeout: 5s\n  trusted_proxies: [10.0.0.0/8, 192.0.2.1/32]\nlog:\n  format: json\n",
		"demo: true\napps: [a, b]\norm: {max_limit: 50}\n",
		"http:\n  bogus: 1\n",
		"http:\n  read_timeout: soon\n",
		"db: postgres://u@h/db\nrpc: {list_db: false}\n",
		"- a\n- b\n",
		"data: [\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default()
		err := c.LoadYAML(bytes.NewReader(data), "f.yaml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "config file f.yaml: ") {
				t.Fatalf("error %q does not name the file", msg)
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, m := range lineRe.FindAllStringSubmatch(msg, -1) {
				if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
					t.Fatalf("error %q names line %d of a %d-line file", msg, n, lines)
				}
			}
			return
		}
		printed, err := yaml.Marshal(&c)
		if err != nil {
			t.Fatalf("accepted config does not print: %v", err)
		}
		again := Default()
		if err := again.LoadYAML(bytes.NewReader(printed), "again.yaml"); err != nil {
			t.Fatalf("printed config does not load: %v\n%s", err, printed)
		}
		// Compared in the printed form: a nil and an empty list are the
		// same setting.
		if reprinted, _ := yaml.Marshal(&again); !bytes.Equal(printed, reprinted) {
			t.Fatalf("parse → print → parse changed the config:\nfirst:\n%s\nsecond:\n%s", printed, reprinted)
		}
	})
}
