-- +goose Up
-- E-receipts are kept in the personal document store. (SQLite does this in
-- Go: see store/sqlite_rebuild.go.)
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('upload', 'result', 'scan', 'receipt'));

-- +goose Down
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('upload', 'result', 'scan'));
