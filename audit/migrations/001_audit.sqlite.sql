-- The audit trail: one row per change, sudo use, denial and auth event.
-- Rows are only ever inserted; the triggers below refuse UPDATE and DELETE
-- so that not even a bug (or a stolen writer connection running plain SQL
-- through rampart) can rewrite history.
CREATE TABLE rampart_audit (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at TEXT NOT NULL,
	user_id INTEGER NOT NULL DEFAULT 0,
	login TEXT NOT NULL DEFAULT '',
	real_user_id INTEGER NOT NULL DEFAULT 0,
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
CREATE TRIGGER rampart_audit_no_update BEFORE UPDATE ON rampart_audit
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit is append-only');
END
--;
CREATE TRIGGER rampart_audit_no_delete BEFORE DELETE ON rampart_audit
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit is append-only');
END
