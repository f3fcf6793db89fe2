-- +goose Up
CREATE TABLE agencies (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune')),
    parent_code TEXT REFERENCES agencies (code),
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_code);
CREATE INDEX agencies_level ON agencies (level);

CREATE TABLE fields (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE life_events (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    icon        TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE procedures (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    field_code      TEXT NOT NULL REFERENCES fields (code),
    online_level    TEXT NOT NULL,
    processing_days INTEGER NOT NULL,
    status          TEXT NOT NULL,
    record          TEXT NOT NULL, -- the whole egov.Procedure as JSON
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX procedures_field ON procedures (field_code);

-- One row; bumped by every change to the catalog so that each replica knows
-- when its search index is stale.
CREATE TABLE catalog_revision (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    revision   INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO catalog_revision (id, revision, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP);

-- +goose Down
DROP TABLE catalog_revision;
DROP TABLE procedures;
DROP TABLE life_events;
DROP TABLE fields;
DROP TABLE agencies;
