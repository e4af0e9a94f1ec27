package domain_test

import (
	"encoding/json"
	"fmt"

	"github.com/rampart/rampart/domain"
)

func ExampleParse() {
	ev := domain.MapContext{
		"user":        domain.AttrMap{"id": 7},
		"company_ids": []int64{1, 2},
	}
	n, err := domain.Parse(`['|', ('user_id', '=', user.id),
		('company_id', 'in', company_ids + [False])]  # shared records`, ev)
	fmt.Println(n, err)
	// Output: ['|', ('user_id', '=', 7), ('company_id', 'in', [1, 2, False])] <nil>
}

func ExampleParse_refused() {
	_, err := domain.Parse(`[('a', '=', __import__('os').getpid())]`, nil)
	fmt.Println(err)
	// Output: validation: Invalid domain: name "__import__" is not allowed at line 1, column 13
}

func ExampleParseTemplate() {
	tpl, _ := domain.ParseTemplate(`[('user_id', '=', user.id)]`) // once, at load
	for _, uid := range []int{7, 8} {
		n, _ := tpl.Bind(domain.MapContext{"user": domain.AttrMap{"id": uid}}) // per user
		fmt.Println(n)
	}
	// Output:
	// [('user_id', '=', 7)]
	// [('user_id', '=', 8)]
}

func ExampleFromJSON() {
	var v any
	json.Unmarshal([]byte(`["|", ["state", "=", "sale"], ["partner_id.name", "ilike", "acme"]]`), &v)
	n, err := domain.FromJSON(v)
	fmt.Println(n, err)
	b, _ := json.Marshal(domain.Not(n).List())
	fmt.Println(string(b))
	// Output:
	// ['|', ('state', '=', 'sale'), ('partner_id.name', 'ilike', 'acme')] <nil>
	// ["!","|",["state","=","sale"],["partner_id.name","ilike","acme"]]
}
