CREATE TABLE res_users (
    id BIGSERIAL PRIMARY KEY,
    login VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    email VARCHAR NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password VARCHAR NOT NULL DEFAULT '',
    company_id BIGINT NOT NULL DEFAULT 1,
    partner_id BIGINT,
    credential_version BIGINT NOT NULL DEFAULT 1,
    create_date TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    write_date TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    CONSTRAINT res_users_login_key UNIQUE (login)
)
--;
CREATE TABLE res_company_users_rel (
    cid BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (cid, user_id)
)
--;
CREATE INDEX res_company_users_rel_user ON res_company_users_rel (user_id)
--;
CREATE TABLE res_groups (
    id BIGSERIAL PRIMARY KEY,
    xmlid VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    api_key_duration DOUBLE PRECISION CHECK (api_key_duration >= 0),
    CONSTRAINT res_groups_xmlid_key UNIQUE (xmlid)
)
--;
CREATE TABLE res_groups_implied_rel (
    gid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
)
--;
CREATE TABLE res_groups_implied (
    gid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
)
--;
CREATE TABLE res_groups_users_rel (
    gid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
)
--;
CREATE INDEX res_groups_users_rel_uid ON res_groups_users_rel (uid)
--;
CREATE TABLE rampart_sessions (
    id BIGSERIAL PRIMARY KEY,
    token_digest VARCHAR(64) NOT NULL,
    user_id BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    credential_version BIGINT NOT NULL,
    csrf_secret VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_ip VARCHAR NOT NULL DEFAULT '',
    user_agent VARCHAR NOT NULL DEFAULT '',
    CONSTRAINT rampart_sessions_token_key UNIQUE (token_digest)
)
--;
CREATE INDEX rampart_sessions_user ON rampart_sessions (user_id)
--;
CREATE TABLE rampart_api_keys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    name VARCHAR NOT NULL,
    digest VARCHAR(64) NOT NULL,
    hint VARCHAR NOT NULL,
    scopes VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT,
    last_used_ip VARCHAR,
    CONSTRAINT rampart_api_keys_digest_key UNIQUE (digest)
)
--;
CREATE INDEX rampart_api_keys_user ON rampart_api_keys (user_id)
--;
CREATE TABLE rampart_login_failures (
    key VARCHAR PRIMARY KEY,
    count BIGINT NOT NULL,
    last_at BIGINT NOT NULL
)
