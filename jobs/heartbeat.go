package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov/store"
)

// HeartbeatArgs is a periodic job that proves the queue is working: each
// run stamps the time in job_heartbeat, and readiness checks and metrics
// read it. A stale heartbeat means jobs (e-mails, deliveries, deadline
// sweeps) are not running, which no request would otherwise reveal.
type HeartbeatArgs struct{}

// Kind implements river.JobArgs.
func (HeartbeatArgs) Kind() string { return "heartbeat" }

// HeartbeatInterval is how often the heartbeat job runs.
const HeartbeatInterval = time.Minute

type heartbeatWorker struct {
	river.WorkerDefaults[HeartbeatArgs]
	db *store.DB
}

func (w *heartbeatWorker) Work(ctx context.Context, job *river.Job[HeartbeatArgs]) error {
	host, _ := os.Hostname()
	_, err := w.db.ExecContext(ctx, `INSERT INTO job_heartbeat (id, beat_at, worker) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, worker = excluded.worker`, time.Now().UTC(), host)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// AddHeartbeat registers the heartbeat worker and its schedule in cfg.
func AddHeartbeat(db *store.DB, cfg *Config) {
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	river.AddWorker(cfg.Workers, &heartbeatWorker{db: db})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(
		river.PeriodicInterval(HeartbeatInterval),
		func() (river.JobArgs, *river.InsertOpts) { return HeartbeatArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	))
}

// LastHeartbeat returns when the heartbeat job last ran, or the zero time
// if it never has.
func LastHeartbeat(ctx context.Context, db *store.DB) (time.Time, error) {
	var t time.Time
	err := db.QueryRowContext(ctx, `SELECT beat_at FROM job_heartbeat WHERE id = 1`).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return t, fmt.Errorf("read job heartbeat: %w", err)
	}
	return t, nil
}
