package orm

// partner_share is kept by the database, not by Go code: triggers on
// res_users (package identity's table) recompute the contact of a user
// whose partner link, share or active flag changes, of a user created or
// deleted, and triggers on res_partner set the value of every contact
// inserted and put back any write of the column. Whatever path changes a
// user (identity's API, a migration, SQL by hand), the value is recomputed
// in the same transaction, so it cannot drift from the users it derives
// from; and it stays a plain indexed column for domains, record rules,
// order and grouping. The ORM itself never writes it (Field.Maintained).
//
// The triggers are (re)created on every sync, in the sync's transaction,
// so that their bodies always match this file. The user side needs
// res_users with its share column (identity migration 005); without it
// (the ORM on its own) no contact has a user and every contact is shared.

// partnerShareExpr is partner_share for the contact whose id is the SQL
// expression p: Odoo's not user_ids or not any(not u.share for u in
// user_ids), user_ids being the active users.
func partnerShareExpr(p string) string {
	return `NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = ` + p + ` AND u.active AND NOT u.share)`
}

// partnerShareStmts are the statements that install the triggers; users
// says whether res_users (with share) exists.
func partnerShareStmts(pg, users bool) []string {
	expr := func(p string) string {
		if users {
			return partnerShareExpr(p)
		}
		return `TRUE`
	}
	if pg {
		stmts := []string{
			`CREATE OR REPLACE FUNCTION rampart_partner_share_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.partner_share := ` + expr("NEW.id") + `;
	RETURN NEW;
END
$$`,
			`CREATE OR REPLACE TRIGGER res_partner_share_row BEFORE INSERT OR UPDATE OF partner_share ON res_partner
		FOR EACH ROW EXECUTE FUNCTION rampart_partner_share_row()`,
		}
		if !users {
			return stmts
		}
		return append(stmts,
			`CREATE OR REPLACE FUNCTION rampart_partner_share_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'DELETE' AND NEW.partner_id IS NOT NULL THEN
		UPDATE res_partner SET partner_share = `+expr("res_partner.id")+` WHERE id = NEW.partner_id;
	END IF;
	IF TG_OP <> 'INSERT' AND OLD.partner_id IS NOT NULL THEN
		UPDATE res_partner SET partner_share = `+expr("res_partner.id")+` WHERE id = OLD.partner_id;
	END IF;
	RETURN NULL;
END
$$`,
			`CREATE OR REPLACE TRIGGER res_partner_share_user AFTER INSERT OR DELETE OR UPDATE OF partner_id, share, active ON res_users
		FOR EACH ROW EXECUTE FUNCTION rampart_partner_share_user()`)
	}
	// SQLite cannot change NEW in a BEFORE trigger: AFTER triggers write
	// the row again (recursive triggers are off, so this ends).
	set := `UPDATE res_partner SET partner_share = ` + expr("res_partner.id")
	stmts := []string{
		`DROP TRIGGER IF EXISTS res_partner_share_user_ins`,
		`DROP TRIGGER IF EXISTS res_partner_share_user_del`,
		`DROP TRIGGER IF EXISTS res_partner_share_user_upd`,
		`DROP TRIGGER IF EXISTS res_partner_share_guard_ins`,
		`DROP TRIGGER IF EXISTS res_partner_share_guard_upd`,
		`CREATE TRIGGER res_partner_share_guard_ins AFTER INSERT ON res_partner BEGIN ` + set + ` WHERE id = NEW.id; END`,
		`CREATE TRIGGER res_partner_share_guard_upd AFTER UPDATE OF partner_share ON res_partner BEGIN ` + set + ` WHERE id = NEW.id; END`,
	}
	if !users {
		return stmts
	}
	return append(stmts,
		`CREATE TRIGGER res_partner_share_user_ins AFTER INSERT ON res_users WHEN NEW.partner_id IS NOT NULL BEGIN `+set+` WHERE id = NEW.partner_id; END`,
		`CREATE TRIGGER res_partner_share_user_del AFTER DELETE ON res_users WHEN OLD.partner_id IS NOT NULL BEGIN `+set+` WHERE id = OLD.partner_id; END`,
		`CREATE TRIGGER res_partner_share_user_upd AFTER UPDATE OF partner_id, share, active ON res_users BEGIN `+set+` WHERE id IN (OLD.partner_id, NEW.partner_id); END`)
}

// syncPartnerShare installs the triggers and recomputes the contacts whose
// value is wrong (a new column, or a database the triggers did not see).
func (s *syncer) syncPartnerShare() error {
	p, ok := s.reg.models["res.partner"]
	if !ok || p.fields["partner_share"] == nil || p.External {
		return nil
	}
	users, err := s.tableExists("res_users")
	if err != nil {
		return err
	}
	if users {
		cols, _, cerr := s.columns("res_users")
		if cerr != nil {
			return cerr
		}
		_, users = cols["share"]
	}
	for _, q := range partnerShareStmts(s.pg(), users) {
		if _, err = s.tx.Exec(s.ctx, q); err != nil {
			return err
		}
	}
	expr := `TRUE`
	if users {
		expr = partnerShareExpr("res_partner.id")
	}
	_, err = s.tx.Exec(s.ctx, `UPDATE res_partner SET partner_share = `+expr+` WHERE partner_share IS NULL OR partner_share <> (`+expr+`)`)
	return err
}
