package orm

import (
	"fmt"
)

// x2many command codes (Odoo's Command enum).
const (
	cmdCreate = 0 // (0, 0, vals)   create a comodel record and link it
	cmdUpdate = 1 // (1, id, vals)  update a linked record
	cmdDelete = 2 // (2, id, 0)     delete the comodel record
	cmdUnlink = 3 // (3, id, 0)     cut the link (one2many: clear the inverse, or delete it when the inverse is required)
	cmdLink   = 4 // (4, id, 0)     add a link
	cmdClear  = 5 // (5, 0, 0)      cut every link
	cmdSet    = 6 // (6, 0, ids)    replace the links by ids
)

// maxCommands bounds one field's command list.
const maxCommands = 10000

// command is one parsed x2many command.
type command struct {
	op   int
	id   int64
	vals map[string]any
	ids  []int64
}

// namedCommands maps the named form's keys to codes. The named form is a
// one-key object: {"create": vals}, {"update": {"id": 7, "values": vals}},
// {"delete": 7}, {"unlink": 7}, {"link": 7}, {"clear": true},
// {"set": [1, 2]}.
func namedCommand(name string) (int, bool) {
	switch name {
	case "create":
		return cmdCreate, true
	case "update":
		return cmdUpdate, true
	case "delete":
		return cmdDelete, true
	case "unlink":
		return cmdUnlink, true
	case "link":
		return cmdLink, true
	case "clear":
		return cmdClear, true
	case "set":
		return cmdSet, true
	}
	return 0, false
}

// parseCommands reads an x2many value: a list of commands, each a tuple
// ([0, 0, {...}], JSON array or Go slice) or a named object; or a plain
// list of ids, meaning "set" (as Odoo accepts).
func parseCommands(f *Field, v any) ([]command, error) {
	if v == nil || v == false {
		return []command{{op: cmdClear}}, nil
	}
	list, ok := v.([]any)
	if !ok {
		if _, ok := intList(v); ok {
			c, err := namedArgs(cmdSet, v)
			return []command{c}, err
		}
		return nil, fmt.Errorf("expected a list of commands")
	}
	if len(list) > maxCommands {
		return nil, fmt.Errorf("too many commands (at most %d)", maxCommands)
	}
	if _, ok := intList(list); ok && len(list) > 0 {
		c, err := namedArgs(cmdSet, list)
		if err != nil {
			return nil, err
		}
		return []command{c}, nil
	}
	cmds := make([]command, 0, len(list))
	for i, item := range list {
		c, err := parseCommand(item)
		if err != nil {
			return nil, fmt.Errorf("command %d: %v", i, err)
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

func parseCommand(item any) (command, error) {
	switch t := item.(type) {
	case []any:
		return parseTuple(t)
	case map[string]any:
		if len(t) != 1 {
			return command{}, fmt.Errorf("a named command has exactly one key (create, update, delete, unlink, link, clear, set)")
		}
		for k, arg := range t {
			op, ok := namedCommand(k)
			if !ok {
				return command{}, fmt.Errorf("unknown command %q", safeName(k))
			}
			return namedArgs(op, arg)
		}
	}
	return command{}, fmt.Errorf("expected a [code, id, value] tuple or a named command")
}

func parseTuple(t []any) (command, error) {
	if len(t) == 0 || len(t) > 3 {
		return command{}, fmt.Errorf("expected [code, id, value]")
	}
	code, ok := asInt(t[0])
	if !ok || code < cmdCreate || code > cmdSet {
		return command{}, fmt.Errorf("unknown command code")
	}
	op := int(code)
	arg := func(i int) any {
		if i < len(t) {
			return t[i]
		}
		return nil
	}
	switch op {
	case cmdCreate:
		return namedArgs(op, arg(2))
	case cmdUpdate:
		return namedArgs(op, map[string]any{"id": arg(1), "values": arg(2)})
	case cmdDelete, cmdUnlink, cmdLink:
		return namedArgs(op, arg(1))
	case cmdClear:
		return command{op: op}, nil
	default: // cmdSet
		return namedArgs(op, arg(2))
	}
}

// namedArgs checks a command's argument (the named form's value).
func namedArgs(op int, arg any) (command, error) {
	c := command{op: op}
	switch op {
	case cmdCreate:
		vals, ok := arg.(map[string]any)
		if !ok {
			return c, fmt.Errorf("create expects an object of values")
		}
		c.vals = vals
	case cmdUpdate:
		m, ok := arg.(map[string]any)
		if !ok {
			return c, fmt.Errorf(`update expects {"id": id, "values": {...}}`)
		}
		id, okID := asInt(m["id"])
		vals, okVals := m["values"].(map[string]any)
		if !okID || id <= 0 || !okVals || len(m) != 2 {
			return c, fmt.Errorf(`update expects {"id": id, "values": {...}}`)
		}
		c.id, c.vals = id, vals
	case cmdDelete, cmdUnlink, cmdLink:
		id, ok := asInt(arg)
		if !ok || id <= 0 {
			return c, fmt.Errorf("expects a record id")
		}
		c.id = id
	case cmdClear:
	case cmdSet:
		if arg == nil || arg == false {
			return c, nil
		}
		ids, ok := intList(arg)
		if !ok {
			return c, fmt.Errorf("set expects a list of ids")
		}
		for _, id := range ids {
			if id <= 0 {
				return c, fmt.Errorf("set expects a list of record ids")
			}
		}
		c.ids = ids
	}
	return c, nil
}

// batchDeletes merges runs of consecutive [2,id] commands (and of [3,id]
// when unlinks too) into one command listing their ids, so that the lines
// an order loses go through one unlink (or one cut): its triggers run
// once per batch and the order's total is recomputed once, not once per
// line. A run stops at an id it already holds, so a repeated id still
// fails as it would one command at a time.
func batchDeletes(cmds []command, unlinks bool) []command {
	out := make([]command, 0, len(cmds))
	for _, c := range cmds {
		batchable := c.op == cmdDelete || (unlinks && c.op == cmdUnlink)
		if n := len(out); batchable && n > 0 && out[n-1].op == c.op && out[n-1].ids != nil && !containsID(out[n-1].ids, c.id) {
			out[n-1].ids = append(out[n-1].ids, c.id)
			continue
		}
		if batchable {
			c.ids = []int64{c.id}
		}
		out = append(out, c)
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// targetIDs are the ids a delete or unlink command acts on.
func (c command) targetIDs() []int64 {
	if c.ids != nil {
		return c.ids
	}
	return []int64{c.id}
}
