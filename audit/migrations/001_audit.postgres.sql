-- The audit trail: one row per change, sudo use, denial and auth event.
-- Rows are only ever inserted; the trigger below refuses UPDATE, DELETE
-- and TRUNCATE so that history cannot be rewritten through the database
-- role rampart uses.
CREATE TABLE rampart_audit (
	id BIGSERIAL PRIMARY KEY,
	at TIMESTAMPTZ NOT NULL,
	user_id BIGINT NOT NULL DEFAULT 0,
	login TEXT NOT NULL DEFAULT '',
	real_user_id BIGINT NOT NULL DEFAULT 0,
	op TEXT NOT NULL,
	model TEXT NOT NULL DEFAULT '',
	record_ids TEXT NOT NULL DEFAULT '[]',
	fields TEXT NOT NULL DEFAULT '[]',
	reason TEXT NOT NULL DEFAULT '',
	route TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	client_ip TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
)
--;
CREATE INDEX rampart_audit_at ON rampart_audit (at)
--;
CREATE INDEX rampart_audit_user ON rampart_audit (user_id, id)
--;
CREATE INDEX rampart_audit_model ON rampart_audit (model, id)
--;
CREATE FUNCTION rampart_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'rampart_audit is append-only';
END
$$
--;
CREATE TRIGGER rampart_audit_no_change BEFORE UPDATE OR DELETE ON rampart_audit
	FOR EACH ROW EXECUTE FUNCTION rampart_audit_append_only()
--;
CREATE TRIGGER rampart_audit_no_truncate BEFORE TRUNCATE ON rampart_audit
	FOR EACH STATEMENT EXECUTE FUNCTION rampart_audit_append_only()
