-- +goose Up
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('citizen', 'business', 'official')),
    username          TEXT NOT NULL UNIQUE, -- ID number, tax code or an official's user name
    full_name         TEXT NOT NULL,
    date_of_birth     TEXT NOT NULL DEFAULT '',
    sex               TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    email_verified_at TIMESTAMP,
    address           TEXT NOT NULL DEFAULT '',
    password_hash     TEXT NOT NULL DEFAULT '', -- empty: signs in only through single sign-on
    agency_code       TEXT REFERENCES agencies (code),
    representative_id INTEGER REFERENCES accounts (id),
    oidc_subject      TEXT UNIQUE,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    disabled_at       TIMESTAMP
);
CREATE INDEX accounts_agency ON accounts (agency_code);
CREATE INDEX accounts_representative ON accounts (representative_id);

CREATE TABLE account_roles (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

-- Sessions of the web and bearer tokens of the API. Only the SHA-256 of the
-- random token is stored: a copy of this table lets nobody sign in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   TIMESTAMP
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Links sent by e-mail: verify an address, reset a password.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
    email      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_tokens_account ON email_tokens (account_id);

-- Failed sign-ins per account and per address, for slowing down and
-- locking out password guessing.
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY, -- "account:<username>" or "ip:<address>"
    failures     INTEGER NOT NULL,
    last_at      TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE email_tokens;
DROP TABLE sessions;
DROP TABLE account_roles;
DROP TABLE accounts;
