package report

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/store"
)

// Country is the scope of the whole country's figures; CountryLevel(l)
// the scope of one level of government across the country.
const Country = "VN"

// LevelScope is the scope of the figures of every agency of level l.
func LevelScope(l string) string { return Country + ":" + l }

// Recorder keeps the figures up to date as dossiers change.
type Recorder struct {
	db    *store.DB
	audit *audit.Log
}

// NewRecorder returns a Recorder over db.
func NewRecorder(db *store.DB) *Recorder {
	return &Recorder{db: db, audit: audit.New(db)}
}

// cell is one row of report_figures before it is rolled up: an agency's
// counts of a month for a field and a procedure.
type cell struct {
	Agency, Month, Field, Procedure string
}

type openCell struct {
	Agency, Field, State, DueDay string
}

// delta is the change of the figures that a change of dossiers makes,
// at the agencies themselves.
type delta struct {
	cells map[cell]Tally
	open  map[openCell]int64
}

func newDelta() *delta {
	return &delta{cells: map[cell]Tally{}, open: map[openCell]int64{}}
}

// add adds what f contributes, times sign (1 or -1).
func (d *delta) add(f *Facts, sign int64) {
	if f == nil {
		return
	}
	c := f.contribution()
	for m, t := range c.months {
		k := cell{f.Agency, m, f.Field, f.Procedure}
		cur := d.cells[k]
		if sign > 0 {
			cur.Add(t)
		} else {
			cur.sub(t)
		}
		d.cells[k] = cur
	}
	if c.open != nil {
		d.open[openCell{f.Agency, f.Field, c.open.State, c.open.DueDay}] += sign
	}
}

func (d *delta) agencies() []string {
	seen := map[string]bool{}
	for k, t := range d.cells {
		if !t.zero() {
			seen[k.Agency] = true
		}
	}
	for k, n := range d.open {
		if n != 0 {
			seen[k.Agency] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Record adds to the figures, in tx, the difference between what a
// dossier contributed before a change (before; nil for a new dossier) and
// what it contributes after it (after; nil if it is gone). Most changes
// (a step inside the agency) change nothing and write nothing.
func (r *Recorder) Record(ctx context.Context, tx *sql.Tx, before, after *Facts) error {
	d := newDelta()
	d.add(before, -1)
	d.add(after, 1)
	agencies := d.agencies()
	if len(agencies) == 0 {
		return nil
	}
	scopes := map[string][]string{}
	for _, a := range agencies {
		s, err := scopesOf(ctx, tx, a)
		if err != nil {
			return err
		}
		scopes[a] = s
	}
	figures, open := d.rollUp(scopes)
	// Take the audit log's head before these rows: see audit.Log.Lock.
	if err := r.audit.Lock(ctx, tx); err != nil {
		return err
	}
	return writeFigures(ctx, tx, figures, open)
}

// scopesOf lists the scopes whose figures a dossier of agency counts in:
// the agency, every agency above it, the country and the agency's level.
func scopesOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, agency string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE up (code, parent_code, level, depth) AS (
			SELECT code, parent_code, level, 0 FROM agencies WHERE code = $1
			UNION ALL
			SELECT a.code, a.parent_code, a.level, up.depth + 1 FROM agencies a JOIN up ON a.code = up.parent_code WHERE up.depth < 8)
		SELECT code, level, depth FROM up ORDER BY depth`, agency)
	if err != nil {
		return nil, fmt.Errorf("agencies above %s: %w", agency, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code, level string
		var depth int
		if err := rows.Scan(&code, &level, &depth); err != nil {
			return nil, fmt.Errorf("agencies above %s: %w", agency, err)
		}
		if depth == 0 {
			out = append(out, Country, LevelScope(level))
		}
		if !slices.Contains(out, code) { // a cycle in the tree counts once
			out = append(out, code)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agencies above %s: %w", agency, err)
	}
	if len(out) == 0 {
		out = []string{Country, agency}
	}
	return out, nil
}

// rollUp expands the agencies' own changes to every scope they count in,
// and to the totals over fields and procedures.
func (d *delta) rollUp(scopes map[string][]string) (map[cell]Tally, map[openCell]int64) {
	figures := map[cell]Tally{}
	for k, t := range d.cells {
		if t.zero() {
			continue
		}
		for _, s := range scopes[k.Agency] {
			// The total, the field's row and the procedure's row; a
			// dossier without a field has the first two the same.
			rows := []cell{{s, k.Month, "", ""}, {s, k.Month, k.Field, k.Procedure}}
			if k.Field != "" {
				rows = append(rows, cell{s, k.Month, k.Field, ""})
			}
			for _, c := range rows {
				cur := figures[c]
				cur.Add(t)
				figures[c] = cur
			}
		}
	}
	open := map[openCell]int64{}
	for k, n := range d.open {
		if n == 0 {
			continue
		}
		for _, s := range scopes[k.Agency] {
			open[openCell{s, "", k.State, k.DueDay}] += n
			if k.Field != "" {
				open[openCell{s, k.Field, k.State, k.DueDay}] += n
			}
		}
	}
	return figures, open
}

// writeFigures adds figures and open to the tables, in the order of their
// keys, so that two transactions lock shared rows in the same order.
func writeFigures(ctx context.Context, tx *sql.Tx, figures map[cell]Tally, open map[openCell]int64) error {
	keys := make([]cell, 0, len(figures))
	for k, t := range figures {
		if !t.zero() {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareCells)
	const batch = 100
	for len(keys) > 0 {
		n := min(batch, len(keys))
		if err := upsertFigures(ctx, tx, keys[:n], figures); err != nil {
			return err
		}
		keys = keys[n:]
	}
	okeys := make([]openCell, 0, len(open))
	for k, n := range open {
		if n != 0 {
			okeys = append(okeys, k)
		}
	}
	slices.SortFunc(okeys, func(a, b openCell) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.State, b.State), cmp.Compare(a.DueDay, b.DueDay))
	})
	for len(okeys) > 0 {
		n := min(batch, len(okeys))
		var b strings.Builder
		b.WriteString(`INSERT INTO report_open (agency_code, field_code, state, due_day, n) VALUES `)
		args := make([]any, 0, n*5)
		for i, k := range okeys[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3, len(args)+4, len(args)+5)
			args = append(args, k.Agency, k.Field, k.State, k.DueDay, open[k])
		}
		b.WriteString(` ON CONFLICT (agency_code, field_code, state, due_day) DO UPDATE SET n = report_open.n + excluded.n`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("open dossiers figures: %w", err)
		}
		okeys = okeys[n:]
	}
	return nil
}

// compareCells orders cells as report_figures' primary key does.
func compareCells(a, b cell) int {
	return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Month, b.Month),
		cmp.Compare(a.Field, b.Field), cmp.Compare(a.Procedure, b.Procedure))
}

func upsertFigures(ctx context.Context, tx *sql.Tx, keys []cell, figures map[cell]Tally) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO report_figures (agency_code, month, field_code, procedure_code, `)
	b.WriteString(strings.Join(tallyColumns, ", "))
	b.WriteString(`) VALUES `)
	width := 4 + len(tallyColumns)
	args := make([]any, 0, len(keys)*width)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", len(args)+j+1)
		}
		b.WriteByte(')')
		t := figures[k]
		args = append(args, k.Agency, k.Month, k.Field, k.Procedure)
		for _, c := range t.counters() {
			args = append(args, *c)
		}
	}
	b.WriteString(` ON CONFLICT (agency_code, month, field_code, procedure_code) DO UPDATE SET `)
	for i, c := range tallyColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = report_figures.%s + excluded.%s", c, c, c)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("dossier figures: %w", err)
	}
	return nil
}
