package odoorpc

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/rampart/rampart/principal"
)

// MethodFunc implements a public method. It returns a JSON-able result
// (a recordset is its id list) or an *errs.Error.
type MethodFunc func(c *Call) (any, error)

// Param is one parameter of a method's Python-style signature, after self.
type Param struct {
	Name string
	// Required parameters have no default; Default is used otherwise
	// (nil is Python's None).
	Required bool
	Default  any
}

// Method is a public method: its signature and implementation.
type Method struct {
	Name string
	// ModelLevel is Odoo's @api.model: the method takes no ids, and a
	// JSON-2 call with ids is refused.
	ModelLevel bool
	// Params is the signature after self, in positional order.
	Params []Param
	// VarKw accepts unknown keyword arguments (Python's **kwargs) into
	// Call.Args instead of refusing them.
	VarKw bool
	// Op is the data operation the method amounts to, for API-key scopes
	// and /doc: "read", "write", "create" or "unlink". App methods, whose
	// effect rampart cannot know, count as "write".
	Op string
	Fn MethodFunc
}

func (m *Method) op() string {
	if m.Op == "" {
		return "write"
	}
	return m.Op
}

// Call is one bound method call, as every protocol presents it.
type Call struct {
	Ctx       context.Context
	Principal *principal.Principal
	Client    netip.Addr
	Data      Data
	Model     string
	Method    string
	// IDs are the records the method runs on (nil for model-level ones).
	IDs []int64
	// Args are the bound arguments by name, defaults applied.
	Args map[string]any
	// Context is Odoo's context for the call (already applied to Data).
	Context map[string]any
	// RPC is true for execute_kw-style calls (XML-RPC, JSON-RPC,
	// call_kw), where Odoo returns a bare id for create(dict).
	RPC bool
	svc *Service
}

// Methods is the registry of public methods: the built-ins every model
// has, plus those apps register for one model. It is safe for concurrent
// use; apps register at start-up.
type Methods struct {
	builtins         map[string]*Method            // every model's; read-only after NewMethods
	perModelBuiltins map[string]map[string]*Method // one model's; read-only after NewMethods
	mu               sync.RWMutex
	perModel         map[string]map[string]*Method // registered by apps
}

// NewMethods returns a registry holding only the built-in methods.
func NewMethods() *Methods {
	return &Methods{builtins: builtinMethods(), perModelBuiltins: perModelBuiltinMethods(),
		perModel: map[string]map[string]*Method{}}
}

// RegisterMethod makes fn callable as model.name over every protocol, with
// the given signature (after self). It counts as a writing operation for
// API-key scopes and transactions; use Register to declare a read.
func (ms *Methods) RegisterMethod(model, name string, fn MethodFunc, modelLevel bool, params ...Param) error {
	return ms.Register(model, Method{Name: name, ModelLevel: modelLevel, Params: params, Fn: fn})
}

// Register makes m public on model. A name that starts with "_" or is one
// of Odoo's unsafe attributes is refused (Odoo never serves those), as is a
// duplicate or an Op other than read, write, create and unlink.
func (ms *Methods) Register(model string, m Method) error {
	if model == "" || m.Name == "" || strings.HasPrefix(m.Name, "_") || isUnsafeName(m.Name) || m.Fn == nil {
		return fmt.Errorf("odoorpc: invalid public method %q.%q", model, m.Name)
	}
	switch m.Op {
	case "", "read", "write", "create", "unlink":
	default:
		return fmt.Errorf("odoorpc: method %s.%s: unknown op %q", model, m.Name, m.Op)
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.perModel[model] == nil {
		ms.perModel[model] = map[string]*Method{}
	}
	if _, dup := ms.perModel[model][m.Name]; dup {
		return fmt.Errorf("odoorpc: public method %s.%s registered twice", model, m.Name)
	}
	ms.perModel[model][m.Name] = &m
	return nil
}

// readOnly reports whether model.name only reads, so that its transaction
// may run on a read-only connection. Unknown methods are not read-only.
func (ms *Methods) readOnly(model, name string) bool {
	m := ms.lookup(model, name)
	return m != nil && m.Op == "read"
}

// readOnlyBuiltins are the built-in methods that only read, sorted.
func (ms *Methods) readOnlyBuiltins() []string {
	var out []string
	for _, set := range append([]map[string]*Method{ms.builtins}, slices.Collect(maps.Values(ms.perModelBuiltins))...) {
		for n, m := range set {
			if m.Op == "read" {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lookup finds model.name: an app's method first, then a built-in.
func (ms *Methods) lookup(model, name string) *Method {
	ms.mu.RLock()
	m := ms.perModel[model][name]
	ms.mu.RUnlock()
	if m != nil {
		return m
	}
	if m := ms.perModelBuiltins[model][name]; m != nil {
		return m
	}
	return ms.builtins[name]
}

// names lists the public methods of model, sorted.
func (ms *Methods) names(model string) []string {
	set := map[string]bool{}
	for n := range ms.builtins {
		set[n] = true
	}
	for n := range ms.perModelBuiltins[model] {
		set[n] = true
	}
	ms.mu.RLock()
	for n := range ms.perModel[model] {
		set[n] = true
	}
	ms.mu.RUnlock()
	return slices.Sorted(maps.Keys(set))
}

// isUnsafeName reports the attributes Odoo refuses whatever their spelling
// (_UNSAFE_ATTRIBUTES), kept so that a future built-in can never expose them.
func isUnsafeName(name string) bool {
	switch name {
	case "sudo", "with_user", "with_env", "with_context", "browse", "env", "pool", "init":
		return true
	}
	return false
}
