package exchange

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
)

// MessageIDHeader carries the message's ID on a push, so that a recipient
// can recognise a repeat without parsing the body.
const MessageIDHeader = "X-Edxml-Message-Id"

// maxBackoff is the longest wait between two pushes to a recipient that is
// down.
const maxBackoff = 10 * time.Minute

type pushWorker struct {
	river.WorkerDefaults[PushArgs]
	svc *Service
}

// NextRetry doubles the wait from 2 seconds up to maxBackoff: a recipient
// back after a while gets its messages within minutes, not River's hours.
func (w *pushWorker) NextRetry(job *river.Job[PushArgs]) time.Time {
	wait := maxBackoff
	if job.Attempt < 10 {
		wait = min(time.Duration(1<<job.Attempt)*time.Second, maxBackoff)
	}
	return time.Now().Add(wait)
}

func (w *pushWorker) Timeout(*river.Job[PushArgs]) time.Duration { return 10 * time.Minute }

func (w *pushWorker) Work(ctx context.Context, job *river.Job[PushArgs]) error {
	n, err := w.svc.Push(ctx, job.Args.Recipient)
	if n > 0 {
		w.svc.log.Info("exchange: pushed", "recipient", job.Args.Recipient, "messages", n)
	}
	return err
}

// Push delivers the pending messages of recipient to its endpoint, oldest
// first, and stops at the first that fails, so that none overtakes
// another. A delivery pending longer than Config.GiveUpAfter is given up
// and the administrator alerted. It returns how many it delivered.
func (s *Service) Push(ctx context.Context, recipient string) (int, error) {
	var endpoint string
	err := s.db.QueryRowContext(ctx, `SELECT endpoint FROM exchange_members WHERE agency_code = $1`, recipient).Scan(&endpoint)
	if errors.Is(err, sql.ErrNoRows) || err == nil && endpoint == "" {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("push to %s: %w", recipient, err)
	}
	sent := 0
	for {
		var d struct {
			id                int64
			messageID, sender string
			body              string
			created           time.Time
		}
		err := s.db.QueryRowContext(ctx, `SELECT d.id, m.message_id, m.sender, m.body, d.created_at
			FROM exchange_deliveries d JOIN exchange_messages m ON m.id = d.message_id
			WHERE d.recipient = $1 AND d.state = 'pending' ORDER BY d.id LIMIT 1`, recipient).Scan(&d.id, &d.messageID, &d.sender, &d.body, &d.created)
		if errors.Is(err, sql.ErrNoRows) {
			return sent, nil
		}
		if err != nil {
			return sent, fmt.Errorf("push to %s: %w", recipient, err)
		}
		if s.now().Sub(d.created) > s.cfg.GiveUpAfter {
			if err := s.giveUp(ctx, d.id, d.messageID, d.sender, recipient); err != nil {
				return sent, err
			}
			continue
		}
		perr := s.post(ctx, endpoint, d.messageID, []byte(d.body))
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			if perr == nil {
				return s.delivered(ctx, tx, d.id, d.messageID, d.sender, recipient, "push", "")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE exchange_deliveries SET attempts = attempts + 1, last_error = $1, last_attempt_at = $2 WHERE id = $3`,
				perr.Error(), s.now(), d.id); err != nil {
				return fmt.Errorf("delivery %d: %w", d.id, err)
			}
			var j journal
			j.add(recipient, "", "delivery_failed", d.messageID, d.sender, map[string]any{"recipient": recipient, "error": perr.Error()})
			return s.write(ctx, tx, j)
		})
		if err != nil {
			return sent, err
		}
		if perr != nil {
			return sent, fmt.Errorf("push %s to %s: %w", d.messageID, recipient, perr)
		}
		sent++
	}
}

// post sends one message to a recipient's endpoint; a 2xx answer is its
// acknowledgement.
func (s *Service) post(ctx context.Context, endpoint, messageID string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	req.Header.Set(MessageIDHeader, messageID)
	res, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	// The answer's body is drained, not kept: what the recipient's server
	// says is not for the sender and the other recipients to read.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return nil
}

// giveUp ends a delivery that could not be made in time and alerts the
// administrator, in one transaction.
func (s *Service) giveUp(ctx context.Context, id int64, messageID, sender, recipient string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_deliveries SET state = 'given_up' WHERE id = $1 AND state = 'pending'`, id)
		if err != nil {
			return fmt.Errorf("delivery %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // delivered or recalled meanwhile
		}
		s.log.Error("exchange: delivery given up; the recipient's endpoint did not answer in time",
			"message_id", messageID, "sender", sender, "recipient", recipient, "after", s.cfg.GiveUpAfter.String())
		if s.queue != nil && s.cfg.AdminEmail != "" {
			mail := notify.Email{To: s.cfg.AdminEmail, Subject: "Trục liên thông: không chuyển được văn bản " + messageID,
				Text: fmt.Sprintf("Văn bản %s của %s không chuyển được đến %s sau %s: địa chỉ nhận của %s không trả lời.\n"+
					"Văn bản vẫn được lưu trên trục; hãy liên hệ đơn vị nhận và gửi lại khi hệ thống của họ hoạt động.\n",
					messageID, sender, recipient, s.cfg.GiveUpAfter, recipient)}
			if err := s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: mail}, nil); err != nil {
				return err
			}
		}
		var j journal
		j.add(recipient, "", "given_up", messageID, sender, map[string]any{"recipient": recipient})
		return s.write(ctx, tx, j)
	})
}

// SweepArgs is the periodic job that queues a push for every recipient
// with messages waiting, in case one was missed (a message submitted just
// as its recipient's push finished).
type SweepArgs struct{}

// Kind is River's name of the job.
func (SweepArgs) Kind() string { return "exchange_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	return w.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT d.recipient FROM exchange_deliveries d
			JOIN exchange_members m ON m.agency_code = d.recipient WHERE d.state = 'pending' AND m.endpoint <> ''`)
		if err != nil {
			return fmt.Errorf("exchange sweep: %w", err)
		}
		var recipients []string
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return fmt.Errorf("exchange sweep: %w", err)
			}
			recipients = append(recipients, r)
		}
		rows.Close()
		for _, r := range recipients {
			if err := w.svc.queuePush(ctx, tx, r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// AddWorkers registers the push and sweep workers in cfg, with the sweep
// every minute. Call it before jobs.New(db, *cfg).
func (s *Service) AddWorkers(cfg *jobs.Config) {
	river.AddWorker(cfg.Workers, &pushWorker{svc: s})
	river.AddWorker(cfg.Workers, &sweepWorker{svc: s})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) {
			return SweepArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
		}, &river.PeriodicJobOpts{ID: SweepArgs{}.Kind(), RunOnStart: true}))
}
