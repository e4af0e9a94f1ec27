-- The hash chain over rampart_audit (chain.go): one link per entry, in
-- order per shard, each hashing the entry's stored columns and the link
-- before it. The head table holds each shard's last link; checkpoints
-- sign a head with a key kept outside the database.
CREATE TABLE rampart_audit_chain (
	shard INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	audit_id INTEGER NOT NULL UNIQUE,
	hash TEXT NOT NULL,
	PRIMARY KEY (shard, seq)
)
--;
CREATE TABLE rampart_audit_head (
	shard INTEGER PRIMARY KEY,
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL
)
--;
INSERT INTO rampart_audit_head (shard, seq, hash) VALUES (0, 0, '')
--;
CREATE TABLE rampart_audit_checkpoints (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at TEXT NOT NULL,
	shard INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL,
	public_key TEXT NOT NULL,
	signature TEXT NOT NULL
)
--;
CREATE TRIGGER rampart_audit_chain_no_update BEFORE UPDATE ON rampart_audit_chain
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit_chain is append-only');
END
--;
CREATE TRIGGER rampart_audit_chain_no_delete BEFORE DELETE ON rampart_audit_chain
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit_chain is append-only');
END
