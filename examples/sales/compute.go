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
			// Env.Computed records the values the SQL changes in the audit
			// trail, old -> new, as the computation's write.
			err = e.Computed("sale.order.line", ids, []string{"price_subtotal"}, func() error {
				_, err := tx.Exec(e.Ctx(), `UPDATE sale_order_line SET price_subtotal =
				ROUND(CAST(COALESCE(product_uom_qty, 0) * COALESCE(price_unit, 0) AS NUMERIC), 2) WHERE id IN `+in, args...)
				return err
			})
			if err != nil {
				return err
			}
			orders, err := distinctIDs(e, tx, `SELECT DISTINCT order_id FROM sale_order_line WHERE id IN `+in, args)
			if err != nil || len(orders) == 0 {
				return err
			}
			return updateTotals(e, tx, orders)
		},
		BeforeUnlink: func(e *orm.Env, ids []int64) (func() error, error) {
			tx, err := e.Tx()
			if err != nil {
				return nil, err
			}
			in, args := idList(ids)
			orders, err := distinctIDs(e, tx, `SELECT DISTINCT order_id FROM sale_order_line WHERE id IN `+in, args)
			if err != nil || len(orders) == 0 {
				return nil, err
			}
			return func() error { return updateTotals(e, tx, orders) }, nil
		},
	})
}

// distinctIDs runs a query of one id column.
func distinctIDs(e *orm.Env, tx *store.Tx, query string, args []any) ([]int64, error) {
	rows, err := tx.Query(e.Ctx(), query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// updateTotals recomputes amount_total of orders, recording the changed
// totals in the audit trail (Env.Computed).
func updateTotals(e *orm.Env, tx *store.Tx, orders []int64) error {
	in, args := idList(orders)
	return e.Computed("sale.order", orders, []string{"amount_total"}, func() error {
		_, err := tx.Exec(e.Ctx(), `UPDATE sale_order SET amount_total =
		(SELECT COALESCE(SUM(l.price_subtotal), 0) FROM sale_order_line l WHERE l.order_id = sale_order.id)
		WHERE id IN `+in, args...)
		return err
	})
}

// idList is "(?, ?, ...)" and its arguments (ids is never empty here).
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}
