package orm_test

import (
	"fmt"

	"github.com/rampart/rampart/orm"
)

// Declaring a model with the Go API: the same declaration as YAML, checked
// the same way.
func ExampleRegistry_Define() {
	reg := orm.NewRegistry(orm.AllowAll{})
	maxQty := 1000.0
	err := reg.Define(orm.ModelDef{
		Name: "stock.move", Description: "Stock Move", Order: "date desc, id",
		Fields: []orm.Field{
			{Name: "name", Type: orm.Char, Required: true, Size: 64},
			{Name: "date", Type: orm.Datetime, Required: true, Index: true},
			{Name: "qty", Type: orm.Float, Max: &maxQty},
			{Name: "state", Type: orm.Selection, Selection: [][2]string{{"draft", "New"}, {"done", "Done"}}, Default: "draft"},
			{Name: "partner_id", Type: orm.Many2one, Comodel: "res.partner", OnDelete: orm.Restrict},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := reg.Meta("stock.move")
	for _, f := range m.Fields() {
		fmt.Println(f.Name, f.Type, f.Stored())
	}
	// Output:
	// id integer true
	// display_name char false
	// create_uid many2one true
	// create_date datetime true
	// write_uid many2one true
	// write_date datetime true
	// name char true
	// date datetime true
	// qty float true
	// state selection true
	// partner_id many2one true
}
