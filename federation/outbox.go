package federation

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
)

// SyncTx writes, in tx, the push of d's change to the national portal and
// the job that sends it. history is d's whole history, the change's entry
// last. A draft (no code yet) is not the national portal's business.
func (s *Service) SyncTx(ctx context.Context, tx *sql.Tx, d *dossier.Dossier, history []dossier.Event) error {
	if s.creds == nil || d.Code == "" {
		return nil
	}
	var fieldName string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM fields WHERE code = $1`, d.FieldCode).Scan(&fieldName); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("field of dossier %s: %w", d.Code, err)
	}
	p := RecordOf(d, history, fieldName)
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("push of dossier %s: %w", d.Code, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO federation_outbox (dossier_code, seq, body, state, created_at) VALUES ($1, $2, $3, 'pending', $4)`,
		d.Code, p.Seq(), string(body), s.now()); err != nil {
		return fmt.Errorf("push of dossier %s: %w", d.Code, err)
	}
	return s.queuePush(ctx, tx)
}

// PushArgs is the job that sends the outbox to the national portal, in
// order.
type PushArgs struct{}

// Kind is River's name of the job.
func (PushArgs) Kind() string { return "federation_push" }

func (s *Service) queuePush(ctx context.Context, tx *sql.Tx) error {
	if s.queue == nil {
		return nil
	}
	// One job at a time: it sends the outbox oldest first.
	return s.queue.InsertTx(ctx, tx, PushArgs{}, &river.InsertOpts{MaxAttempts: 1000,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}})
}

type pushWorker struct {
	river.WorkerDefaults[PushArgs]
	svc *Service
}

// NextRetry doubles the wait from 2 seconds up to Config.MaxBackoff: the
// national portal back after a while gets the outbox within minutes.
func (w *pushWorker) NextRetry(job *river.Job[PushArgs]) time.Time {
	wait := w.svc.cfg.MaxBackoff
	if job.Attempt < 20 {
		wait = min(time.Duration(1<<job.Attempt)*time.Second, wait)
	}
	return time.Now().Add(wait)
}

func (w *pushWorker) Timeout(*river.Job[PushArgs]) time.Duration { return 10 * time.Minute }

func (w *pushWorker) Work(ctx context.Context, _ *river.Job[PushArgs]) error {
	n, err := w.svc.Push(ctx)
	if n > 0 {
		w.svc.log.Info("federation: pushed to the national portal", "pushes", n)
	}
	return err
}

// outboxKeep is how long delivered pushes stay in the outbox.
const outboxKeep = 30 * 24 * time.Hour

// errTransient is a failure that a later attempt may not meet: the national
// portal down, unreachable or failing.
var errTransient = errors.New("national portal unavailable")

// Push sends the outbox to the national portal, oldest first, and stops at
// the first push that fails for a reason that may pass (the portal down), so
// that none overtakes another. A push the portal refuses (an unknown
// procedure, an agency this instance does not speak for...) will never be
// taken: it is marked refused, logged as an error, and the next goes. It
// returns how many were taken.
func (s *Service) Push(ctx context.Context) (int, error) {
	if s.creds == nil {
		return 0, nil
	}
	client := s.creds.Client(context.WithValue(ctx, oauth2.HTTPClient, s.cfg.Client))
	sent := 0
	for {
		var id int64
		var code, body string
		var seq int
		err := s.db.QueryRowContext(ctx, `SELECT id, dossier_code, seq, body FROM federation_outbox WHERE state = 'pending' ORDER BY id LIMIT 1`).
			Scan(&id, &code, &seq, &body)
		if errors.Is(err, sql.ErrNoRows) {
			// Delivered pushes are kept a while, for operators to see what
			// went; then the outbox forgets them.
			if _, err := s.db.ExecContext(ctx, `DELETE FROM federation_outbox WHERE state = 'delivered' AND sent_at < $1`,
				s.now().Add(-outboxKeep)); err != nil {
				s.log.WarnContext(ctx, "federation: clearing the outbox", "err", err)
			}
			return sent, nil
		}
		if err != nil {
			return sent, fmt.Errorf("federation outbox: %w", err)
		}
		status, answer, perr := s.post(ctx, client, []byte(body))
		state := "pending"
		switch {
		case perr != nil:
		case status/100 == 2:
			state = "delivered"
		case status == http.StatusConflict && errorCode(answer) == "stale":
			// The portal has newer: nothing lost.
			state = "delivered"
		case status == http.StatusUnauthorized || status == http.StatusTooManyRequests || status >= 500 || status == http.StatusRequestTimeout:
			perr = fmt.Errorf("%w: HTTP %d %s", errTransient, status, answer)
		default:
			state = "refused"
		}
		now := s.now()
		lastError := ""
		if perr != nil {
			lastError = perr.Error()
		} else if state == "refused" {
			lastError = fmt.Sprintf("HTTP %d: %s", status, answer)
			s.log.ErrorContext(ctx, "federation: the national portal refused a push; it will not be sent again",
				"dossier", code, "seq", seq, "status", status, "answer", string(answer))
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE federation_outbox SET state = $1, attempts = attempts + 1, last_error = $2,
			sent_at = CASE WHEN $1 = 'pending' THEN sent_at ELSE $3 END WHERE id = $4`, state, lastError, now, id); err != nil {
			return sent, fmt.Errorf("federation outbox %d: %w", id, err)
		}
		if perr != nil {
			return sent, fmt.Errorf("push of %s (step %d): %w", code, seq, perr)
		}
		sent++
	}
}

// post sends one push; a network failure is an error, an answer is its
// status and (bounded) body.
func (s *Service) post(ctx context.Context, client *http.Client, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.NationalURL+"/api/v1/federation/dossiers", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTransient, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 8<<10))
	return res.StatusCode, bytes.TrimSpace(answer), nil
}

// SweepArgs is the periodic job that queues a push when the outbox has
// pushes waiting and no job to send them (one written just as the last
// push job finished, or one whose job gave up).
type SweepArgs struct{}

// Kind is River's name of the job.
func (SweepArgs) Kind() string { return "federation_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	return w.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM federation_outbox WHERE state = 'pending'`).Scan(&n); err != nil {
			return fmt.Errorf("federation sweep: %w", err)
		}
		if n == 0 {
			return nil
		}
		return w.svc.queuePush(ctx, tx)
	})
}

// AddWorkers registers the push and sweep workers in cfg, when this
// instance reports to a national portal. Call it before jobs.New(db, *cfg).
func (s *Service) AddWorkers(cfg *jobs.Config) {
	if s.creds == nil {
		return
	}
	river.AddWorker(cfg.Workers, &pushWorker{svc: s})
	river.AddWorker(cfg.Workers, &sweepWorker{svc: s})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) {
			return SweepArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
		}, &river.PeriodicJobOpts{ID: SweepArgs{}.Kind(), RunOnStart: true}))
}

// Outbox counts the pushes by state, for operators and tests.
func (s *Service) Outbox(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM federation_outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("federation outbox: %w", err)
	}
	defer rows.Close()
	out := map[string]int{"pending": 0, "delivered": 0, "refused": 0}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("federation outbox: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// errorCode is the code of an API error body {"error":{"code":...}}.
func errorCode(answer []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &e) != nil {
		return ""
	}
	return e.Error.Code
}
