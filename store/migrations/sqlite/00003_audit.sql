-- +goose Up
-- The audit log: append-only, each entry chained to the one before it by
-- SHA-256 (see package audit), so that an edit or a removal shows. seq is
-- assigned by package audit from audit_head, never by the database, so that
-- it has no gaps: a gap is a removed entry.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL, -- UTC, whole microseconds
    actor       TEXT NOT NULL,      -- "citizen:001090012345", "official:hn-receiver-1", "system", "anonymous"
    actor_ip    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,      -- "auth.sign_in", "account.created", ...
    subject     TEXT NOT NULL DEFAULT '', -- "account:42", "dossier:000.00.12.H29-200415-0001"
    agency_code TEXT NOT NULL DEFAULT '', -- no foreign key: the log outlives what it names
    details     TEXT NOT NULL DEFAULT '{}', -- a JSON object, byte for byte as hashed
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
-- The audit page lists newest first, filtered by one of these.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_agency ON audit_log (agency_code, seq);

-- One row: the last entry's seq and hash. Appenders lock it, which
-- serializes them, and Verify compares it with the last entry, which shows
-- entries removed from the end.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
