CREATE TABLE rampart_totp (
    user_id BIGINT PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT
)
--;
CREATE TABLE rampart_totp_recovery (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    used_at BIGINT,
    CONSTRAINT rampart_totp_recovery_digest_key UNIQUE (digest)
)
--;
CREATE INDEX rampart_totp_recovery_user ON rampart_totp_recovery (user_id)
--;
CREATE TABLE rampart_2fa_pending (
    token_digest TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
)
--;
CREATE TABLE rampart_2fa_required_groups (
    gid BIGINT PRIMARY KEY REFERENCES res_groups(id) ON DELETE CASCADE
)
