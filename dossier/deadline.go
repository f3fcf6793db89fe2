package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
)

// WarningHours is how long before a deadline, in working hours, the
// officials who must act are warned: half a working day leaves them the
// rest of it to act.
const WarningHours = 4

// SweepInterval is a sensible period for AddDeadlineSweep: short beside
// WarningHours, so that a warning leaves the official most of the time.
const SweepInterval = 10 * time.Minute

// sweepBatch bounds the dossiers one sweep warns; the next sweep takes the
// rest, the oldest deadlines first.
const sweepBatch = 500

// SweepArgs is the periodic job that warns officials of dossiers whose step
// is due soon or overdue (SweepDeadlines).
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "dossier_deadline_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *Service
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	n, err := w.svc.SweepDeadlines(ctx)
	if n > 0 {
		w.svc.log.InfoContext(ctx, "deadline sweep", "warned", n)
	}
	return err
}

// AddDeadlineSweep registers the deadline sweep in cfg: its worker, and a
// periodic job every every (SweepInterval when not positive) that also runs
// when the queue starts. Call it before jobs.New(db, *cfg).
//
// Replicas do not sweep twice: River's leader alone inserts periodic jobs,
// the job is unique in its period, and should two sweeps run at once
// anyway, each dossier is still warned once (SweepDeadlines).
func (s *Service) AddDeadlineSweep(cfg *jobs.Config, every time.Duration) {
	if every <= 0 {
		every = SweepInterval
	}
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	river.AddWorker(cfg.Workers, &sweepWorker{svc: s})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(
		river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			// A failed sweep is retried a little; the next period's
			// sweep takes over after that.
			return SweepArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: every}}
		},
		&river.PeriodicJobOpts{ID: SweepArgs{}.Kind(), RunOnStart: true},
	))
}

// sweepCandidate is what the sweep reads of a dossier.
type sweepCandidate struct {
	d        Dossier
	deadline time.Time
	stepDue  bool // deadline is the step's; else the appointment's
}

// recipient is an official to warn.
type recipient struct {
	id    int64
	name  string
	email string
}

// SweepDeadlines warns the officials who must act on open dossiers
// (submitted or processing; not those waiting for the applicant's papers,
// whose clock is stopped) whose current step is due within WarningHours
// working hours, or overdue. The deadline is the step's, or the
// appointment's when the step has none. Each dossier is warned once per
// step: the warning stamps step_warned_at, which entering the next step
// clears. It returns the number of dossiers warned.
//
// The warning goes to the assigned specialist when the step is a
// specialist's and someone is assigned (and reachable), else to every
// active official of the agency holding the dossier who has the step's
// role. Only officials with an e-mail address get one; a dossier with
// nobody to write to is still marked, and its audit entry says so.
//
// Each dossier is one transaction: the stamp, the e-mail jobs and the
// audit entry. The stamp is a conditional update, so two sweeps running at
// once (two replicas) warn each dossier once; a dossier that changed since
// it was read is left for the next sweep. At most 500 dossiers are warned
// per call, the oldest deadlines first.
func (s *Service) SweepDeadlines(ctx context.Context) (warned int, err error) {
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return 0, fmt.Errorf("deadline sweep: %w", err)
	}
	now := s.now()
	soon := cal.AddWorkingHours(now, WarningHours)
	candidates, err := s.sweepCandidates(ctx, soon)
	if err != nil {
		return 0, err
	}
	procs := map[string]*egov.Procedure{}
	staff := map[string][]recipient{}
	var failed int
	var first error
	for _, c := range candidates {
		if err := ctx.Err(); err != nil {
			return warned, err
		}
		ok, err := s.warn(ctx, &c, now, procs, staff)
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
			s.log.ErrorContext(ctx, "deadline warning", "dossier", c.d.Code, "err", err)
			continue
		}
		if ok {
			warned++
		}
	}
	if first != nil {
		return warned, fmt.Errorf("deadline sweep: %d of %d dossiers failed, the first: %w", failed, len(candidates), first)
	}
	return warned, nil
}

// sweepCandidates reads the open dossiers not yet warned about their step
// whose deadline falls before soon.
func (s *Service) sweepCandidates(ctx context.Context, soon time.Time) ([]sweepCandidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, COALESCE(d.code, ''), d.procedure_code, d.procedure_name,
		COALESCE(d.agency_code, ''), COALESCE(d.handler_agency, ''), d.status, d.step, d.step_role,
		COALESCE(d.assignee_id, 0), COALESCE(d.process_id, 0), d.transfer_from_step, d.version, d.due_at, d.step_due_at
		FROM dossiers d
		WHERE d.status IN ($1, $2) AND d.step_warned_at IS NULL AND COALESCE(d.step_due_at, d.due_at) <= $3
		ORDER BY COALESCE(d.step_due_at, d.due_at), d.id LIMIT $4`,
		string(StatusSubmitted), string(StatusProcessing), soon, sweepBatch)
	if err != nil {
		return nil, fmt.Errorf("deadline sweep: %w", err)
	}
	defer rows.Close()
	var out []sweepCandidate
	for rows.Next() {
		var c sweepCandidate
		d := &c.d
		var due, stepDue nullTime
		if err := rows.Scan(&d.ID, &d.Code, &d.ProcedureCode, &d.ProcedureName, &d.AgencyCode, &d.HandlerAgency,
			&d.Status, &d.Step, &d.StepRole, &d.AssigneeID, &d.ProcessID, &d.TransferFromStep, &d.Version,
			&due, &stepDue); err != nil {
			return nil, fmt.Errorf("deadline sweep: %w", err)
		}
		d.DueAt, d.StepDueAt = due.ptr(), stepDue.ptr()
		if d.StepDueAt != nil {
			c.deadline, c.stepDue = *d.StepDueAt, true
		} else {
			c.deadline = *d.DueAt
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deadline sweep: %w", err)
	}
	return out, nil
}

// warn warns about one dossier in one transaction. Everything it reads
// (procedure, process, officials) is read before the transaction begins:
// with SQLite, a transaction that asked the pool for another connection
// could wait for ever. It reports false when another sweep warned the
// dossier first or the dossier changed since it was read.
func (s *Service) warn(ctx context.Context, c *sweepCandidate, now time.Time, procs map[string]*egov.Procedure, staff map[string][]recipient) (bool, error) {
	d := &c.d
	step := Step{Name: d.Step, Title: d.Step, Role: identity.Role(d.StepRole)}
	proc, ok := procs[d.ProcedureCode]
	if !ok {
		p, err := s.catalog.Procedure(ctx, d.ProcedureCode)
		switch {
		case err == nil:
			proc = &p
		case !errors.Is(err, egov.ErrNotFound):
			return false, fmt.Errorf("procedure %s: %w", d.ProcedureCode, err)
		}
		procs[d.ProcedureCode] = proc // nil: gone from the catalog
	}
	if proc != nil {
		st, _, err := stepOf(ctx, s.db, d, proc)
		switch {
		case err == nil:
			step = st
		case !errors.Is(err, egov.ErrConflict):
			return false, err
		}
		// A step the process no longer has: the role the dossier
		// recorded when it entered it still says who acts.
	}
	to, err := s.responsible(ctx, d, step.Role, staff)
	if err != nil {
		return false, err
	}
	overdue := now.After(c.deadline)
	var done bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Not a change officials race on: the version stays, so that
		// nobody's form is refused for a warning. It must match the one
		// read, though: a dossier that moved meanwhile is not warned
		// about a step it has left.
		res, err := tx.ExecContext(ctx, `UPDATE dossiers SET step_warned_at = $1
			WHERE id = $2 AND step_warned_at IS NULL AND version = $3`, now, d.ID, d.Version)
		if err != nil {
			return fmt.Errorf("warn dossier %s: %w", d.Ref(), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("warn dossier %s: %w", d.Ref(), err)
		}
		if n != 1 {
			return nil
		}
		ids := []int64{}
		for _, r := range to {
			if s.queue != nil {
				if err := s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: s.deadlineEmail(c, step, r, now)}, nil); err != nil {
					return err
				}
			}
			ids = append(ids, r.id)
		}
		if _, err := s.audit.Append(ctx, tx, audit.Entry{Actor: (*identity.Account)(nil).Actor(), Action: "dossier.deadline_warned",
			Subject: "dossier:" + d.Ref(), AgencyCode: d.AgencyCode, Details: map[string]any{
				"step": d.Step, "role": string(step.Role), "handler_agency": handler(d),
				"deadline": c.deadline.Format(time.RFC3339), "step_deadline": c.stepDue,
				"overdue": overdue, "recipients": ids,
			}}); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// responsible returns the officials to warn about d, whose step is role's:
// the assigned specialist, else the active officials of the agency holding
// d with that role; only those with an e-mail address. An assignee who was
// disabled or has no address cannot be reached, so the step's officials
// are warned instead: someone must know. staff caches the officials by
// agency and role for one sweep.
func (s *Service) responsible(ctx context.Context, d *Dossier, role identity.Role, staff map[string][]recipient) ([]recipient, error) {
	if d.AssigneeID != 0 && role == identity.RoleSpecialist {
		var r recipient
		err := s.db.QueryRowContext(ctx, `SELECT id, full_name, email FROM accounts
			WHERE id = $1 AND kind = 'official' AND disabled_at IS NULL AND email <> ''`, d.AssigneeID).Scan(&r.id, &r.name, &r.email)
		if err == nil {
			return []recipient{r}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("assignee of dossier %s: %w", d.Ref(), err)
		}
	}
	agency := handler(d)
	if agency == "" || role == "" {
		return nil, nil
	}
	key := agency + "\x00" + string(role)
	if rs, ok := staff[key]; ok {
		return rs, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.full_name, a.email FROM accounts a
		JOIN account_roles r ON r.account_id = a.id AND r.role = $2
		WHERE a.kind = 'official' AND a.agency_code = $1 AND a.disabled_at IS NULL AND a.email <> ''
		ORDER BY a.id`, agency, string(role))
	if err != nil {
		return nil, fmt.Errorf("officials of %s: %w", agency, err)
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.id, &r.name, &r.email); err != nil {
			return nil, fmt.Errorf("officials of %s: %w", agency, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("officials of %s: %w", agency, err)
	}
	staff[key] = out
	return out, nil
}

// deadlineEmail is the warning to one official.
func (s *Service) deadlineEmail(c *sweepCandidate, step Step, r recipient, now time.Time) notify.Email {
	d := &c.d
	overdue := now.After(c.deadline)
	when := c.deadline.In(calendar.Vietnam).Format("15:04 02/01/2006")
	what := "Hạn xử lý bước"
	if !c.stepDue {
		what = "Hạn trả kết quả"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Kính gửi %s,\n\n", r.name)
	subject := fmt.Sprintf("Hồ sơ %s sắp đến hạn xử lý", d.Code)
	if overdue {
		subject = fmt.Sprintf("Hồ sơ %s đã quá hạn xử lý", d.Code)
		fmt.Fprintf(&b, "Hồ sơ %s đã quá hạn ở bước %s.\n", d.Code, step.Title)
	} else {
		fmt.Fprintf(&b, "Hồ sơ %s sắp đến hạn ở bước %s: còn dưới %d giờ làm việc.\n", d.Code, step.Title, WarningHours)
	}
	fmt.Fprintf(&b, "\nThủ tục: %s\n", d.ProcedureName)
	fmt.Fprintf(&b, "Bước: %s\n", step.Title)
	fmt.Fprintf(&b, "%s: %s\n", what, when)
	if d.AssigneeID != 0 && d.AssigneeID == r.id {
		b.WriteString("Hồ sơ được phân công cho ông/bà thụ lý.\n")
	}
	fmt.Fprintf(&b, "\nXem và xử lý hồ sơ: %s/ho-so/%s\n", s.cfg.PublicURL, d.Code)
	if d.DueAt != nil && now.After(*d.DueAt) {
		b.WriteString("\nĐã quá ngày hẹn trả kết quả: lập phiếu xin lỗi và hẹn lại ngày trả kết quả cho người nộp.\n")
	}
	b.WriteString("\nThư này được gửi tự động, vui lòng không trả lời.\n")
	return notify.Email{To: r.email, Subject: subject, Text: b.String()}
}
