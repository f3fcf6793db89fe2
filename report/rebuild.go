package report

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/egov-vn/egov/store"
)

// Source calls fn with the facts of every dossier; dossier.EachFacts is
// the platform's.
type Source func(ctx context.Context, fn func(*Facts) error) error

// RebuildStats says what Rebuild did.
type RebuildStats struct {
	Dossiers int64
	Rows     int64 // rows of report_figures written
	Open     int64 // rows of report_open written
	Took     time.Duration
}

// Rebuild recomputes the figures from the dossiers, with the same
// function that keeps them up to date, and replaces the stored ones in one
// transaction: readers see the old figures until it commits. Run it after
// the agency tree is reorganised (a dossier's figures follow the tree as it
// is when they are counted) or after loading dossiers by other means.
// Dossier changes made while it runs wait for it on PostgreSQL (it holds
// the audit log's head, as they do) and on SQLite (one writer at a time).
func Rebuild(ctx context.Context, db *store.DB, each Source) (RebuildStats, error) {
	start := time.Now()
	var st RebuildStats
	agencies, err := loadTree(ctx, db)
	if err != nil {
		return st, err
	}
	if db.Dialect == store.Postgres {
		err = rebuildPostgres(ctx, db, agencies, each, &st)
	} else {
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			figures, open, err := compute(ctx, agencies, each, &st.Dossiers)
			if err != nil {
				return err
			}
			if err := clearFigures(ctx, tx.ExecContext); err != nil {
				return err
			}
			for _, t := range figures {
				if !t.zero() {
					st.Rows++
				}
			}
			for _, n := range open {
				if n != 0 {
					st.Open++
				}
			}
			return writeFigures(ctx, tx, figures, open)
		})
	}
	st.Took = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("rebuild figures: %w", err)
	}
	return st, nil
}

// clearFigures empties the figures.
func clearFigures(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error)) error {
	for _, stmt := range []string{`DELETE FROM report_figures`, `DELETE FROM report_open`} {
		if _, err := exec(ctx, stmt); err != nil {
			return fmt.Errorf("clear figures: %w", err)
		}
	}
	return nil
}

// rebuildPostgres writes the figures with COPY, which at national scale
// (millions of rows) is many times faster than inserts, in a transaction
// of the connection's own driver, because database/sql has no COPY.
func rebuildPostgres(ctx context.Context, db *store.DB, agencies tree, each Source, st *RebuildStats) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", driverConn)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback(ctx)
		// Hold the audit log's head (as dossier changes do before they
		// touch the figures) and the tables, so that no change commits
		// between the reading and the writing and is lost.
		if _, err := tx.Exec(ctx, `SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
			return fmt.Errorf("lock the audit head: %w", err)
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE report_figures, report_open IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock figures: %w", err)
		}
		figures, open, err := compute(ctx, agencies, each, &st.Dossiers)
		if err != nil {
			return err
		}
		exec := func(ctx context.Context, q string, args ...any) (sql.Result, error) {
			_, err := tx.Exec(ctx, q, args...)
			return nil, err
		}
		if err := clearFigures(ctx, exec); err != nil {
			return err
		}
		// Stream the rows to COPY from the maps: at national scale (ten
		// million rows) a copy of them all as [][]any would double the
		// memory the maps already take.
		// In the order of the primary key, so that a scope's rows lie
		// together on disk and a dashboard reads few pages.
		keys := slices.SortedFunc(maps.Keys(figures), compareCells)
		i := 0
		cols := append([]string{"agency_code", "month", "field_code", "procedure_code"}, tallyColumns...)
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"report_figures"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			for {
				if i == len(keys) {
					return nil, nil
				}
				k := keys[i]
				t := figures[k]
				i++
				if t.zero() {
					continue
				}
				r := make([]any, 0, len(cols))
				r = append(r, k.Agency, k.Month, k.Field, k.Procedure)
				for _, c := range t.counters() {
					r = append(r, *c)
				}
				return r, nil
			}
		}))
		if err != nil {
			return fmt.Errorf("copy figures: %w", err)
		}
		st.Rows = n
		orows := make([][]any, 0, len(open))
		for k, v := range open {
			if v != 0 {
				orows = append(orows, []any{k.Agency, k.Field, k.State, k.DueDay, v})
			}
		}
		if st.Open, err = tx.CopyFrom(ctx, pgx.Identifier{"report_open"}, []string{"agency_code", "field_code", "state", "due_day", "n"}, pgx.CopyFromRows(orows)); err != nil {
			return fmt.Errorf("copy open dossiers: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// compute sums what every dossier of each contributes, rolled up the tree.
func compute(ctx context.Context, t tree, each Source, count *int64) (map[cell]Tally, map[openCell]int64, error) {
	d := newDelta()
	if err := each(ctx, func(f *Facts) error {
		*count++
		d.add(f, 1)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	scopes := map[string][]string{}
	for _, a := range d.agencies() {
		scopes[a] = t.scopes(a)
	}
	figures, open := d.rollUp(scopes)
	return figures, open, nil
}

// Verify compares the stored figures with those computed from the
// dossiers and lists the differences (none when they agree). Changes made
// while it runs may show as differences; run it on a quiet database.
func Verify(ctx context.Context, db *store.DB, each Source) ([]string, error) {
	t, err := loadTree(ctx, db)
	if err != nil {
		return nil, err
	}
	var n int64
	want, wantOpen, err := compute(ctx, t, each, &n)
	if err != nil {
		return nil, err
	}
	got := map[cell]Tally{}
	rows, err := db.QueryContext(ctx, `SELECT agency_code, month, field_code, procedure_code, `+strings.Join(tallyColumns, ", ")+` FROM report_figures`)
	if err != nil {
		return nil, fmt.Errorf("stored figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k cell
		var v Tally
		dest := []any{&k.Agency, &k.Month, &k.Field, &k.Procedure}
		for _, c := range v.counters() {
			dest = append(dest, c)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("stored figures: %w", err)
		}
		got[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stored figures: %w", err)
	}
	gotOpen := map[openCell]int64{}
	orows, err := db.QueryContext(ctx, `SELECT agency_code, field_code, state, due_day, n FROM report_open`)
	if err != nil {
		return nil, fmt.Errorf("stored open dossiers: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var k openCell
		var v int64
		if err := orows.Scan(&k.Agency, &k.Field, &k.State, &k.DueDay, &v); err != nil {
			return nil, fmt.Errorf("stored open dossiers: %w", err)
		}
		gotOpen[k] = v
	}
	if err := orows.Err(); err != nil {
		return nil, fmt.Errorf("stored open dossiers: %w", err)
	}
	var diffs []string
	for k, w := range want {
		if g := got[k]; g != w {
			diffs = append(diffs, fmt.Sprintf("%s %s %s %s: stored %+v, from the dossiers %+v", k.Agency, k.Month, k.Field, k.Procedure, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && !g.zero() {
			diffs = append(diffs, fmt.Sprintf("%s %s %s %s: stored %+v, from the dossiers nothing", k.Agency, k.Month, k.Field, k.Procedure, g))
		}
	}
	for k, w := range wantOpen {
		if g := gotOpen[k]; g != w {
			diffs = append(diffs, fmt.Sprintf("open %s %s %s %s: stored %d, from the dossiers %d", k.Agency, k.Field, k.State, k.DueDay, g, w))
		}
	}
	for k, g := range gotOpen {
		if _, ok := wantOpen[k]; !ok && g != 0 {
			diffs = append(diffs, fmt.Sprintf("open %s %s %s %s: stored %d, from the dossiers none", k.Agency, k.Field, k.State, k.DueDay, g))
		}
	}
	slices.Sort(diffs)
	return diffs, nil
}

// tree is the agency tree in memory, for Rebuild.
type tree struct {
	parent map[string]string
	level  map[string]string
}

func loadTree(ctx context.Context, db *store.DB) (tree, error) {
	t := tree{parent: map[string]string{}, level: map[string]string{}}
	rows, err := db.QueryContext(ctx, `SELECT code, COALESCE(parent_code, ''), level FROM agencies`)
	if err != nil {
		return t, fmt.Errorf("agency tree: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, parent, level string
		if err := rows.Scan(&code, &parent, &level); err != nil {
			return t, fmt.Errorf("agency tree: %w", err)
		}
		t.parent[code], t.level[code] = parent, level
	}
	return t, rows.Err()
}

// scopes is scopesOf over the tree in memory.
func (t tree) scopes(agency string) []string {
	lvl, ok := t.level[agency]
	if !ok {
		return []string{Country, agency}
	}
	out := []string{Country, LevelScope(lvl)}
	for a, depth := agency, 0; a != "" && depth <= 8; a, depth = t.parent[a], depth+1 {
		if !slices.Contains(out, a) { // a cycle in the tree counts once
			out = append(out, a)
		}
	}
	return out
}

// Sources is every dossier of each of sources, one after the other: the
// platform's own and those pushed by connected systems.
func Sources(sources ...Source) Source {
	return func(ctx context.Context, fn func(*Facts) error) error {
		for _, each := range sources {
			if err := each(ctx, fn); err != nil {
				return err
			}
		}
		return nil
	}
}
