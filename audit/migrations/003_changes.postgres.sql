-- Old -> new values of a change (JSON, changes.go) and the count of an
-- aggregated denial entry. Both NULL when unused: the chain hashes a
-- NULL column as absent, so the links of entries written before this
-- migration still verify.
ALTER TABLE rampart_audit ADD COLUMN changes TEXT
--;
ALTER TABLE rampart_audit ADD COLUMN count BIGINT
