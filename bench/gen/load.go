package gen

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/egov-vn/egov/store"
)

// sink writes rows the fastest way its engine allows, on one connection
// of its own.
type sink interface {
	// batch runs fn as one unit: a transaction on SQLite; on PostgreSQL
	// each COPY commits by itself, in the order fn issues them.
	batch(ctx context.Context, fn func() error) error
	// insert writes n rows of table; row fills the values of row i, in
	// the order of cols, with nil for NULL.
	insert(ctx context.Context, table string, cols []string, n int, row func(i int, v []any)) error
	exec(ctx context.Context, q string, args ...any) error
	// mergeSequences adds (agency_code, day, last) rows to
	// dossier_sequences, keeping the larger last where a row exists.
	mergeSequences(ctx context.Context, n int, row func(i int, v []any)) error
	// dropIndexes drops the secondary indexes, unique constraints and
	// foreign keys of tables, returning how to make them again.
	dropIndexes(ctx context.Context, tables []string) ([]droppedIndex, error)
	// finish brings the identity sequences of tables past the rows
	// written and refreshes the planner's statistics.
	finish(ctx context.Context, tables []string) error
	close() error
}

// droppedIndex is an index or constraint dropped while loading.
type droppedIndex struct {
	table, name, create string
	foreignKey          bool
}

func openSink(ctx context.Context, db *store.DB) (sink, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("gen: connection: %w", err)
	}
	if db.Dialect == store.Postgres {
		s := &pgSink{conn: conn}
		// Index builds sort in memory; a crash during the load loses
		// nothing that is not regenerated anyway.
		for _, q := range []string{`SET maintenance_work_mem = '1GB'`, `SET synchronous_commit = off`} {
			if err := s.exec(ctx, q); err != nil {
				conn.Close()
				return nil, fmt.Errorf("gen: %s: %w", q, err)
			}
		}
		return s, nil
	}
	s := &sqliteSink{conn: conn, stmts: map[string]*sql.Stmt{}}
	if err := s.exec(ctx, `PRAGMA cache_size = -262144`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("gen: sqlite cache size: %w", err)
	}
	return s, nil
}

// pgSink loads with COPY through pgx's own connection under database/sql.
type pgSink struct {
	conn *sql.Conn
}

func (s *pgSink) batch(ctx context.Context, fn func() error) error { return fn() }

func (s *pgSink) insert(ctx context.Context, table string, cols []string, n int, row func(int, []any)) error {
	return s.copy(ctx, pgx.Identifier{table}, cols, n, row)
}

func (s *pgSink) copy(ctx context.Context, table pgx.Identifier, cols []string, n int, row func(int, []any)) error {
	if n == 0 {
		return nil
	}
	return s.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		v := make([]any, len(cols))
		i := 0
		copied, err := c.CopyFrom(ctx, table, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			clear(v)
			row(i, v)
			i++
			return v, nil
		}))
		if err != nil {
			return fmt.Errorf("copy %s: %w", table.Sanitize(), err)
		}
		if copied != int64(n) {
			return fmt.Errorf("copy %s: %d rows of %d", table.Sanitize(), copied, n)
		}
		return nil
	})
}

func (s *pgSink) exec(ctx context.Context, q string, args ...any) error {
	_, err := s.conn.ExecContext(ctx, q, args...)
	return err
}

func (s *pgSink) mergeSequences(ctx context.Context, n int, row func(int, []any)) error {
	steps := []string{`DROP TABLE IF EXISTS pg_temp.gen_sequences`,
		`CREATE TEMP TABLE gen_sequences (agency_code TEXT NOT NULL, day TEXT NOT NULL, last BIGINT NOT NULL)`}
	for _, q := range steps {
		if err := s.exec(ctx, q); err != nil {
			return err
		}
	}
	if err := s.copy(ctx, pgx.Identifier{"pg_temp", "gen_sequences"}, []string{"agency_code", "day", "last"}, n, row); err != nil {
		return err
	}
	return s.exec(ctx, `INSERT INTO dossier_sequences (agency_code, day, last) SELECT agency_code, day, last FROM pg_temp.gen_sequences
		ON CONFLICT (agency_code, day) DO UPDATE SET last = GREATEST(dossier_sequences.last, excluded.last)`)
}

func (s *pgSink) dropIndexes(ctx context.Context, tables []string) ([]droppedIndex, error) {
	var out []droppedIndex
	for _, t := range tables {
		rows, err := s.conn.QueryContext(ctx, `SELECT conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint
			WHERE conrelid = $1::text::regclass AND contype IN ('u', 'f') ORDER BY conname`, t)
		if err != nil {
			return nil, fmt.Errorf("gen: constraints of %s: %w", t, err)
		}
		for rows.Next() {
			var name, def string
			var fk bool
			if err := rows.Scan(&name, &def, &fk); err != nil {
				rows.Close()
				return nil, fmt.Errorf("gen: constraints of %s: %w", t, err)
			}
			out = append(out, droppedIndex{table: t, name: name, foreignKey: fk,
				create: `ALTER TABLE ` + pgx.Identifier{t}.Sanitize() + ` ADD CONSTRAINT ` + pgx.Identifier{name}.Sanitize() + ` ` + def})
		}
		rows.Close()
		rows, err = s.conn.QueryContext(ctx, `SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
			WHERE x.indrelid = $1::text::regclass AND NOT x.indisprimary
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
			ORDER BY i.relname`, t)
		if err != nil {
			return nil, fmt.Errorf("gen: indexes of %s: %w", t, err)
		}
		for rows.Next() {
			var d droppedIndex
			if err := rows.Scan(&d.name, &d.create); err != nil {
				rows.Close()
				return nil, fmt.Errorf("gen: indexes of %s: %w", t, err)
			}
			d.table = t
			out = append(out, d)
		}
		rows.Close()
	}
	// Make indexes and unique constraints before the foreign keys.
	sort.SliceStable(out, func(i, j int) bool { return !out[i].foreignKey && out[j].foreignKey })
	for i, d := range out {
		q := `DROP INDEX ` + pgx.Identifier{d.name}.Sanitize()
		if strings.HasPrefix(d.create, "ALTER TABLE") {
			q = `ALTER TABLE ` + pgx.Identifier{d.table}.Sanitize() + ` DROP CONSTRAINT ` + pgx.Identifier{d.name}.Sanitize()
		}
		if err := s.exec(ctx, q); err != nil {
			return out[:i], fmt.Errorf("gen: drop %s: %w", d.name, err)
		}
	}
	return out, nil
}

func (s *pgSink) finish(ctx context.Context, tables []string) error {
	for _, t := range tables {
		id := pgx.Identifier{t}.Sanitize()
		if err := s.exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM `+id, t); err != nil {
			return fmt.Errorf("gen: identity of %s: %w", t, err)
		}
		// Visibility map and statistics, as autovacuum would make
		// them some time later: benchmarks should not depend on when.
		if err := s.exec(ctx, `VACUUM (ANALYZE) `+id); err != nil {
			return fmt.Errorf("gen: vacuum %s: %w", t, err)
		}
	}
	return nil
}

func (s *pgSink) close() error { return s.conn.Close() }

// sqliteSink loads with multi-row prepared inserts in transactions taken
// by hand on its connection.
type sqliteSink struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func (s *sqliteSink) batch(ctx context.Context, fn func() error) error {
	if err := s.exec(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(); err != nil {
		s.exec(context.WithoutCancel(ctx), `ROLLBACK`)
		return err
	}
	if err := s.exec(ctx, `COMMIT`); err != nil {
		s.exec(context.WithoutCancel(ctx), `ROLLBACK`)
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rowsPerStatement keeps a statement under SQLite's 32,766 variables
// and its statements short enough to prepare quickly.
func rowsPerStatement(cols int) int { return max(1, min(200, 30000/cols)) }

func (s *sqliteSink) stmt(ctx context.Context, table string, cols []string, rows int, suffix string) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s(%s)/%d/%s", table, strings.Join(cols, ","), rows, suffix)
	if st, ok := s.stmts[key]; ok {
		return st, nil
	}
	one := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` + strings.Repeat(one+", ", rows-1) + one + suffix
	st, err := s.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	s.stmts[key] = st
	return st, nil
}

func (s *sqliteSink) insert(ctx context.Context, table string, cols []string, n int, row func(int, []any)) error {
	return s.insertSuffix(ctx, table, cols, n, row, "")
}

func (s *sqliteSink) insertSuffix(ctx context.Context, table string, cols []string, n int, row func(int, []any), suffix string) error {
	k := rowsPerStatement(len(cols))
	args := make([]any, k*len(cols))
	for lo := 0; lo < n; {
		m := k
		if n-lo < k {
			m = 1 // the rest one by one: one statement less to prepare per size
		}
		st, err := s.stmt(ctx, table, cols, m, suffix)
		if err != nil {
			return err
		}
		a := args[:m*len(cols)]
		clear(a)
		for j := 0; j < m; j++ {
			row(lo+j, a[j*len(cols):(j+1)*len(cols)])
		}
		if _, err := st.ExecContext(ctx, a...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		lo += m
	}
	return nil
}

func (s *sqliteSink) exec(ctx context.Context, q string, args ...any) error {
	_, err := s.conn.ExecContext(ctx, q, args...)
	return err
}

func (s *sqliteSink) mergeSequences(ctx context.Context, n int, row func(int, []any)) error {
	const per = 10_000
	for lo := 0; lo < n; lo += per {
		m := min(per, n-lo)
		err := s.batch(ctx, func() error {
			return s.insertSuffix(ctx, "dossier_sequences", []string{"agency_code", "day", "last"}, m,
				func(i int, v []any) { row(lo+i, v) },
				` ON CONFLICT (agency_code, day) DO UPDATE SET last = MAX(last, excluded.last)`)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *sqliteSink) dropIndexes(ctx context.Context, tables []string) ([]droppedIndex, error) {
	var out []droppedIndex
	for _, t := range tables {
		rows, err := s.conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name`, t)
		if err != nil {
			return nil, fmt.Errorf("gen: indexes of %s: %w", t, err)
		}
		for rows.Next() {
			d := droppedIndex{table: t}
			if err := rows.Scan(&d.name, &d.create); err != nil {
				rows.Close()
				return nil, fmt.Errorf("gen: indexes of %s: %w", t, err)
			}
			out = append(out, d)
		}
		rows.Close()
	}
	for i, d := range out {
		if err := s.exec(ctx, `DROP INDEX "`+d.name+`"`); err != nil {
			return out[:i], fmt.Errorf("gen: drop %s: %w", d.name, err)
		}
	}
	return out, nil
}

func (s *sqliteSink) finish(ctx context.Context, tables []string) error {
	// Fold the write-ahead log into the database file, so that its size
	// is the data set's.
	if err := s.exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("gen: checkpoint: %w", err)
	}
	return nil
}

func (s *sqliteSink) close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.conn.Close()
}
