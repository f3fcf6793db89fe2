-- +goose Up
-- Figures of the dossiers, kept up to date in the transaction of every
-- dossier change (report.Record), so that dashboards and rankings read a few
-- rows instead of counting millions of dossiers. Each change adds its
-- difference to the row of the receiving agency and to the rows of every
-- agency above it, of the country ('VN') and of its level of government
-- ('VN:commune'...): a province's figures are one row, not a sum over its
-- communes. field_code and procedure_code '' are the totals over fields and
-- procedures. A month is YYYY-MM in Vietnam time; each event counts in the
-- month it happened (received, finished, rated).
CREATE TABLE report_figures (
    agency_code      TEXT NOT NULL,
    month            TEXT NOT NULL,
    field_code       TEXT NOT NULL,
    procedure_code   TEXT NOT NULL,
    received_online  BIGINT NOT NULL DEFAULT 0,
    received_counter BIGINT NOT NULL DEFAULT 0,
    received_api     BIGINT NOT NULL DEFAULT 0,
    fee_dossiers     BIGINT NOT NULL DEFAULT 0, -- received with a fee payable online
    paid_online      BIGINT NOT NULL DEFAULT 0, -- of those, paid online
    finished_early   BIGINT NOT NULL DEFAULT 0,
    finished_on_time BIGINT NOT NULL DEFAULT 0,
    finished_late    BIGINT NOT NULL DEFAULT 0,
    refused          BIGINT NOT NULL DEFAULT 0,
    withdrawn        BIGINT NOT NULL DEFAULT 0,
    digital_results  BIGINT NOT NULL DEFAULT 0, -- finished with an electronic result
    ratings          BIGINT NOT NULL DEFAULT 0,
    rating_sum       BIGINT NOT NULL DEFAULT 0,
    satisfied        BIGINT NOT NULL DEFAULT 0, -- ratings of 4 or 5
    apologies        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_code, month, field_code, procedure_code)
);
-- The totals of a scope, which dashboards and rankings read, without
-- walking through its fields' and procedures' rows.
CREATE INDEX report_figures_totals ON report_figures (agency_code, month) WHERE field_code = '' AND procedure_code = '';

-- Open dossiers by what they wait for, rolled up like report_figures:
-- 'waiting' for reception, 'paused' for the applicant's papers, 'due' with
-- the appointment's day (YYYY-MM-DD), so that on time and overdue are read
-- against today without touching a dossier when a day passes.
CREATE TABLE report_open (
    agency_code TEXT NOT NULL,
    field_code  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'paused', 'due')),
    due_day     TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (agency_code, field_code, state, due_day)
);

-- The national reporting system (hệ thống thông tin báo cáo): templates of
-- periodic reports, the duties of agencies to send them, and the reports
-- sent. A template's indicators are JSON: code, name, type, unit, how it
-- aggregates up the agency tree, and the platform figure that fills it.
CREATE TABLE report_templates (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    indicators  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE report_duties (
    id            INTEGER PRIMARY KEY,
    template_code TEXT NOT NULL REFERENCES report_templates (code),
    agency_code   TEXT NOT NULL REFERENCES agencies (code),
    period        TEXT NOT NULL CHECK (period IN ('month', 'quarter', 'year')),
    due_day       INTEGER NOT NULL CHECK (due_day BETWEEN 1 AND 28), -- day of the month after the period
    first_period  TEXT NOT NULL, -- the first period reported: 2026-11, 2026-Q4 or 2026
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (template_code, agency_code)
);

CREATE TABLE report_submissions (
    id            INTEGER PRIMARY KEY,
    duty_id       BIGINT NOT NULL REFERENCES report_duties (id),
    period_key    TEXT NOT NULL, -- 2026-11, 2026-Q4, 2026
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    vals          TEXT NOT NULL, -- JSON: indicator code -> value
    note          TEXT NOT NULL DEFAULT '',
    submitted_by  TEXT NOT NULL DEFAULT '',
    submitted_at  TIMESTAMP,
    first_submitted_at TIMESTAMP, -- the first submission, against which lateness is judged
    reviewed_by   TEXT NOT NULL DEFAULT '',
    reviewed_at   TIMESTAMP,
    review_note   TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (duty_id, period_key)
);

-- +goose Down
DROP TABLE report_submissions;
DROP TABLE report_duties;
DROP TABLE report_templates;
DROP TABLE report_open;
DROP TABLE report_figures;
