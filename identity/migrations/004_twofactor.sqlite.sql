CREATE TABLE rampart_totp (
    user_id INTEGER PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER
)
--;
CREATE TABLE rampart_totp_recovery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    used_at INTEGER,
    CONSTRAINT rampart_totp_recovery_digest_key UNIQUE (digest)
)
--;
CREATE INDEX rampart_totp_recovery_user ON rampart_totp_recovery (user_id)
--;
CREATE TABLE rampart_2fa_pending (
    token_digest TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
)
--;
CREATE TABLE rampart_2fa_required_groups (
    gid INTEGER PRIMARY KEY REFERENCES res_groups(id) ON DELETE CASCADE
)
