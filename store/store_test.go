package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

func TestMigrateIsRepeatable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// storetest already migrated once; a second run must change nothing.
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var rev int64
		if err := db.QueryRow(`SELECT revision FROM catalog_revision WHERE id = 1`).Scan(&rev); err != nil {
			t.Fatalf("read revision: %v", err)
		}
		if rev != 0 {
			t.Errorf("revision = %d after migrations, want 0", rev)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO fields (code, name) VALUES ($1, $2)`, "X", "Thử"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM fields`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows after rollback, want 0", n)
		}
	})
}

func TestUniqueViolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ins := `INSERT INTO fields (code, name) VALUES ($1, $2)`
		if _, err := db.ExecContext(ctx, ins, "HT", "Hộ tịch"); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, ins, "HT", "Hộ tịch")
		if !store.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%v) = false", err)
		}
		if store.IsUniqueViolation(errors.New("other")) {
			t.Error("IsUniqueViolation(other) = true")
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		want := time.Date(2026, 2, 14, 8, 30, 0, 0, time.UTC)
		if _, err := db.ExecContext(ctx, `UPDATE catalog_revision SET updated_at = $1 WHERE id = 1`, want); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.QueryRowContext(ctx, `SELECT updated_at FROM catalog_revision WHERE id = 1`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("updated_at = %v, want %v", got, want)
		}
	})
}

// A data directory whose path has URI syntax in it still opens the right
// file with its settings (WAL, foreign keys).
func TestSQLitePathWithURISyntax(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "egov.db")); err != nil {
		t.Errorf("database not where asked: %v", err)
	}
}

// The documents table takes e-receipts after the migration that changed its
// CHECK constraint (a table rebuild on SQLite), keeps its rows and still
// refuses unknown kinds and orphans.
func TestDocumentsTakeReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var account int64
		if err := db.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, created_at, updated_at)
			VALUES ('citizen', '001099000001', 'Nguyễn Văn A', $1, $1) RETURNING id`, time.Now().UTC()).Scan(&account); err != nil {
			t.Fatalf("account: %v", err)
		}
		insert := func(owner int64, kind string) error {
			_, err := db.ExecContext(ctx, `INSERT INTO documents (owner_id, kind, name, blob_hash, size, content_type, created_at)
				VALUES ($1, $2, 'bien-lai.pdf', $3, 10, 'application/pdf', $4)`, owner, kind, kind+"hash", time.Now().UTC())
			return err
		}
		if err := insert(account, "receipt"); err != nil {
			t.Fatalf("receipt document refused: %v", err)
		}
		if err := insert(account, "invoice"); err == nil {
			t.Error("a document of an unknown kind was accepted")
		}
		if err := insert(account+1000, "upload"); err == nil {
			t.Error("a document of no account was accepted: foreign keys are off")
		}
	})
}
