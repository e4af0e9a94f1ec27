package domain

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// CompileOptions tune one compilation.
type CompileOptions struct {
	// Alias qualifies the model's columns: the ORM writes
	// FROM "table" AS "alias". Empty means the table name itself.
	Alias string
	// ArgOffset is the number of parameters that precede the fragment in
	// the final statement: placeholders start at ArgOffset+1.
	ArgOffset int
	// SubFilter returns the domain to AND into every rule-checked 'any'
	// sub-query on model (the comodel's read rules), nil for none. The ORM
	// sets it when not in sudo; rule domains themselves compile without it.
	SubFilter func(model string) (Node, error)
}

// Compile compiles n, a domain on model, to a parameterized SQL boolean
// expression for dialect d, without caching. Use a Compiler to cache.
func Compile(d store.Dialect, s Schema, model string, n Node, o CompileOptions) (sql string, args []any, err error) {
	return "", nil, errs.Internalf("domain: Compile not implemented yet")
}
