package federation

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/oauth2"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/jobs"
)

// CatalogPath is where a national instance serves its whole catalog of
// procedures to the connected systems, in the JSON of egov import catalog.
const CatalogPath = "/api/v1/federation/catalog"

// Importer is the catalog of a provincial instance, which takes the
// national catalog's procedures (catalog.Service).
type Importer interface {
	Import(ctx context.Context, records []catalog.Record, opts catalog.ImportOptions) (catalog.ImportResult, error)
}

// SyncCatalog takes the national catalog's procedures, codes and records,
// into the instance's catalog: new ones are added and changed ones
// replaced, all or nothing, as egov import catalog does. What the instance
// keeps of its own, the agencies' processes for the procedures, stays.
func (s *Service) SyncCatalog(ctx context.Context, into Importer) (catalog.ImportResult, error) {
	if s.creds == nil {
		return catalog.ImportResult{}, fmt.Errorf("catalog sync: no national portal configured (--national-url)")
	}
	client := s.creds.Client(context.WithValue(ctx, oauth2.HTTPClient, s.cfg.Client))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.NationalURL+CatalogPath, nil)
	if err != nil {
		return catalog.ImportResult{}, fmt.Errorf("catalog sync: %w", err)
	}
	res, err := client.Do(req)
	if err != nil {
		return catalog.ImportResult{}, fmt.Errorf("catalog sync: %w: %v", errTransient, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		answer, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		return catalog.ImportResult{}, fmt.Errorf("catalog sync: the national portal answered HTTP %d: %s", res.StatusCode, answer)
	}
	records, err := catalog.DecodeJSON(res.Body)
	if err != nil {
		return catalog.ImportResult{}, fmt.Errorf("catalog sync: the national catalog: %w", err)
	}
	out, err := into.Import(ctx, records, catalog.ImportOptions{})
	if err != nil {
		return out, fmt.Errorf("catalog sync: %w", err)
	}
	s.log.InfoContext(ctx, "federation: national catalog taken", "procedures", len(records), "added", out.Added, "updated", out.Updated)
	return out, nil
}

// CatalogSyncArgs is the periodic job that takes the national catalog.
type CatalogSyncArgs struct{}

// Kind is River's name of the job.
func (CatalogSyncArgs) Kind() string { return "federation_catalog_sync" }

type catalogSyncWorker struct {
	river.WorkerDefaults[CatalogSyncArgs]
	svc  *Service
	into Importer
}

func (w *catalogSyncWorker) Work(ctx context.Context, _ *river.Job[CatalogSyncArgs]) error {
	_, err := w.svc.SyncCatalog(ctx, w.into)
	return err
}

// AddCatalogSync takes the national catalog into into every interval, and
// once at start, when the instance reports to a national portal. Call it
// before jobs.New(db, *cfg).
func (s *Service) AddCatalogSync(cfg *jobs.Config, into Importer, every time.Duration) {
	if s.creds == nil {
		return
	}
	river.AddWorker(cfg.Workers, &catalogSyncWorker{svc: s, into: into})
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return CatalogSyncArgs{}, &river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: every}}
		}, &river.PeriodicJobOpts{ID: CatalogSyncArgs{}.Kind(), RunOnStart: true}))
}
