package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
)

// StageOf is how the figures count a dossier in status st.
func StageOf(st Status) report.Stage {
	switch st {
	case StatusSubmitted:
		return report.StageWaiting
	case StatusProcessing:
		return report.StageInProgress
	case StatusSupplement:
		return report.StagePaused
	case StatusDone, StatusReturned:
		return report.StageFinished
	case StatusRefused:
		return report.StageRefused
	case StatusWithdrawn:
		return report.StageWithdrawn
	}
	return report.StageNone
}

// facts are what d contributes to the figures.
func facts(d *Dossier) *report.Facts {
	f := &report.Facts{Agency: d.AgencyCode, Field: d.FieldCode, Procedure: d.ProcedureCode,
		Channel: string(d.Channel), Stage: StageOf(d.Status), ReceivedAt: d.ReceivedAt, DueAt: d.DueAt,
		FinishedAt: d.FinishedAt, ApologyAt: d.ApologyAt, FeeOnline: d.Fee != nil && d.Fee.Total > 0,
		PaidAt: d.PaidAt, DigitalResult: d.ResultDocument != nil}
	if d.Rating != nil {
		f.Rating, f.RatedAt = d.Rating.Score, &d.Rating.At
	}
	return f
}

// factsColumns are the columns of dossiers that facts depend on, read by
// scanFacts.
const factsColumns = `COALESCE(agency_code, ''), field_code, procedure_code, channel, status, received_at, due_at,
	finished_at, apology_at, COALESCE(rating, 0), rated_at, COALESCE(fee_total, 0), paid_at, result_document_id IS NOT NULL`

func scanFacts(row interface{ Scan(...any) error }) (*report.Facts, error) {
	var f report.Facts
	var st Status
	var received, due, finished, apology, rated, paid nullTime
	var fee int64
	err := row.Scan(&f.Agency, &f.Field, &f.Procedure, &f.Channel, &st, &received, &due,
		&finished, &apology, &f.Rating, &rated, &fee, &paid, &f.DigitalResult)
	if err != nil {
		return nil, err
	}
	f.Stage = StageOf(st)
	f.ReceivedAt, f.DueAt, f.FinishedAt, f.ApologyAt = received.ptr(), due.ptr(), finished.ptr(), apology.ptr()
	f.RatedAt, f.PaidAt, f.FeeOnline = rated.ptr(), paid.ptr(), fee > 0
	return &f, nil
}

// storedFacts reads what the dossier with id contributes as it is stored,
// before tx changes it, and locks its row until tx ends (SQLite's write
// transactions hold the whole database already), so that no other change
// of it can commit between this reading and tx's own.
func storedFacts(ctx context.Context, tx *sql.Tx, dialect store.Dialect, id int64) (*report.Facts, error) {
	q := `SELECT ` + factsColumns + ` FROM dossiers WHERE id = $1`
	if dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	f, err := scanFacts(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("figures of dossier %d: %w", id, err)
	}
	return f, nil
}

// EachFacts calls fn with what every dossier of db contributes to the
// figures, for report.Rebuild.
func EachFacts(db *sql.DB) func(context.Context, func(*report.Facts) error) error {
	return func(ctx context.Context, fn func(*report.Facts) error) error {
		rows, err := db.QueryContext(ctx, `SELECT `+factsColumns+` FROM dossiers WHERE status <> 'draft'`)
		if err != nil {
			return fmt.Errorf("dossiers' figures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFacts(rows)
			if err != nil {
				return fmt.Errorf("dossiers' figures: %w", err)
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("dossiers' figures: %w", err)
		}
		return nil
	}
}
