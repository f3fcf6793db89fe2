package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

type echoArgs struct {
	Message string `json:"message"`
}

func (echoArgs) Kind() string { return "test_echo" }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	done chan string
}

func (w *echoWorker) Work(ctx context.Context, job *river.Job[echoArgs]) error {
	w.done <- job.Args.Message
	return nil
}

// A job inserted in a transaction runs after commit, and a job inserted in
// a transaction that rolls back never runs.
func TestJobRunsOnlyAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done := make(chan string, 4)
		workers := river.NewWorkers()
		river.AddWorker(workers, &echoWorker{done: done})
		q, err := jobs.New(db, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())

		rollback := errors.New("rollback")
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if err := q.InsertTx(ctx, tx, echoArgs{"rolled back"}, nil); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("tx error = %v", err)
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			return q.InsertTx(ctx, tx, echoArgs{"committed"}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-done:
			if got != "committed" {
				t.Errorf("worked %q, want committed", got)
			}
		case <-ctx.Done():
			t.Fatal("committed job was not worked within 30s")
		}
		select {
		case got := <-done:
			t.Errorf("unexpected job worked: %q", got)
		case <-time.After(300 * time.Millisecond):
		}
	}, jobs.Migrate)
}

func TestHeartbeatRunsOnStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		before, err := jobs.LastHeartbeat(ctx, db)
		if err != nil || !before.IsZero() {
			t.Fatalf("before start: %v, %v; want zero time", before, err)
		}
		cfg := jobs.Config{PollInterval: 50 * time.Millisecond}
		jobs.AddHeartbeat(db, &cfg)
		q, err := jobs.New(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		for {
			at, err := jobs.LastHeartbeat(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if !at.IsZero() {
				if d := time.Since(at); d < 0 || d > time.Minute {
					t.Errorf("heartbeat at %v is %v from now", at, d)
				}
				return
			}
			select {
			case <-ctx.Done():
				t.Fatal("no heartbeat within 30s of start")
			case <-time.After(100 * time.Millisecond):
			}
		}
	}, jobs.Migrate)
}
