package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/payment"
)

const dossierColumns = `d.id, COALESCE(d.code, ''), d.procedure_code, d.procedure_name, d.field_code,
	COALESCE(d.agency_code, ''), COALESCE(ag.name, ''), d.channel, COALESCE(d.applicant_id, 0), d.applicant_kind,
	d.applicant_name, d.applicant_id_number, d.applicant_email, d.applicant_phone, d.applicant_address,
	d.status, d.step, d.step_role, COALESCE(d.assignee_id, 0), d.form_data, d.version, d.created_at, d.updated_at,
	d.submitted_at, d.received_at, d.due_at, d.first_due_at, d.paused_at, d.finished_at, d.returned_at,
	COALESCE(d.result_document_id, 0), COALESCE(d.rating, 0), d.rating_comment, d.rated_at,
	COALESCE(d.process_id, 0), COALESCE(d.handler_agency, ''), COALESCE(hg.name, ''), d.transfer_from_step,
	d.step_started_at, d.step_due_at, d.step_warned_at, d.apology_at, d.fee_bill, d.paid_at`

const dossierFrom = ` FROM dossiers d LEFT JOIN agencies ag ON ag.code = d.agency_code
	LEFT JOIN agencies hg ON hg.code = d.handler_agency`

type nullTime struct{ sql.NullTime }

func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func scanDossier(row interface{ Scan(...any) error }) (Dossier, int64, error) {
	var d Dossier
	var data string
	var submitted, received, due, firstDue, paused, finished, returned, rated nullTime
	var stepStarted, stepDue, stepWarned, apology, paid nullTime
	var bill string
	var resultID int64
	var score int
	var ratingComment string
	err := row.Scan(&d.ID, &d.Code, &d.ProcedureCode, &d.ProcedureName, &d.FieldCode,
		&d.AgencyCode, &d.AgencyName, &d.Channel, &d.Applicant.AccountID, &d.Applicant.Kind,
		&d.Applicant.Name, &d.Applicant.IDNumber, &d.Applicant.Email, &d.Applicant.Phone, &d.Applicant.Address,
		&d.Status, &d.Step, &d.StepRole, &d.AssigneeID, &data, &d.Version, &d.CreatedAt, &d.UpdatedAt,
		&submitted, &received, &due, &firstDue, &paused, &finished, &returned,
		&resultID, &score, &ratingComment, &rated,
		&d.ProcessID, &d.HandlerAgency, &d.HandlerAgencyName, &d.TransferFromStep,
		&stepStarted, &stepDue, &stepWarned, &apology, &bill, &paid)
	if err != nil {
		return d, 0, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.SubmittedAt, d.ReceivedAt, d.DueAt, d.FirstDueAt = submitted.ptr(), received.ptr(), due.ptr(), firstDue.ptr()
	d.PausedAt, d.FinishedAt, d.ReturnedAt = paused.ptr(), finished.ptr(), returned.ptr()
	d.StepStartedAt, d.StepDueAt, d.StepWarnedAt, d.ApologyAt = stepStarted.ptr(), stepDue.ptr(), stepWarned.ptr(), apology.ptr()
	d.PaidAt = paid.ptr()
	if bill != "" {
		d.Fee = new(payment.Bill)
		if err := json.Unmarshal([]byte(bill), d.Fee); err != nil {
			return d, 0, fmt.Errorf("fee of dossier %d: %w", d.ID, err)
		}
	}
	if score > 0 {
		d.Rating = &Rating{Score: score, Comment: ratingComment}
		if t := rated.ptr(); t != nil {
			d.Rating.At = *t
		}
	}
	if err := json.Unmarshal([]byte(data), &d.Data); err != nil {
		return d, 0, fmt.Errorf("form data of dossier %d: %w", d.ID, err)
	}
	if d.Data == nil {
		d.Data = map[string]any{}
	}
	d.Papers = []Paper{} // lists leave them out; load fills them
	return d, resultID, nil
}

// load reads a dossier with its papers, result and history.
func (s *Service) load(ctx context.Context, q querier, id int64) (Dossier, error) {
	d, resultID, err := scanDossier(q.QueryRowContext(ctx, `SELECT `+dossierColumns+dossierFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("dossier %d: %w", id, egov.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dossier %d: %w", id, err)
	}
	if d.Papers, err = s.papers(ctx, q, id); err != nil {
		return d, err
	}
	if resultID != 0 {
		doc, err := documentByID(ctx, q, resultID)
		if err != nil {
			return d, err
		}
		d.ResultDocument = &doc
	}
	if d.History, err = history(ctx, q, id); err != nil {
		return d, err
	}
	return d, nil
}

func (s *Service) papers(ctx context.Context, q querier, id int64) ([]Paper, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.component_code, p.document_id, doc.name, doc.blob_hash, doc.size,
		doc.content_type, p.round, p.added_at
		FROM dossier_papers p JOIN documents doc ON doc.id = p.document_id
		WHERE p.dossier_id = $1 ORDER BY p.round, p.component_code, p.added_at, p.document_id`, id)
	if err != nil {
		return nil, fmt.Errorf("papers of dossier %d: %w", id, err)
	}
	defer rows.Close()
	out := []Paper{}
	for rows.Next() {
		var p Paper
		if err := rows.Scan(&p.Component, &p.DocumentID, &p.Name, &p.Hash, &p.Size, &p.ContentType, &p.Round, &p.AddedAt); err != nil {
			return nil, fmt.Errorf("papers of dossier %d: %w", id, err)
		}
		p.AddedAt = p.AddedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

func history(ctx context.Context, q querier, id int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, actor_name, actor_role, action, from_status, to_status, step, comment, details
		FROM dossier_history WHERE dossier_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of dossier %d: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var details string
		if err := rows.Scan(&e.At, &e.ActorName, &e.ActorRole, &e.Action, &e.FromStatus, &e.ToStatus, &e.Step, &e.Comment, &details); err != nil {
			return nil, fmt.Errorf("history of dossier %d: %w", id, err)
		}
		e.At = e.At.UTC()
		if details != "" && details != "{}" {
			if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
				return nil, fmt.Errorf("history of dossier %d: %w", id, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const documentColumns = `doc.id, doc.owner_id, doc.kind, doc.name, doc.blob_hash, doc.size, doc.content_type,
	COALESCE(dd.code, ''), doc.created_at`

const documentFrom = ` FROM documents doc LEFT JOIN dossiers dd ON dd.id = doc.dossier_id`

func scanDocument(row interface{ Scan(...any) error }) (Document, error) {
	var d Document
	err := row.Scan(&d.ID, &d.OwnerID, &d.Kind, &d.Name, &d.Hash, &d.Size, &d.ContentType, &d.DossierCode, &d.CreatedAt)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

func documentByID(ctx context.Context, q querier, id int64) (Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+documentFrom+` WHERE doc.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %d: %w", id, egov.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("document %d: %w", id, err)
	}
	return d, nil
}

// update writes the changed columns of d and bumps its version, but only if
// nobody changed it since it was read at version d.Version: the loser of a
// race gets ErrChanged.
//
// The figures of the reports follow in the same transaction: what the
// dossier contributed as stored is replaced by what it contributes now.
func (s *Service) update(ctx context.Context, tx *sql.Tx, d *Dossier, now time.Time) error {
	before, err := storedFacts(ctx, tx, s.db.Dialect, d.ID)
	if err != nil {
		return err
	}
	data, err := json.Marshal(d.Data)
	if err != nil {
		return fmt.Errorf("form data: %w", err)
	}
	var assignee, result any
	if d.AssigneeID != 0 {
		assignee = d.AssigneeID
	}
	if d.ResultDocument != nil {
		result = d.ResultDocument.ID
	}
	var score any
	var ratingComment string
	var ratedAt any
	if d.Rating != nil {
		score, ratingComment, ratedAt = d.Rating.Score, d.Rating.Comment, d.Rating.At
	}
	var code, agency any
	if d.Code != "" {
		code = d.Code
	}
	if d.AgencyCode != "" {
		agency = d.AgencyCode
	}
	var processID, handler any
	if d.ProcessID != 0 {
		processID = d.ProcessID
	}
	if d.HandlerAgency != "" {
		handler = d.HandlerAgency
	}
	fee, bill, err := feeColumns(d)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE dossiers SET fee_total = $30, fee_bill = $31, code = $1, agency_code = $2, status = $3, step = $4,
		assignee_id = $5, form_data = $6, version = version + 1, updated_at = $7, submitted_at = $8,
		received_at = $9, due_at = $10, first_due_at = $11, paused_at = $12, finished_at = $13, returned_at = $14,
		result_document_id = $15, rating = $16, rating_comment = $17, rated_at = $18,
		process_id = $19, handler_agency = $20, transfer_from_step = $21, step_started_at = $22, step_due_at = $23,
		step_warned_at = CASE WHEN step_started_at = $22 THEN step_warned_at ELSE $24 END, apology_at = $25, search_text = $26, step_role = $27
		WHERE id = $28 AND version = $29`,
		code, agency, string(d.Status), d.Step, assignee, string(data), now, tp(d.SubmittedAt),
		tp(d.ReceivedAt), tp(d.DueAt), tp(d.FirstDueAt), tp(d.PausedAt), tp(d.FinishedAt), tp(d.ReturnedAt),
		result, score, ratingComment, ratedAt,
		processID, handler, d.TransferFromStep, tp(d.StepStartedAt), tp(d.StepDueAt),
		tp(d.StepWarnedAt), tp(d.ApologyAt), searchText(d), d.StepRole, d.ID, d.Version, fee, bill)
	if err != nil {
		return fmt.Errorf("update dossier %s: %w", d.Ref(), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update dossier %s: %w", d.Ref(), err)
	}
	if n != 1 {
		return ErrChanged
	}
	d.Version++
	d.UpdatedAt = now
	after := facts(d)
	if before != nil {
		// paid_at is the payment's to write, not this update's: the row
		// keeps what it has, which d, read before, may not know yet.
		after.PaidAt = before.PaidAt
		d.PaidAt = before.PaidAt
	}
	return s.figures.Record(ctx, tx, before, after)
}

// feeColumns are the fee_total and fee_bill of d. A payment never changes
// them: update leaves paid_at to the payment's own transaction, which
// does not bump the version, so that a payment confirmed while an official
// acts does not make the official's action fail.
func feeColumns(d *Dossier) (int64, string, error) {
	if d.Fee == nil {
		return 0, "", nil
	}
	b, err := json.Marshal(d.Fee)
	if err != nil {
		return 0, "", fmt.Errorf("fee of dossier %s: %w", d.Ref(), err)
	}
	return d.Fee.Total, string(b), nil
}

// searchText is what the officials' search matches: the code, the
// applicant's name and ID number, lower case and without diacritics.
func searchText(d *Dossier) string {
	return strings.ToLower(identity.FoldVietnamese(d.Code + " " + d.Applicant.Name + " " + d.Applicant.IDNumber))
}

func tp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}
