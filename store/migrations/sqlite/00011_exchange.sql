-- +goose Up
-- The document interconnection axis (trục liên thông văn bản): its
-- members (agencies, and outside systems speaking for one), their signing
-- certificates and API clients, the messages it carries and their
-- delivery to each recipient.
CREATE TABLE exchange_members (
    agency_code TEXT PRIMARY KEY REFERENCES agencies (code),
    name        TEXT NOT NULL,
    endpoint    TEXT NOT NULL DEFAULT '', -- where messages are pushed; empty: the member pulls its inbox
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- Signing certificates. A revoked one stays, so that old messages can
-- still be checked, but signs nothing new.
CREATE TABLE exchange_keys (
    id          INTEGER PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES exchange_members (agency_code),
    fingerprint TEXT NOT NULL,        -- hex SHA-256 of the DER certificate
    certificate TEXT NOT NULL,        -- PEM
    algorithm   TEXT NOT NULL,        -- ecdsa, rsa, ed25519
    subject     TEXT NOT NULL,
    not_after   TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
-- One certificate may sign for several agencies: the one egov signs with
-- for the agencies whose back office it runs.
CREATE UNIQUE INDEX exchange_keys_member ON exchange_keys (agency_code, fingerprint);
CREATE INDEX exchange_keys_fingerprint ON exchange_keys (fingerprint);

-- OAuth2 clients (client credentials) of the members' systems; only the
-- SHA-256 of a secret or a token is kept.
CREATE TABLE exchange_clients (
    client_id   TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES exchange_members (agency_code),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE TABLE exchange_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES exchange_clients (client_id),
    expires_at TIMESTAMP NOT NULL
);

-- Every message the axis accepted, as signed by its sender.
CREATE TABLE exchange_messages (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT NOT NULL UNIQUE, -- the sender's; a repeat is the same message
    kind          TEXT NOT NULL CHECK (kind IN ('document', 'status')),
    sender        TEXT NOT NULL,
    document_id   TEXT NOT NULL DEFAULT '',
    code_number   TEXT NOT NULL DEFAULT '',
    code_notation TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL DEFAULT '',
    promulgated   TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD
    status_code   TEXT NOT NULL DEFAULT '', -- of a status message
    response_for  TEXT NOT NULL DEFAULT '', -- the message_id a status answers
    signer        TEXT NOT NULL,            -- fingerprint of the certificate that signed it
    body          TEXT NOT NULL,            -- the signed XML
    size          INTEGER NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    recalled_at   TIMESTAMP
);
CREATE INDEX exchange_messages_sender ON exchange_messages (sender, received_at);
CREATE INDEX exchange_messages_number ON exchange_messages (code_number, code_notation);
CREATE INDEX exchange_messages_answers ON exchange_messages (response_for);

-- One row per message and recipient. Pushes go out in id order per
-- recipient, so that each recipient gets a sender's messages in order.
CREATE TABLE exchange_deliveries (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES exchange_messages (id),
    recipient       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'recalled', 'given_up')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    last_attempt_at TIMESTAMP,
    delivered_at    TIMESTAMP,
    status_code     TEXT NOT NULL DEFAULT '', -- the recipient's last receipt: 01 arrived ... 06 finished
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (message_id, recipient)
);
CREATE INDEX exchange_deliveries_queue ON exchange_deliveries (recipient, state, id);

-- The message log: every message, receipt and delivery attempt, chained
-- like the audit log (package audit, NewChain).
CREATE TABLE exchange_log (
    seq         INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    actor_ip    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '', -- message:<message_id>
    agency_code TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX exchange_log_subject ON exchange_log (subject, seq);
CREATE INDEX exchange_log_agency ON exchange_log (agency_code, seq);
CREATE TABLE exchange_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO exchange_log_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE exchange_log_head;
DROP TABLE exchange_log;
DROP TABLE exchange_deliveries;
DROP TABLE exchange_messages;
DROP TABLE exchange_tokens;
DROP TABLE exchange_clients;
DROP TABLE exchange_keys;
DROP TABLE exchange_members;
