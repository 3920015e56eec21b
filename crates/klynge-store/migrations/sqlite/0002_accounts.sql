-- Klynge schema, version 2 (SQLite dialect): accounts, sessions, API tokens, sign-in attempts,
-- and indexes for the organisation search. Keep in step with migrations/postgres/0002_accounts.sql.

-- role: operator | cluster_admin | cluster_staff | member | partner.
-- Cluster roles and members carry their cluster; a member also its organisation.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    login           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    cluster_id      INTEGER REFERENCES clusters(id),
    organisation_id INTEGER REFERENCES organisations(id),
    created_at      TEXT NOT NULL,
    CHECK ((role IN ('cluster_admin', 'cluster_staff', 'member')) = (cluster_id IS NOT NULL)),
    CHECK ((role = 'member') = (organisation_id IS NOT NULL))
);

-- Only the SHA-256 digest of a session token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sign_in_attempts (
    id           INTEGER PRIMARY KEY,
    login        TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    succeeded    BOOLEAN NOT NULL
);
CREATE INDEX sign_in_attempts_login ON sign_in_attempts (login, attempted_at);

-- Organisation search: filter by municipality, size or industry and still read in name order.
CREATE INDEX organisations_municipality_name ON organisations (municipality_code, name_key);
CREATE INDEX organisations_industry ON organisations (industry_code);
CREATE INDEX organisations_employees ON organisations (employees_min);
