package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
)

// Get returns the dossier ref to its applicant, or to an official of the
// agency that handles it. Anyone else is told it does not exist.
func (s *Service) Get(ctx context.Context, actor *identity.Account, ref string) (Dossier, error) {
	if actor == nil {
		return Dossier{}, refuse(egov.ErrForbidden, "Vui lòng đăng nhập.")
	}
	id, err := lookupRef(ctx, s.db, ref)
	if err != nil {
		return Dossier{}, err
	}
	d, err := s.load(ctx, s.db, id)
	if err != nil {
		return d, err
	}
	if d.Applicant.AccountID == actor.ID {
		return d, nil
	}
	if mayView(actor, &d) {
		return d, nil
	}
	return Dossier{}, fmt.Errorf("dossier %s: %w", ref, egov.ErrNotFound)
}

// ListFilter narrows a list of dossiers.
type ListFilter struct {
	Status Status // empty for all
	Limit  int    // 50 by default, at most 200
	Offset int
}

func (f *ListFilter) normalize() {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 200 {
		f.Limit = 200
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
}

// Mine lists actor's dossiers, the latest change first, without papers or
// history.
func (s *Service) Mine(ctx context.Context, actor *identity.Account, f ListFilter) ([]Dossier, error) {
	if actor == nil {
		return nil, refuse(egov.ErrForbidden, "Vui lòng đăng nhập.")
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, egov.FieldErrors{"status": "Trạng thái không hợp lệ."}
	}
	f.normalize()
	rows, err := s.db.QueryContext(ctx, `SELECT `+dossierColumns+dossierFrom+`
		WHERE d.applicant_id = $1 AND ($2 = '' OR d.status = $2)
		ORDER BY d.updated_at DESC, d.id DESC LIMIT $3 OFFSET $4`, actor.ID, string(f.Status), f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("my dossiers: %w", err)
	}
	defer rows.Close()
	out := []Dossier{}
	for rows.Next() {
		d, _, err := scanDossier(rows)
		if err != nil {
			return nil, fmt.Errorf("my dossiers: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("my dossiers: %w", err)
	}
	if s.cfg.Federated != nil && f.Offset == 0 && actor.Kind != identity.KindOfficial {
		// At a national portal, the dossiers the connected systems pushed
		// for the same ID number (or tax code) are the person's too. They
		// join the first page, the latest change first.
		fed, err := s.cfg.Federated.Mine(ctx, actor.Username, f.Limit)
		if err != nil {
			return nil, err
		}
		for _, d := range fed {
			if f.Status == "" || d.Status == f.Status {
				out = append(out, d)
			}
		}
		slices.SortStableFunc(out, func(a, b Dossier) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		if len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	return out, nil
}

// Timeliness says whether d keeps its appointment: "on_time" or "overdue"
// while open, "early", "on_time" or "late" once finished, and "" when the
// clock does not apply (drafts, refusals, withdrawals). A result released
// on the due day is on time; before it, early.
func Timeliness(d *Dossier, now time.Time) string {
	if d.DueAt == nil || d.Status == StatusDraft || d.Status == StatusRefused || d.Status == StatusWithdrawn {
		return ""
	}
	due := dayStart(*d.DueAt)
	if d.FinishedAt != nil {
		done := dayStart(*d.FinishedAt)
		switch {
		case done.Before(due):
			return "early"
		case done.Equal(due):
			return "on_time"
		}
		return "late"
	}
	at := now
	if d.PausedAt != nil {
		at = *d.PausedAt // the clock stopped
	}
	if at.After(*d.DueAt) {
		return "overdue"
	}
	return "on_time"
}

// Track returns what anyone may know of the dossier with code: its
// procedure, agency, dates, status and whether it is on time, never who it
// is for or what it holds.
func (s *Service) Track(ctx context.Context, code string) (Tracking, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 64 {
		return Tracking{}, egov.FieldErrors{"code": "Vui lòng nhập mã hồ sơ in trên giấy tiếp nhận, ví dụ 000.00.40.H26-261128-0001."}
	}
	if !strings.Contains(code, "-") { // numbers name drafts, never tracked
		return Tracking{}, fmt.Errorf("dossier %q: %w", code, egov.ErrNotFound)
	}
	// Two queries, the dossier by its code and its history: tracking is
	// the portal's busiest read, and needs neither the papers nor the
	// result's document that load reads.
	d, _, err := scanDossier(s.db.QueryRowContext(ctx, `SELECT `+dossierColumns+dossierFrom+` WHERE d.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		if s.cfg.Federated != nil {
			// A dossier of a system connected to this national portal.
			return s.cfg.Federated.Track(ctx, code, s.now())
		}
		return Tracking{}, fmt.Errorf("dossier %q: %w", code, egov.ErrNotFound)
	}
	if err != nil {
		return Tracking{}, fmt.Errorf("dossier %q: %w", code, err)
	}
	if d.History, err = history(ctx, s.db, d.ID); err != nil {
		return Tracking{}, err
	}
	t := Tracking{Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName,
		AgencyCode: d.AgencyCode, AgencyName: d.AgencyName, Status: d.Status, NationalCode: d.Status.National(),
		SubmittedAt: d.SubmittedAt, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, FinishedAt: d.FinishedAt,
		ReturnedAt: d.ReturnedAt, Timeliness: Timeliness(&d, s.now()), Steps: []TrackingEvent{},
		FeeStatus: d.FeeStatus(), FeeAmount: d.FeeDue()}
	for _, e := range d.History {
		if e.Action == "created" || e.Action == string(ActAssign) || e.Action == "rated" {
			continue
		}
		t.Steps = append(t.Steps, TrackingEvent{At: e.At, Action: e.Action, Status: e.ToStatus})
	}
	return t, nil
}

// Vietnam formats t as a date in Vietnam, for pages and e-mails.
func Vietnam(t time.Time) string { return t.In(calendar.Vietnam).Format("02/01/2006") }
