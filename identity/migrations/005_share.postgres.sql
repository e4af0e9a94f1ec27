-- res.users.share (Odoo's "Share User": not a member of base.group_user,
-- directly or through an implied group), stored so that domains and record
-- rules search it as a column. The database maintains it: every change of
-- a membership (res_groups_users_rel), of the implication closure
-- (res_groups_implied) and every insert or update of res_users recomputes
-- it in the same transaction, whatever code path made the change, so it
-- cannot drift.
ALTER TABLE res_users ADD COLUMN share BOOLEAN NOT NULL DEFAULT TRUE
--;
CREATE OR REPLACE FUNCTION rampart_user_share(u BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.xmlid = 'base.group_user'
        WHERE r.uid = u AND (r.gid = g.id OR EXISTS (SELECT 1 FROM res_groups_implied i WHERE i.gid = r.gid AND i.hid = g.id)))
$$
--;
UPDATE res_users SET share = rampart_user_share(id)
--;
-- res_users itself: the value is always recomputed, a write naming the
-- column included.
CREATE OR REPLACE FUNCTION rampart_user_share_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.share := rampart_user_share(NEW.id);
    RETURN NEW;
END
$$
--;
CREATE TRIGGER res_users_share_row BEFORE INSERT OR UPDATE ON res_users
    FOR EACH ROW EXECUTE FUNCTION rampart_user_share_row()
--;
CREATE OR REPLACE FUNCTION rampart_user_share_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        UPDATE res_users SET share = rampart_user_share(id) WHERE id = NEW.uid AND share IS DISTINCT FROM rampart_user_share(id);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE res_users SET share = rampart_user_share(id) WHERE id = OLD.uid AND share IS DISTINCT FROM rampart_user_share(id);
    END IF;
    RETURN NULL;
END
$$
--;
CREATE TRIGGER res_groups_users_rel_share AFTER INSERT OR UPDATE OR DELETE ON res_groups_users_rel
    FOR EACH ROW EXECUTE FUNCTION rampart_user_share_member()
--;
-- Only closure rows that reach base.group_user change anyone's share,
-- which keeps the start-up rewrite of the closure cheap.
CREATE OR REPLACE FUNCTION rampart_user_share_implied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.hid IN (SELECT id FROM res_groups WHERE xmlid = 'base.group_user') THEN
        UPDATE res_users SET share = rampart_user_share(id)
            WHERE id IN (SELECT uid FROM res_groups_users_rel WHERE gid = NEW.gid) AND share IS DISTINCT FROM rampart_user_share(id);
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.hid IN (SELECT id FROM res_groups WHERE xmlid = 'base.group_user') THEN
        UPDATE res_users SET share = rampart_user_share(id)
            WHERE id IN (SELECT uid FROM res_groups_users_rel WHERE gid = OLD.gid) AND share IS DISTINCT FROM rampart_user_share(id);
    END IF;
    RETURN NULL;
END
$$
--;
CREATE TRIGGER res_groups_implied_share AFTER INSERT OR UPDATE OR DELETE ON res_groups_implied
    FOR EACH ROW EXECUTE FUNCTION rampart_user_share_implied()
