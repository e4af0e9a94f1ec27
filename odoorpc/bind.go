package odoorpc

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rampart/rampart/errs"
)

// bindCall binds a call's arguments and words a failure as the
// protocol's Odoo does: JSON-2 checks the body with
// inspect.Signature.bind and answers werkzeug's UnprocessableEntity (422)
// with bind's message; execute_kw and call_kw call the method, so Python's
// TypeError reaches the client (JSON-RPC code 0, XML-RPC fault 1).
func bindCall(qual string, m *Method, args []any, kwargs map[string]any, rpc bool) (map[string]any, error) {
	out, err := bind(qual, m, args, kwargs)
	if err == nil {
		return out, nil
	}
	if rpc {
		return nil, pyTypeError(errs.As(err))
	}
	return nil, unprocessable(errs.E(errs.UserError, signatureBindMessage(m, args, kwargs)))
}

// signatureBindMessage is the TypeError text of Python's
// inspect.Signature.bind(records, *args, **kwargs) for m: parameters in
// order, a missing required one first, then an unknown keyword (the
// first in sorted order: the JSON object's order is not kept).
func signatureBindMessage(m *Method, args []any, kwargs map[string]any) string {
	if len(args) > len(m.Params) {
		return "too many positional arguments"
	}
	for i, p := range m.Params {
		_, kw := kwargs[p.Name]
		if i < len(args) {
			if kw {
				return "multiple values for argument '" + clipName(p.Name) + "'"
			}
			continue
		}
		if !kw && p.Required {
			return "missing a required argument: '" + p.Name + "'"
		}
	}
	if !m.VarKw {
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range kwargs {
				if !yield(k) {
					return
				}
			}
		}) {
			if !m.hasParam(k) {
				return "got an unexpected keyword argument '" + clipName(k) + "'"
			}
		}
	}
	return "invalid arguments"
}

// unprocessable is werkzeug's UnprocessableEntity (422), which Odoo's
// JSON-2 raises for calls it cannot bind.
func unprocessable(e *errs.Error) *errs.Error {
	e.Name = "werkzeug.exceptions.UnprocessableEntity"
	return e
}

// pyTypeError is Python's TypeError as Odoo's RPC dispatchers let it
// through (JSON-RPC "Odoo Server Error" code 0, XML-RPC fault 1).
func pyTypeError(e *errs.Error) *errs.Error {
	e.Name = "builtins.TypeError"
	return e
}

// unknownMethod is what Odoo answers for a method the model does not
// have: JSON-2 raises werkzeug's NotFound (404); execute_kw and call_kw
// let get_public_method's AttributeError through (JSON-RPC code 0,
// XML-RPC fault 1), not a 404.
func unknownMethod(qual string, rpc bool) *errs.Error {
	e := errs.Ef(errs.NotFound, "The method '%s' does not exist", qual)
	if rpc {
		e.Name = "builtins.AttributeError"
	}
	return e
}

// bind matches positional and keyword arguments to m's signature the way
// Python does, so a client mistake gets the TypeError text Odoo users
// know. Binding errors are UserError (HTTP 422, fault 2): Odoo's JSON-2
// answers them with 422 too.
func bind(qual string, m *Method, args []any, kwargs map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m.Params)+len(kwargs))
	if len(args) > len(m.Params) {
		return nil, typeError("%s() takes %s but %d were given", qual, positionalCount(m), len(args)+1)
	}
	for i, a := range args {
		out[m.Params[i].Name] = a
	}
	for k, v := range kwargs {
		if !m.hasParam(k) {
			if m.VarKw {
				out[k] = v
				continue
			}
			return nil, typeError("%s() got an unexpected keyword argument '%s'", qual, clipName(k))
		}
		if _, dup := out[k]; dup {
			return nil, typeError("%s() got multiple values for argument '%s'", qual, k)
		}
		out[k] = v
	}
	var missing []string
	for _, p := range m.Params {
		if _, ok := out[p.Name]; ok {
			continue
		}
		if p.Required {
			missing = append(missing, "'"+p.Name+"'")
			continue
		}
		out[p.Name] = p.Default
	}
	if len(missing) > 0 {
		s := "s"
		if len(missing) == 1 {
			s = ""
		}
		return nil, typeError("%s() missing %d required positional argument%s: %s", qual, len(missing), s, joinAnd(missing))
	}
	return out, nil
}

func (m *Method) hasParam(name string) bool {
	for _, p := range m.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// positionalCount words the signature size as Python does, counting self.
func positionalCount(m *Method) string {
	req := 1
	for _, p := range m.Params {
		if p.Required {
			req++
		}
	}
	total := len(m.Params) + 1
	if req == total {
		if total == 1 {
			return "1 positional argument"
		}
		return fmt.Sprintf("%d positional arguments", total)
	}
	return fmt.Sprintf("from %d to %d positional arguments", req, total)
}

func joinAnd(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func typeError(format string, a ...any) *errs.Error {
	return errs.Ef(errs.UserError, format, a...)
}

// clipName keeps a client-supplied name short and printable in messages.
func clipName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// The converters below turn JSON/XML-RPC values into typed arguments.
// Each refuses a wrong type with a message naming the argument, instead
// of letting a bad value reach the ORM.

func argInt(qual, name string, v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	}
	return 0, typeError("%s(): argument '%s' must be an integer", qual, name)
}

// argLimit is an optional count: None and False mean no limit (0).
func argLimit(qual, name string, v any) (int, error) {
	if v == nil || v == false {
		return 0, nil
	}
	n, err := argInt(qual, name, v)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return 0, typeError("%s(): argument '%s' must be a non-negative integer or None", qual, name)
	}
	return int(n), nil
}

// argString is an optional string: None and False mean "".
func argString(qual, name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case bool:
		if !x {
			return "", nil
		}
	case string:
		return x, nil
	}
	return "", typeError("%s(): argument '%s' must be a string", qual, name)
}

// argStrings is an optional list of strings (field names); None, False and
// [] mean "all".
func argStrings(qual, name string, v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		if !x {
			return nil, nil
		}
	case string:
		// Odoo accepts a single field name for read(fields=...).
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, typeError("%s(): argument '%s' must be a list of strings", qual, name)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return x, nil
	}
	return nil, typeError("%s(): argument '%s' must be a list of strings", qual, name)
}

// argDomain is a domain in its list form; None and False mean [].
func argDomain(qual, name string, v any) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return []any{}, nil
	case bool:
		if !x {
			return []any{}, nil
		}
	case []any:
		return x, nil
	}
	return nil, typeError("%s(): argument '%s' must be a domain (a list)", qual, name)
}

// argIDs accepts what Odoo's browse accepts: one id or a list of ids.
func argIDs(qual string, v any) ([]int64, error) {
	switch x := v.(type) {
	case nil:
		return []int64{}, nil
	case bool:
		if !x {
			return []int64{}, nil
		}
	case int64, int, float64:
		id, err := argInt(qual, "ids", x)
		return []int64{id}, err
	case []any:
		out := make([]int64, 0, len(x))
		for _, e := range x {
			id, err := argInt(qual, "ids", e)
			if err != nil {
				return nil, typeError("%s(): ids must be a list of integers", qual)
			}
			out = append(out, id)
		}
		return out, nil
	case []int64:
		return x, nil
	}
	return nil, typeError("%s(): ids must be a list of integers", qual)
}

func argVals(qual, name string, v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return nil, typeError("%s(): argument '%s' must be a dictionary of field values", qual, name)
}

// argValsList accepts one dict or a list of dicts; single reports which.
func argValsList(qual, name string, v any) (list []map[string]any, single bool, err error) {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, true, nil
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false, typeError("%s(): argument '%s' must be a dictionary or a list of dictionaries", qual, name)
			}
			out = append(out, m)
		}
		return out, false, nil
	}
	return nil, false, typeError("%s(): argument '%s' must be a dictionary or a list of dictionaries", qual, name)
}

func argBool(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}
