package access

import (
	"database/sql"
	"errors"

	"github.com/rampart/rampart/orm"
)

// dbFacts loads user facts through the Env's transaction, reading the
// tables directly rather than through the ORM: rule evaluation happens as
// superuser in Odoo, and going through a sudo Env would put one audit
// entry per rule computation in the trail.
type dbFacts struct {
	e    *orm.Env
	used bool
}

func (f *dbFacts) Name() (string, error) {
	f.used = true
	if f.e.User() == nil {
		return "", nil
	}
	var name sql.NullString
	err := f.query(`SELECT name FROM res_users WHERE id = ?`, f.e.User().UserID, &name)
	return name.String, err
}

func (f *dbFacts) CommercialPartner(partnerID int64) (int64, error) {
	f.used = true
	if partnerID == 0 {
		return 0, nil
	}
	var c sql.NullInt64
	if err := f.query(`SELECT commercial_partner_id FROM res_partner WHERE id = ?`, partnerID, &c); err != nil {
		return 0, err
	}
	if !c.Valid || c.Int64 == 0 {
		// Not maintained yet (or a company itself): the partner is its own
		// commercial entity, as Odoo computes it.
		return partnerID, nil
	}
	return c.Int64, nil
}

func (f *dbFacts) query(q string, arg any, dst any) error {
	tx, err := f.e.Tx()
	if err != nil {
		return err
	}
	err = tx.QueryRow(f.e.Ctx(), q, arg).Scan(dst)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
