-- +goose Up
-- The personal document store (kho dữ liệu cá nhân): every paper an account
-- uploaded and every result it received, reusable in later dossiers. The
-- file itself is in the blob store under its SHA-256.
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('upload', 'result', 'scan')),
    name         TEXT NOT NULL,
    blob_hash    TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    dossier_id   INTEGER, -- the dossier a result belongs to
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (owner_id, kind, blob_hash)
);

-- Processes of the one-stop back office: how an agency handles a
-- procedure's dossiers. Rows are never changed: editing a process adds a
-- version and deactivates the old one, so a dossier keeps the steps it
-- started with. agency_code '' is the process of every agency.
CREATE TABLE processes (
    id             INTEGER PRIMARY KEY,
    procedure_code TEXT NOT NULL,
    agency_code    TEXT NOT NULL DEFAULT '',
    definition     TEXT NOT NULL,
    active         INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX processes_active ON processes (procedure_code, agency_code) WHERE active;

CREATE TABLE dossiers (
    id                  INTEGER PRIMARY KEY,
    code                TEXT UNIQUE, -- national dossier code; NULL while a draft
    procedure_code      TEXT NOT NULL,
    procedure_name      TEXT NOT NULL,
    field_code          TEXT NOT NULL DEFAULT '',
    agency_code         TEXT REFERENCES agencies (code), -- NULL while a draft has none
    channel             TEXT NOT NULL CHECK (channel IN ('online', 'counter', 'api')),
    applicant_id        INTEGER REFERENCES accounts (id),
    applicant_kind      TEXT NOT NULL,
    applicant_name      TEXT NOT NULL,
    applicant_id_number TEXT NOT NULL DEFAULT '',
    applicant_email     TEXT NOT NULL DEFAULT '',
    applicant_phone     TEXT NOT NULL DEFAULT '',
    applicant_address   TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL,
    step                TEXT NOT NULL DEFAULT '',
    step_role           TEXT NOT NULL DEFAULT '', -- who acts at the step: the officials' queues
    assignee_id         INTEGER REFERENCES accounts (id),
    form_data           TEXT NOT NULL DEFAULT '{}',
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    submitted_at        TIMESTAMP,
    received_at         TIMESTAMP,
    due_at              TIMESTAMP, -- appointment for the result
    first_due_at        TIMESTAMP, -- appointment before an apology moved it
    paused_at           TIMESTAMP, -- clock stopped while waiting for papers
    finished_at         TIMESTAMP,
    returned_at         TIMESTAMP,
    result_document_id  INTEGER REFERENCES documents (id),
    process_id          INTEGER REFERENCES processes (id), -- NULL: the default process
    handler_agency      TEXT REFERENCES agencies (code), -- who holds it now (transfers)
    transfer_from_step  TEXT NOT NULL DEFAULT '',
    step_started_at     TIMESTAMP,
    step_due_at         TIMESTAMP,
    step_warned_at      TIMESTAMP,
    apology_at          TIMESTAMP,
    search_text         TEXT NOT NULL DEFAULT '', -- code, name, ID number, folded
    rating              INTEGER,
    rating_comment      TEXT NOT NULL DEFAULT '',
    rated_at            TIMESTAMP
);
CREATE INDEX dossiers_applicant ON dossiers (applicant_id, updated_at);
CREATE INDEX dossiers_agency_status ON dossiers (agency_code, status);
CREATE INDEX dossiers_handler_status ON dossiers (handler_agency, status, due_at);
CREATE INDEX dossiers_handler_role ON dossiers (handler_agency, step_role, status);
-- The deadline sweep looks only at open dossiers nobody was warned about.
CREATE INDEX dossiers_sweep ON dossiers (COALESCE(step_due_at, due_at))
    WHERE step_warned_at IS NULL AND status IN ('submitted', 'processing');

-- The papers of a dossier, each a document of the applicant's store. Round 0
-- holds the papers of the submission, round n those of the n-th supplement.
CREATE TABLE dossier_papers (
    dossier_id     INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    component_code TEXT NOT NULL,
    document_id    INTEGER NOT NULL REFERENCES documents (id),
    round          INTEGER NOT NULL DEFAULT 0,
    added_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (dossier_id, component_code, document_id)
);

CREATE TABLE dossier_history (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER REFERENCES accounts (id),
    actor_name  TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    step        TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX dossier_history_dossier ON dossier_history (dossier_id, id);

-- Daily sequence of dossier codes per receiving agency.
CREATE TABLE dossier_sequences (
    agency_code TEXT NOT NULL,
    day         TEXT NOT NULL, -- YYYYMMDD in Vietnam time
    last        INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);

-- Idempotency keys of POST /api/v1/dossiers: a retry returns the dossier the
-- first request made.
CREATE TABLE idempotency_keys (
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE dossier_sequences;
DROP TABLE dossier_history;
DROP TABLE dossier_papers;
DROP TABLE dossiers;
DROP TABLE processes;
DROP TABLE documents;
