// Package storetest gives tests a fresh, migrated database on every engine
// the platform supports, so that each storage test is written once and run
// on SQLite always and on PostgreSQL when EGOV_TEST_POSTGRES_URL is set.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/egov-vn/egov/store"
)

// PostgresURLEnv names the variable that enables the PostgreSQL tests.
const PostgresURLEnv = "EGOV_TEST_POSTGRES_URL"

// Each runs fn once per engine, as a subtest named after it, each with a
// new empty database that has every migration applied. extra runs after the
// platform's migrations (the job queue's, for example).
func Each(t *testing.T, fn func(t *testing.T, db *store.DB), extra ...func(*store.DB) func(context.Context) error) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t, extra...))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t, extra...))
	})
}

// SQLite returns a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB, extra ...func(*store.DB) func(context.Context) error) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "test.db"), "")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	migrate(t, db, extra)
	return db
}

// Postgres returns a migrated PostgreSQL database in a schema of its own,
// dropped when the test ends. Without EGOV_TEST_POSTGRES_URL the test is
// skipped with the reason printed; with it, a failure to connect fails.
func Postgres(t testing.TB, extra ...func(*store.DB) func(context.Context) error) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), PostgresURL(t), "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	migrate(t, db, extra)
	return db
}

// PostgresURL returns the URL of an empty PostgreSQL database, a schema of
// its own dropped when the test ends, for a process that migrates it
// itself (an egov child process). Without EGOV_TEST_POSTGRES_URL the test
// is skipped with the reason printed.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable); .ci/run sets it", PostgresURLEnv)
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, base, "")
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is not reachable: %v", PostgresURLEnv, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "egov_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := store.Open(context.Background(), base, "")
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func migrate(t testing.TB, db *store.DB, extra []func(*store.DB) func(context.Context) error) {
	t.Helper()
	var fns []func(context.Context) error
	for _, e := range extra {
		fns = append(fns, e(db))
	}
	if err := db.Migrate(context.Background(), fns...); err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect, err)
	}
}
