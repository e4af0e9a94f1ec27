CREATE TABLE rampart_cred_changes (
    id BIGSERIAL PRIMARY KEY,
    msg TEXT NOT NULL,
    at BIGINT NOT NULL
)
