package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/store"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const agencyColumns = `code, name, short_name, level, COALESCE(parent_code, ''), address, phone, email, website`

func scanAgency(row interface{ Scan(...any) error }) (egov.Agency, error) {
	var a egov.Agency
	err := row.Scan(&a.Code, &a.Name, &a.ShortName, &a.Level, &a.ParentCode, &a.Address, &a.Phone, &a.Email, &a.Website)
	return a, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insertAgency adds a, or with overwrite replaces the stored one; without
// overwrite an existing agency is kept as it is. It reports whether a row
// was written.
func insertAgency(ctx context.Context, q querier, a egov.Agency, overwrite bool) (bool, error) {
	conflict := `DO NOTHING`
	if overwrite {
		conflict = `DO UPDATE SET name = excluded.name, short_name = excluded.short_name, level = excluded.level,
			parent_code = excluded.parent_code, address = excluded.address, phone = excluded.phone,
			email = excluded.email, website = excluded.website, updated_at = excluded.updated_at`
	}
	res, err := q.ExecContext(ctx, `INSERT INTO agencies (code, name, short_name, level, parent_code, address, phone, email, website, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) `+conflict,
		a.Code, a.Name, a.ShortName, string(a.Level), nullable(a.ParentCode), a.Address, a.Phone, a.Email, a.Website, time.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("save agency %s: %w", a.Code, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func getAgency(ctx context.Context, q querier, code string) (egov.Agency, error) {
	a, err := scanAgency(q.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("agency %s: %w", code, egov.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("agency %s: %w", code, err)
	}
	return a, nil
}

// AgencyFilter selects agencies. Zero values mean any; Parent "-" means
// agencies without a parent.
type AgencyFilter struct {
	Level  egov.Level
	Parent string
}

func listAgencies(ctx context.Context, q querier, f AgencyFilter) ([]egov.Agency, error) {
	sqlText := `SELECT ` + agencyColumns + ` FROM agencies WHERE ($1 = '' OR level = $1)`
	args := []any{string(f.Level)}
	switch f.Parent {
	case "":
	case "-":
		sqlText += ` AND parent_code IS NULL`
	default:
		sqlText += ` AND parent_code = $2`
		args = append(args, f.Parent)
	}
	rows, err := q.QueryContext(ctx, sqlText+` ORDER BY code`, args...)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	defer rows.Close()
	out := []egov.Agency{}
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, fmt.Errorf("list agencies: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	return out, nil
}

func insertField(ctx context.Context, q querier, f egov.Field, overwrite bool) error {
	conflict := `DO NOTHING`
	if overwrite {
		conflict = `DO UPDATE SET name = excluded.name`
	}
	_, err := q.ExecContext(ctx, `INSERT INTO fields (code, name) VALUES ($1, $2) ON CONFLICT (code) `+conflict, f.Code, f.Name)
	if err != nil {
		return fmt.Errorf("save field %s: %w", f.Code, err)
	}
	return nil
}

func listFields(ctx context.Context, q querier) ([]egov.Field, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name FROM fields ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	defer rows.Close()
	out := []egov.Field{}
	for rows.Next() {
		var f egov.Field
		if err := rows.Scan(&f.Code, &f.Name); err != nil {
			return nil, fmt.Errorf("list fields: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func insertLifeEvent(ctx context.Context, q querier, e egov.LifeEvent, position int) error {
	_, err := q.ExecContext(ctx, `INSERT INTO life_events (code, name, description, icon, position) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO NOTHING`, e.Code, e.Name, e.Description, e.Icon, position)
	if err != nil {
		return fmt.Errorf("save life event %s: %w", e.Code, err)
	}
	return nil
}

func listLifeEvents(ctx context.Context, q querier) ([]egov.LifeEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, description, icon FROM life_events ORDER BY position, code`)
	if err != nil {
		return nil, fmt.Errorf("list life events: %w", err)
	}
	defer rows.Close()
	out := []egov.LifeEvent{}
	for rows.Next() {
		var e egov.LifeEvent
		if err := rows.Scan(&e.Code, &e.Name, &e.Description, &e.Icon); err != nil {
			return nil, fmt.Errorf("list life events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func upsertProcedure(ctx context.Context, q querier, p *egov.Procedure, overwrite bool, now time.Time) (bool, error) {
	record, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("encode procedure %s: %w", p.Code, err)
	}
	conflict := `DO NOTHING`
	if overwrite {
		conflict = `DO UPDATE SET name = excluded.name, field_code = excluded.field_code, online_level = excluded.online_level,
			processing_days = excluded.processing_days, status = excluded.status, record = excluded.record,
			updated_at = excluded.updated_at`
	}
	res, err := q.ExecContext(ctx, `INSERT INTO procedures (code, name, field_code, online_level, processing_days, status, record, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) `+conflict,
		p.Code, p.Name, p.Field.Code, string(p.OnlineLevel), p.ProcessingDays, p.Status, string(record), now)
	if err != nil {
		return false, fmt.Errorf("save procedure %s: %w", p.Code, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func getProcedure(ctx context.Context, q querier, code string) (egov.Procedure, error) {
	var p egov.Procedure
	var record []byte
	err := q.QueryRowContext(ctx, `SELECT record FROM procedures WHERE code = $1`, code).Scan(&record)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("procedure %s: %w", code, egov.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("procedure %s: %w", code, err)
	}
	if err := json.Unmarshal(record, &p); err != nil {
		return p, fmt.Errorf("decode procedure %s: %w", code, err)
	}
	return p, nil
}

func allProcedures(ctx context.Context, q querier) ([]egov.Procedure, error) {
	rows, err := q.QueryContext(ctx, `SELECT record FROM procedures ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list procedures: %w", err)
	}
	defer rows.Close()
	var out []egov.Procedure
	for rows.Next() {
		var record []byte
		if err := rows.Scan(&record); err != nil {
			return nil, fmt.Errorf("list procedures: %w", err)
		}
		var p egov.Procedure
		if err := json.Unmarshal(record, &p); err != nil {
			return nil, fmt.Errorf("decode procedure: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func bumpRevision(ctx context.Context, q querier, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE catalog_revision SET revision = revision + 1, updated_at = $1 WHERE id = 1`, now); err != nil {
		return fmt.Errorf("bump catalog revision: %w", err)
	}
	return nil
}

func readRevision(ctx context.Context, q querier) (int64, error) {
	var rev int64
	if err := q.QueryRowContext(ctx, `SELECT revision FROM catalog_revision WHERE id = 1`).Scan(&rev); err != nil {
		return 0, fmt.Errorf("read catalog revision: %w", err)
	}
	return rev, nil
}

var _ querier = (*store.DB)(nil)
