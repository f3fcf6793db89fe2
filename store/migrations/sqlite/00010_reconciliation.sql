-- +goose Up
-- The daily reconciliation (đối soát) of an agency's online payments
-- against the gateway: one row per run, kept. A day may be reconciled more
-- than once (again after the officials have sorted out a mismatch); the
-- newest run of a day is its current state.
CREATE TABLE payment_reconciliations (
    id             INTEGER PRIMARY KEY,
    agency_code    TEXT NOT NULL,
    day            TEXT NOT NULL, -- YYYY-MM-DD, the day in Vietnam time the payments were created
    ran_at         TIMESTAMP NOT NULL,
    checked        INTEGER NOT NULL,
    matched        INTEGER NOT NULL,
    recorded_total INTEGER NOT NULL, -- đồng collected by the agency's records
    gateway_total  INTEGER NOT NULL, -- đồng collected by the gateway's
    settled        TEXT NOT NULL DEFAULT '[]', -- JSON: pending payments the run settled
    mismatches     TEXT NOT NULL DEFAULT '[]' -- JSON: the payments that differ
);
CREATE INDEX payment_reconciliations_agency ON payment_reconciliations (agency_code, ran_at);
CREATE INDEX payment_reconciliations_day ON payment_reconciliations (agency_code, day);

-- +goose Down
DROP TABLE payment_reconciliations;
