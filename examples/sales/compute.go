package sales

import (
	"slices"
	"strings"

	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

// triggers keep the stored amounts consistent, as Odoo's computed fields
// do: a line's price_subtotal is quantity × unit price (rounded to cents),
// an order's amount_total the sum of its lines' subtotals. They update
// with SQL in the change's transaction; a line moved to another order
// (order_id written) leaves the old order's total to the next change of
// that order's lines.
func triggers(reg *orm.Registry) error {
	return reg.SetTriggers("sale.order.line", orm.Triggers{
		AfterWrite: func(e *orm.Env, ids []int64, fields []string, created bool) error {
			touches := func(names ...string) bool {
				return created || slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(names, f) })
			}
			if !touches("product_uom_qty", "price_unit", "price_subtotal", "order_id") {
				return nil
			}
			tx, err := e.Tx()
			if err != nil {
				return err
			}
			in, args := idList(ids)
			if _, err := tx.Exec(e.Ctx(), `UPDATE sale_order_line SET price_subtotal =
				ROUND(CAST(COALESCE(product_uom_qty, 0) * COALESCE(price_unit, 0) AS NUMERIC), 2) WHERE id IN `+in, args...); err != nil {
				return err
			}
			return updateTotals(e, tx, `SELECT order_id FROM sale_order_line WHERE id IN `+in, args)
		},
		BeforeUnlink: func(e *orm.Env, ids []int64) (func() error, error) {
			tx, err := e.Tx()
			if err != nil {
				return nil, err
			}
			in, args := idList(ids)
			rows, err := tx.Query(e.Ctx(), `SELECT DISTINCT order_id FROM sale_order_line WHERE id IN `+in, args...)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var orders []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				orders = append(orders, id)
			}
			if err := rows.Err(); err != nil || len(orders) == 0 {
				return nil, err
			}
			return func() error {
				in, args := idList(orders)
				return updateTotals(e, tx, `SELECT id FROM sale_order WHERE id IN `+in, args)
			}, nil
		},
	})
}

// updateTotals recomputes amount_total of the orders the sub-query lists.
func updateTotals(e *orm.Env, tx *store.Tx, orders string, args []any) error {
	_, err := tx.Exec(e.Ctx(), `UPDATE sale_order SET amount_total =
		(SELECT COALESCE(SUM(l.price_subtotal), 0) FROM sale_order_line l WHERE l.order_id = sale_order.id)
		WHERE id IN (`+orders+`)`, args...)
	return err
}

// idList is "(?, ?, ...)" and its arguments (ids is never empty here).
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}
