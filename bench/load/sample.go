package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// sampled is what the load reads from the server's database before it
// starts: real dossier codes to track, citizens to sign in as, procedures
// to open, and where dossiers of a fully online procedure are submitted.
type sampled struct {
	dossiers   []string
	citizens   []string
	procedures []string
	targets    [][2]string // procedure, agency of recent online dossiers
}

// isPostgres says whether dsn is a PostgreSQL URL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openSampleDB opens the database read-only where it can: a postgres://
// URL, or the path of an SQLite file.
func openSampleDB(dsn string) (*sql.DB, bool, error) {
	if isPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		return db, true, err
	}
	db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro&_pragma=busy_timeout(10000)")
	return db, false, err
}

// sampleDB draws n of each, at random over the whole table.
func sampleDB(ctx context.Context, dsn string, n int) (sampled, error) {
	var s sampled
	db, pg, err := openSampleDB(dsn)
	if err != nil {
		return s, err
	}
	defer db.Close()
	// PostgreSQL: BERNOULLI reads every page but draws rows evenly;
	// the percentage is from the planner's row count, with room.
	pct := func(table string) float64 {
		var rows float64
		db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE relname = $1`, table).Scan(&rows)
		if rows <= 0 {
			return 100
		}
		return min(100, 300*float64(n)/rows)
	}
	strs := func(q string, args ...any) ([]string, error) {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
	if pg {
		s.dossiers, err = strs(fmt.Sprintf(`SELECT code FROM dossiers TABLESAMPLE BERNOULLI (%g) WHERE code IS NOT NULL LIMIT $1`, pct("dossiers")), n)
	} else {
		s.dossiers, err = strs(`SELECT code FROM dossiers WHERE code IS NOT NULL ORDER BY random() LIMIT $1`, n)
	}
	if err != nil {
		return s, fmt.Errorf("sample dossier codes: %w", err)
	}
	if pg {
		s.citizens, err = strs(fmt.Sprintf(`SELECT username FROM accounts TABLESAMPLE BERNOULLI (%g) WHERE kind = 'citizen' LIMIT $1`, pct("accounts")), n)
	} else {
		s.citizens, err = strs(`SELECT username FROM accounts WHERE kind = 'citizen' ORDER BY random() LIMIT $1`, n)
	}
	if err != nil {
		return s, fmt.Errorf("sample citizens: %w", err)
	}
	if s.procedures, err = strs(`SELECT code FROM procedures WHERE status = 'active' ORDER BY random() LIMIT $1`, n); err != nil {
		return s, fmt.Errorf("sample procedures: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT procedure_code, agency_code FROM
		(SELECT procedure_code, agency_code FROM dossiers WHERE channel = 'online' AND agency_code IS NOT NULL ORDER BY id DESC LIMIT 2000) recent`)
	if err != nil {
		return s, fmt.Errorf("sample submission targets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t [2]string
		if err := rows.Scan(&t[0], &t[1]); err != nil {
			return s, err
		}
		s.targets = append(s.targets, t)
	}
	return s, rows.Err()
}

// redacted is a database URL without its password, for the report.
func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && isPostgres(dsn) {
		return u.Redacted()
	}
	return dsn
}
