package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/report"
)

// The dossiers that connected systems push count in the national
// instance's figures as if they were its own: what a pushed dossier
// contributes is computed from the fields of the national portal, and each
// push adds the difference to the figures in its own transaction.

// factsOf is what a pushed dossier contributes to the figures. The
// national fields carry no rating, payment or apology date, so those are
// not counted for pushed dossiers.
func factsOf(d *Dossier) *report.Facts {
	if d == nil {
		return nil
	}
	channel := report.ChannelCounter
	if d.Way == WayOnline {
		channel = report.ChannelOnline
	}
	f := &report.Facts{Agency: agencyOfCode(d.Code), Field: d.FieldCode, Procedure: d.ProcedureCode, Channel: channel,
		Stage: dossier.StageOf(statusOf(d.Status)), ReceivedAt: d.ReceivedAt.ptr(), DueAt: d.DueAt.ptr(),
		FinishedAt: d.FinishedAt.ptr(), DigitalResult: len(d.Results) > 0}
	if f.FinishedAt == nil && (f.Stage == report.StageFinished || f.Stage == report.StageRefused) {
		f.FinishedAt = d.ReturnedAt.ptr()
	}
	return f
}

// storedFacts is what the stored push of code contributes; nil if none.
func storedFacts(record string) (*report.Facts, error) {
	if record == "" {
		return nil, nil
	}
	var d Dossier
	if err := json.Unmarshal([]byte(record), &d); err != nil {
		return nil, fmt.Errorf("stored dossier: %w", err)
	}
	return factsOf(&d), nil
}

// EachFacts calls fn with what every pushed dossier of db contributes, for
// report.Rebuild beside dossier.EachFacts.
func EachFacts(db *sql.DB) report.Source {
	return func(ctx context.Context, fn func(*report.Facts) error) error {
		rows, err := db.QueryContext(ctx, `SELECT record FROM federated_dossiers`)
		if err != nil {
			return fmt.Errorf("federated dossiers' figures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var record string
			if err := rows.Scan(&record); err != nil {
				return fmt.Errorf("federated dossiers' figures: %w", err)
			}
			f, err := storedFacts(record)
			if err != nil {
				return err
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}
