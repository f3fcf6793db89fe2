// Package store opens the platform's database, SQLite (the embedded default)
// or PostgreSQL, applies its migrations and runs transactions. It is the only
// package that knows which of the two it is talking to; everything above it
// writes portable SQL with $1 placeholders, which both drivers accept.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. It embeds *sql.DB so that callers use the standard
// library's API; Dialect is there for the rare statement that differs.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Source is a printable description of where the data lives, with any
	// password removed.
	Source string
}

//go:embed migrations
var migrations embed.FS

// Open opens the database named by url. An empty url, or one that is not a
// postgres:// URL, means SQLite: a file path, or empty for egov.db inside
// dataDir (created if missing).
func Open(ctx context.Context, dbURL, dataDir string) (*DB, error) {
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		return openPostgres(ctx, dbURL)
	}
	path := strings.TrimPrefix(dbURL, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		if dataDir == "" {
			dataDir = "data"
		}
		path = filepath.Join(dataDir, "egov.db")
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	// WAL lets readers run beside the one writer; busy_timeout makes a
	// second writer wait instead of failing; _txlock=immediate takes the
	// write lock at BEGIN, so that two transactions that read then write
	// cannot deadlock into SQLITE_BUSY halfway through.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// SQLite decodes %HH in URI file names: escape what would otherwise
	// end the path ("?" starts the parameters, "#" a fragment).
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+escaped+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite, Source: "sqlite:" + path}, nil
}

func openPostgres(ctx context.Context, dbURL string) (*DB, error) {
	// PostgreSQL's JIT compiles a query's expressions when its plan looks
	// costly; for the platform's short queries (a dashboard's sums over a
	// few thousand rows) the compiling took longer than the query, half a
	// second of two. Off unless the URL says otherwise.
	if u, err := url.Parse(dbURL); err == nil && !u.Query().Has("jit") {
		q := u.Query()
		q.Set("jit", "off")
		u.RawQuery = q.Encode()
		dbURL = u.String()
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	source := dbURL
	if u, err := url.Parse(dbURL); err == nil {
		source = u.Redacted()
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", source, err)
	}
	return &DB{DB: db, Dialect: Postgres, Source: source}, nil
}

// migrationLockID is the PostgreSQL advisory lock that serializes migrations
// when several replicas start at once.
const migrationLockID = 0x65676f76 // "egov"

// Migrate applies the platform's schema migrations, then runs extra (such as
// the job queue's own migrations) while still holding the migration lock.
func (db *DB) Migrate(ctx context.Context, extra ...func(context.Context) error) error {
	if db.Dialect == Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	}
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	} else {
		opts = append(opts, goose.WithGoMigrations(sqliteGoMigrations()...))
	}
	p, err := goose.NewProvider(dialect, db.DB, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, f := range extra {
		if err := f(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Tx runs fn in a transaction and commits it if fn returns nil. Any error,
// or a panic, rolls everything back: no change is ever half-written.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
