// Package jobs runs the platform's background work on River, on whichever
// database the platform uses: jobs are rows in the same database, inserted
// in the same transaction as the change that causes them, so a job exists
// if and only if its cause was committed.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/egov-vn/egov/store"
)

// Queue is the platform's job queue.
type Queue struct {
	client *river.Client[*sql.Tx]
}

func driver(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == store.Postgres {
		return riverdatabasesql.New(db.DB)
	}
	return riversqlite.New(db.DB)
}

// Migrate returns a function that applies River's own migrations; pass it
// to store.DB.Migrate so that it runs under the same lock.
func Migrate(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		m, err := rivermigrate.New(driver(db), nil)
		if err != nil {
			return fmt.Errorf("job queue migrations: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("job queue migrations: %w", err)
		}
		return nil
	}
}

// Config says what the queue works.
type Config struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	Logger   *slog.Logger
	// MaxWorkers bounds concurrent jobs on this replica (default 10).
	MaxWorkers int
	// PollInterval is how often idle workers look for new jobs (default 1s).
	// PostgreSQL through database/sql and SQLite have no LISTEN/NOTIFY, so
	// polling is how a job inserted by another replica is seen.
	PollInterval time.Duration
}

// New builds a queue over db. Start it to work jobs; a queue that is never
// started can still insert them.
func New(db *store.DB, cfg Config) (*Queue, error) {
	if cfg.MaxWorkers == 0 {
		cfg.MaxWorkers = 10
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	rc := &river.Config{
		Logger:            cfg.Logger,
		Workers:           cfg.Workers,
		PeriodicJobs:      cfg.Periodic,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		PollOnly:          true,
	}
	if cfg.Workers != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	client, err := river.NewClient(driver(db), rc)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start begins working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

// InsertTx adds a job in tx: it becomes visible to workers when tx commits
// and vanishes if tx rolls back.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("queue %s job: %w", args.Kind(), err)
	}
	return nil
}

// Client exposes the River client for subscriptions in tests and for
// packages that need River's richer API.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }
