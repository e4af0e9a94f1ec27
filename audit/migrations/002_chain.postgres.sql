-- The hash chain over rampart_audit (chain.go): one link per entry, in
-- order per shard, each hashing the entry's stored columns and the link
-- before it. Writers lock their shard's head row until they commit, so
-- shards (chosen by transaction id) let transactions chain in parallel.
-- Checkpoints sign a head with a key kept outside the database.
CREATE TABLE rampart_audit_chain (
	shard INTEGER NOT NULL,
	seq BIGINT NOT NULL,
	audit_id BIGINT NOT NULL UNIQUE,
	hash TEXT NOT NULL,
	PRIMARY KEY (shard, seq)
)
--;
CREATE TABLE rampart_audit_head (
	shard INTEGER PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
)
--;
INSERT INTO rampart_audit_head (shard, seq, hash) VALUES (0, 0, ''), (1, 0, ''), (2, 0, ''), (3, 0, '')
--;
CREATE TABLE rampart_audit_checkpoints (
	id BIGSERIAL PRIMARY KEY,
	at TIMESTAMPTZ NOT NULL,
	shard INTEGER NOT NULL,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	public_key TEXT NOT NULL,
	signature TEXT NOT NULL
)
--;
CREATE TRIGGER rampart_audit_chain_no_change BEFORE UPDATE OR DELETE ON rampart_audit_chain
	FOR EACH ROW EXECUTE FUNCTION rampart_audit_append_only()
--;
CREATE TRIGGER rampart_audit_chain_no_truncate BEFORE TRUNCATE ON rampart_audit_chain
	FOR EACH STATEMENT EXECUTE FUNCTION rampart_audit_append_only()
