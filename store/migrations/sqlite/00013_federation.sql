-- +goose Up
-- Federation of one-stop systems into a national portal. On a national
-- instance: the registry of connected systems (each speaks for some
-- agencies and their subtrees, and may be limited to some procedures), their
-- OAuth2 clients, and the dossiers and progress entries they push. On a
-- provincial instance: the outbox of pushes to the national portal, in the
-- order of the changes.
CREATE TABLE federation_systems (
    id          TEXT PRIMARY KEY,           -- short name, e.g. ha-noi
    name        TEXT NOT NULL,
    procedures  TEXT NOT NULL DEFAULT '[]', -- JSON list of procedure codes served; [] for any of the catalog
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);
CREATE TABLE federation_system_agencies (
    system_id   TEXT NOT NULL REFERENCES federation_systems (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    PRIMARY KEY (system_id, agency_code)
);
CREATE TABLE federation_clients (
    client_id   TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    system_id   TEXT NOT NULL REFERENCES federation_systems (id),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE TABLE federation_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES federation_clients (client_id),
    expires_at TIMESTAMP NOT NULL
);

-- Dossiers pushed by connected systems, as last pushed: seq is the number
-- of progress entries, so an older push is recognised and refused.
CREATE TABLE federated_dossiers (
    code                TEXT PRIMARY KEY,       -- MaHoSo
    system_id           TEXT NOT NULL REFERENCES federation_systems (id),
    agency_code         TEXT NOT NULL,
    procedure_code      TEXT NOT NULL,
    status              INTEGER NOT NULL,       -- TrangThaiHoSo, 1 to 10
    applicant_id_number TEXT NOT NULL DEFAULT '', -- MaDoiTuong
    seq                 INTEGER NOT NULL,
    record              TEXT NOT NULL,          -- the dossier as pushed (JSON)
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX federated_dossiers_applicant ON federated_dossiers (applicant_id_number, updated_at);
CREATE INDEX federated_dossiers_agency ON federated_dossiers (agency_code, status);
CREATE TABLE federated_progress (
    dossier_code TEXT NOT NULL REFERENCES federated_dossiers (code),
    seq          INTEGER NOT NULL, -- SoThuTu, from 1
    at           TIMESTAMP NOT NULL,
    status       INTEGER NOT NULL,
    record       TEXT NOT NULL,    -- the entry as pushed (JSON)
    PRIMARY KEY (dossier_code, seq)
);

-- Pushes to the national portal, written in the transaction of the change.
-- They go out in id order, one after another.
CREATE TABLE federation_outbox (
    id           INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    sent_at      TIMESTAMP
);
CREATE INDEX federation_outbox_queue ON federation_outbox (state, id);

-- +goose Down
DROP TABLE federation_outbox;
DROP TABLE federated_progress;
DROP TABLE federated_dossiers;
DROP TABLE federation_tokens;
DROP TABLE federation_clients;
DROP TABLE federation_system_agencies;
DROP TABLE federation_systems;
