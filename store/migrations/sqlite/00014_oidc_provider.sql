-- +goose Up
-- The OpenID Connect provider of a national instance (package
-- identity/oidcop): the portals that sign their citizens in through it,
-- the sign-ins in progress, the access tokens it issued and its signing key.
-- Secrets, codes and tokens are kept as their SHA-256 only.
CREATE TABLE oidc_clients (
    client_id     TEXT PRIMARY KEY,
    secret_hash   TEXT NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL, -- JSON list, compared exactly
    created_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE TABLE oidc_auth_requests (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oidc_clients (client_id),
    request        TEXT NOT NULL,  -- redirect URI, scopes, state, nonce, PKCE challenge (JSON)
    account_id     INTEGER REFERENCES accounts (id), -- set once the citizen signed in
    auth_time      TIMESTAMP,
    code_hash      TEXT UNIQUE,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX oidc_auth_requests_created ON oidc_auth_requests (created_at);
CREATE TABLE oidc_tokens (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (client_id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    scopes     TEXT NOT NULL, -- space-separated
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE oidc_keys (
    id          TEXT PRIMARY KEY,
    private_key TEXT NOT NULL, -- PKCS#8 PEM
    crypto_key  TEXT NOT NULL, -- hex; encrypts the opaque access tokens
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE oidc_keys;
DROP TABLE oidc_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_clients;
