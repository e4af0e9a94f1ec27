CREATE TABLE res_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    password TEXT NOT NULL DEFAULT '',
    company_id INTEGER NOT NULL DEFAULT 1,
    partner_id INTEGER,
    credential_version INTEGER NOT NULL DEFAULT 1,
    create_date TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    write_date TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    CONSTRAINT res_users_login_key UNIQUE (login)
)
--;
CREATE TABLE res_company_users_rel (
    cid INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (cid, user_id)
)
--;
CREATE INDEX res_company_users_rel_user ON res_company_users_rel (user_id)
--;
CREATE TABLE res_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    xmlid TEXT NOT NULL,
    name TEXT NOT NULL,
    api_key_duration REAL CHECK (api_key_duration >= 0),
    CONSTRAINT res_groups_xmlid_key UNIQUE (xmlid)
)
--;
CREATE TABLE res_groups_implied_rel (
    gid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
)
--;
CREATE TABLE res_groups_implied (
    gid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
)
--;
CREATE TABLE res_groups_users_rel (
    gid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
)
--;
CREATE INDEX res_groups_users_rel_uid ON res_groups_users_rel (uid)
--;
CREATE TABLE rampart_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    credential_version INTEGER NOT NULL,
    csrf_secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    client_ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    CONSTRAINT rampart_sessions_token_key UNIQUE (token_digest)
)
--;
CREATE INDEX rampart_sessions_user ON rampart_sessions (user_id)
--;
CREATE TABLE rampart_api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    hint TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER,
    last_used_ip TEXT,
    CONSTRAINT rampart_api_keys_digest_key UNIQUE (digest)
)
--;
CREATE INDEX rampart_api_keys_user ON rampart_api_keys (user_id)
--;
CREATE TABLE rampart_login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last_at INTEGER NOT NULL
)
