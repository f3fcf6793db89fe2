-- +goose Up
-- Online payment of a dossier's fees. A payment is one attempt at the
-- gateway under its own vnp_TxnRef: a payer who tries again, or pays in two
-- tabs, makes several. Rows are never deleted; a refund changes the status
-- and keeps the rest.
CREATE TABLE payments (
    id                    INTEGER PRIMARY KEY,
    dossier_id            INTEGER NOT NULL REFERENCES dossiers (id),
    agency_code           TEXT NOT NULL, -- the collecting agency
    txn_ref               TEXT NOT NULL UNIQUE,
    amount                INTEGER NOT NULL CHECK (amount > 0), -- đồng
    status                TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'cancelled', 'refunded')),
    payer_id              INTEGER REFERENCES accounts (id),
    payer_ip              TEXT NOT NULL,
    order_date            TIMESTAMP NOT NULL, -- vnp_CreateDate, which querydr needs back
    expires_at            TIMESTAMP NOT NULL,
    response_code         TEXT NOT NULL DEFAULT '',
    transaction_no        TEXT NOT NULL DEFAULT '',
    bank_code             TEXT NOT NULL DEFAULT '',
    card_type             TEXT NOT NULL DEFAULT '',
    confirmed_by          TEXT NOT NULL DEFAULT '', -- ipn or query
    confirmed_at          TIMESTAMP,
    paid_at               TIMESTAMP, -- vnp_PayDate
    duplicate             INTEGER NOT NULL DEFAULT 0, -- paid when the dossier already was
    receipt_series        TEXT NOT NULL DEFAULT '',
    receipt_number        TEXT NOT NULL DEFAULT '',
    receipt_document_id   INTEGER REFERENCES documents (id),
    refund_reason         TEXT NOT NULL DEFAULT '',
    refund_transaction_no TEXT NOT NULL DEFAULT '',
    refunded_at           TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX payments_dossier ON payments (dossier_id, id);
CREATE INDEX payments_agency_day ON payments (agency_code, created_at);

-- The yearly series of e-receipt numbers of each collecting agency.
CREATE TABLE receipt_series (
    agency_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (agency_code, year)
);

-- What an online dossier owes, fixed at submission.
ALTER TABLE dossiers ADD COLUMN fee_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN fee_bill TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN paid_at TIMESTAMP;

-- +goose Down
ALTER TABLE dossiers DROP COLUMN paid_at;
ALTER TABLE dossiers DROP COLUMN fee_bill;
ALTER TABLE dossiers DROP COLUMN fee_total;
DROP TABLE receipt_series;
DROP TABLE payments;
