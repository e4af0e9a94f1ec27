-- res.users.share (Odoo's "Share User": not a member of base.group_user,
-- directly or through an implied group), stored so that domains and record
-- rules search it as a column. The database maintains it: every change of
-- a membership (res_groups_users_rel), of the implication closure
-- (res_groups_implied) or a write of the column itself recomputes it in the
-- same transaction, whatever code path made the change, so it cannot drift.
ALTER TABLE res_users ADD COLUMN share INTEGER NOT NULL DEFAULT 1
--;
UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
    WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
--;
CREATE TRIGGER res_users_share_member_ins AFTER INSERT ON res_groups_users_rel BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id = NEW.uid;
END
--;
CREATE TRIGGER res_users_share_member_del AFTER DELETE ON res_groups_users_rel BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id = OLD.uid;
END
--;
CREATE TRIGGER res_users_share_member_upd AFTER UPDATE ON res_groups_users_rel BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id IN (OLD.uid, NEW.uid);
END
--;
-- Only closure rows that reach base.group_user change anyone's share: the
-- WHEN clause keeps the start-up rewrite of the closure cheap.
CREATE TRIGGER res_users_share_implied_ins AFTER INSERT ON res_groups_implied
WHEN NEW.hid IN (SELECT id FROM res_groups WHERE xmlid = 'base.group_user') BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id IN (SELECT uid FROM res_groups_users_rel WHERE gid = NEW.gid);
END
--;
CREATE TRIGGER res_users_share_implied_del AFTER DELETE ON res_groups_implied
WHEN OLD.hid IN (SELECT id FROM res_groups WHERE xmlid = 'base.group_user') BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id IN (SELECT uid FROM res_groups_users_rel WHERE gid = OLD.gid);
END
--;
-- A direct write of the column (or an insert naming it) is put back.
CREATE TRIGGER res_users_share_guard_ins AFTER INSERT ON res_users BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id = NEW.id;
END
--;
CREATE TRIGGER res_users_share_guard_upd AFTER UPDATE OF share ON res_users BEGIN
    UPDATE res_users SET share = NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = res_users.id AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
    WHERE id = NEW.id;
END
