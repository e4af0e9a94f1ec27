// Package sales is rampart's demo app: a small sales module (products,
// sales orders and their lines, on top of the built-in companies and
// partners), loaded by `rampart serve --demo`.
//
// This file and models/ hold the models and the demo data; the app's
// groups, ACLs and record rules live in security/ (package access's
// formats).
package sales

import (
	"embed"
	"io/fs"

	"github.com/rampart/rampart/orm"
)

//go:embed models/*.yaml
var modelFiles embed.FS

// Models is the app's model directory (YAML, see package orm).
func Models() fs.FS {
	sub, err := fs.Sub(modelFiles, "models")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Register declares the app's models in reg, with the triggers that keep
// the order amounts consistent. Run reg.Sync afterwards to create their
// tables.
func Register(reg *orm.Registry) error {
	if err := reg.LoadYAML(Models(), "."); err != nil {
		return err
	}
	return triggers(reg)
}
