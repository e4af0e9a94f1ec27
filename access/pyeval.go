package access

import (
	"fmt"
	"strconv"
	"strings"
)

// pyRef is the value of ref('module.xmlid') in an XML eval attribute.
type pyRef string

// pyEval evaluates the tiny Python subset that Odoo security XML puts in
// eval attributes: literals (int, str, True/False/None), lists, tuples,
// ref('...'), and Command.link/set/clear/unlink(...). Anything else is
// refused: these files are data, not code.
func pyEval(src string) (any, error) {
	p := &pyParser{s: src}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q", p.rest())
	}
	return v, nil
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) errf(format string, args ...any) error {
	return fmt.Errorf("eval at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *pyParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20]
	}
	return r
}

func (p *pyParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		case '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *pyParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '[':
		p.i++
		return p.seq(']')
	case c == '(':
		p.i++
		return p.seq(')')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, p.errf("bad number %q", p.s[p.i:j])
		}
		p.i = j
		return n, nil
	case isIdentStart(c):
		return p.name()
	}
	return nil, p.errf("unexpected %q", p.rest())
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *pyParser) seq(end byte) ([]any, error) {
	out := []any{}
	for {
		if p.eat(end) {
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.eat(',') {
			continue
		}
		if p.eat(end) {
			return out, nil
		}
		return nil, p.errf("expected ',' or %q", end)
	}
}

func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

func (p *pyParser) name() (any, error) {
	j := p.i
	for j < len(p.s) && (isIdentStart(p.s[j]) || p.s[j] == '.' || p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	name := p.s[p.i:j]
	p.i = j
	switch name {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	if !p.eat('(') {
		return nil, p.errf("unknown name %q", name)
	}
	args, err := p.seq(')')
	if err != nil {
		return nil, err
	}
	one := func() (any, error) {
		if len(args) != 1 {
			return nil, p.errf("%s takes one argument", name)
		}
		return args[0], nil
	}
	switch name {
	case "ref":
		a, err := one()
		if err != nil {
			return nil, err
		}
		s, ok := a.(string)
		if !ok {
			return nil, p.errf("ref() wants a string")
		}
		return pyRef(s), nil
	case "Command.link":
		a, err := one()
		return []any{int64(4), a}, err
	case "Command.unlink":
		a, err := one()
		return []any{int64(3), a}, err
	case "Command.set":
		a, err := one()
		return []any{int64(6), int64(0), a}, err
	case "Command.clear":
		return []any{int64(5)}, nil
	}
	return nil, p.errf("function %s is not allowed here", name)
}

// refsFromCommands applies x2many commands to a list of refs: (4, id) and
// Command.link add, (3, id) remove, (6, 0, ids) replace, (5,) clear.
// module qualifies relative refs.
func refsFromCommands(v any, module string) ([]string, error) {
	cmds, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of commands")
	}
	var out []string
	refOf := func(x any) (string, error) {
		r, ok := x.(pyRef)
		if !ok {
			return "", fmt.Errorf("want ref('...'), got %v", x)
		}
		return qualify(module, string(r)), nil
	}
	for _, c := range cmds {
		t, ok := c.([]any)
		if !ok || len(t) == 0 {
			return nil, fmt.Errorf("want a command tuple, got %v", c)
		}
		code, _ := t[0].(int64)
		switch {
		case code == 4 && len(t) >= 2:
			r, err := refOf(t[1])
			if err != nil {
				return nil, err
			}
			out = appendNew(out, r)
		case code == 3 && len(t) >= 2:
			r, err := refOf(t[1])
			if err != nil {
				return nil, err
			}
			for i, x := range out {
				if x == r {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
		case code == 6 && len(t) == 3:
			ids, ok := t[2].([]any)
			if !ok {
				return nil, fmt.Errorf("(6, 0, ids) wants a list")
			}
			out = nil
			for _, x := range ids {
				r, err := refOf(x)
				if err != nil {
					return nil, err
				}
				out = appendNew(out, r)
			}
		case code == 5:
			out = nil
		default:
			return nil, fmt.Errorf("unsupported command %v", c)
		}
	}
	return out, nil
}

// evalBool reads a boolean eval attribute: False/True/0/1.
func evalBool(src string) (bool, error) {
	v, err := pyEval(src)
	if err != nil {
		return false, err
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %s", quoteShort(src))
}
