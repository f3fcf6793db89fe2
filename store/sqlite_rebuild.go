package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// sqliteGoMigrations are the SQLite migrations that SQL alone cannot do in
// goose's transaction: SQLite has no ALTER TABLE for a CHECK constraint, and
// its documented way to change one (https://sqlite.org/lang_altertable.html,
// "Making Other Kinds Of Table Schema Changes") rebuilds the table with
// foreign keys switched off, which only works outside a transaction on one
// connection. PostgreSQL does the same with ALTER TABLE in its SQL file of
// the same version.
func sqliteGoMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(9, &goose.GoFunc{RunDB: documentsWithReceipts, Mode: goose.TransactionDisabled}, nil),
	}
}

// documentsWithReceipts lets the personal document store keep e-receipts:
// the documents table is rebuilt with 'receipt' among its kinds.
func documentsWithReceipts(ctx context.Context, db *sql.DB) error {
	return rebuildTable(ctx, db, "documents", `CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('upload', 'result', 'scan', 'receipt')),
    name         TEXT NOT NULL,
    blob_hash    TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    dossier_id   INTEGER, -- the dossier a result or a receipt belongs to
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (owner_id, kind, blob_hash)
)`)
}

// rebuildTable replaces table by one made with create, keeping its rows, by
// the twelve steps of SQLite's documentation: on one connection, foreign
// keys off, in a transaction: create the new table, copy, drop the old,
// rename, check the foreign keys; then foreign keys on again. Run again
// after a crash, it finds the new schema in place and does nothing.
func rebuildTable(ctx context.Context, db *sql.DB, table, create string) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	defer conn.Close()
	var current string
	if err := conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = $1`, table).Scan(&current); err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	if strings.Join(strings.Fields(current), " ") == strings.Join(strings.Fields(create), " ") {
		return nil
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); ferr != nil && err == nil {
			err = fmt.Errorf("rebuild %s: %w", table, ferr)
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	defer tx.Rollback()
	tmp := table + "_rebuilt"
	steps := []string{
		strings.Replace(create, "CREATE TABLE "+table, "CREATE TABLE "+tmp, 1),
		`INSERT INTO ` + tmp + ` SELECT * FROM ` + table,
		`DROP TABLE ` + table,
		`ALTER TABLE ` + tmp + ` RENAME TO ` + table,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	broken := rows.Next()
	rows.Close()
	if broken {
		return fmt.Errorf("rebuild %s: foreign keys broken by the copy", table)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rebuild %s: %w", table, err)
	}
	return nil
}
