// Package catalog is the national database of administrative procedures:
// the agencies that carry them out, the procedures themselves, their import
// and export, and the search citizens use to find the right one.
package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/store"
)

// defaultCacheSize is how many distinct searches each replica remembers.
const defaultCacheSize = 4096

// CacheResults sets how many distinct searches are remembered until the
// catalog changes; 0 turns the cache off (benchmarks of the search itself).
func (s *Service) CacheResults(n int) {
	s.cacheSize.Store(int64(n))
	if ix := s.index.Load(); ix != nil {
		ix.CacheResults(n)
	}
}

// Service is the catalog. It is safe for concurrent use.
type Service struct {
	db  *store.DB
	log *slog.Logger

	index     atomic.Pointer[Index]
	revision  atomic.Int64
	rebuild   sync.Mutex
	cacheSize atomic.Int64

	// Records read by code, for the revision they were read at: a dossier
	// reads its procedure and agencies on every change, and a procedure
	// record is tens of kilobytes of JSON to decode.
	procs    *lru.Cache[string, cached[egov.Procedure]]
	agencies *lru.Cache[string, cached[egov.Agency]]
}

// cached is a record and the catalog revision it was read at.
type cached[T any] struct {
	rev int64
	v   T
}

// recordCacheSize is how many procedures and agencies each replica keeps
// decoded.
const recordCacheSize = 2048

// NewService returns the catalog over db. Call Refresh before searching.
func NewService(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, log: log}
	s.procs, _ = lru.New[string, cached[egov.Procedure]](recordCacheSize)     // only fails for a size <= 0
	s.agencies, _ = lru.New[string, cached[egov.Agency]](recordCacheSize * 4) // ditto
	s.revision.Store(-1)
	s.cacheSize.Store(defaultCacheSize)
	return s
}

// Refresh rebuilds the search index if the catalog changed since the last
// build, here or on another replica.
func (s *Service) Refresh(ctx context.Context) error {
	rev, err := readRevision(ctx, s.db)
	if err != nil {
		return err
	}
	if rev == s.revision.Load() && s.index.Load() != nil {
		return nil
	}
	s.rebuild.Lock()
	defer s.rebuild.Unlock()
	if rev == s.revision.Load() && s.index.Load() != nil {
		return nil
	}
	start := time.Now()
	procs, err := allProcedures(ctx, s.db)
	if err != nil {
		return err
	}
	ix, err := NewIndex(procs)
	if err != nil {
		return err
	}
	ix.CacheResults(int(s.cacheSize.Load()))
	if old := s.index.Swap(ix); old != nil {
		// Searches that already hold the old index finish first: bleve
		// waits for them on Close.
		go old.Close()
	}
	s.revision.Store(rev)
	s.log.InfoContext(ctx, "catalog search index built", "procedures", len(procs), "revision", rev, "took_ms", time.Since(start).Milliseconds())
	return nil
}

// Watch refreshes the index every interval until ctx ends, so that a
// replica sees imports made elsewhere.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "refresh catalog index", "err", err)
			}
		}
	}
}

// Close releases the search index.
func (s *Service) Close() error {
	if ix := s.index.Swap(nil); ix != nil {
		return ix.Close()
	}
	return nil
}

// MaxPage bounds a page of search results, and MaxOffset how deep paging
// goes: nobody reads past the thousandth result, and deep pages are costly.
const (
	MaxPage   = 100
	MaxOffset = 10000
)

// Validate checks the parameters of q.
func (q *Query) Validate() egov.FieldErrors {
	fe := egov.FieldErrors{}
	if q.Level != "" && !q.Level.Valid() {
		fe["level"] = "cấp phải là central, province, district hoặc commune"
	}
	if q.Online != "" && !q.Online.Valid() {
		fe["online"] = "mức độ trực tuyến phải là information, partial hoặc full"
	}
	if q.Target != "" && q.Target != egov.TargetCitizen && q.Target != egov.TargetBusiness {
		fe["target"] = "đối tượng phải là citizen hoặc business"
	}
	if q.Limit < 0 || q.Limit > MaxPage {
		fe["limit"] = fmt.Sprintf("số kết quả mỗi trang phải từ 1 đến %d", MaxPage)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		fe["offset"] = fmt.Sprintf("vị trí bắt đầu phải từ 0 đến %d", MaxOffset)
	}
	if len([]rune(q.Text)) > 200 {
		fe["q"] = "từ khóa tìm kiếm dài quá 200 ký tự"
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Search finds procedures. See Index.Search for how text is matched.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if fe := q.Validate(); fe != nil {
		return Result{}, fe
	}
	if q.Agency != "" {
		a, err := getAgency(ctx, s.db, q.Agency)
		if errors.Is(err, egov.ErrNotFound) {
			return Result{}, egov.FieldErrors{"agency": fmt.Sprintf("không có cơ quan mã %q", q.Agency)}
		}
		if err != nil {
			return Result{}, err
		}
		q.AgencyLevel = a.Level
	}
	ix := s.index.Load()
	if ix == nil {
		if err := s.Refresh(ctx); err != nil {
			return Result{}, err
		}
		ix = s.index.Load()
	}
	return ix.Search(q)
}

// Procedure returns the whole record of one procedure. Records are kept
// decoded until the catalog's revision changes (seen by Refresh, within 30
// seconds on another replica); the caller must not modify the slices of
// the record it gets.
func (s *Service) Procedure(ctx context.Context, code string) (egov.Procedure, error) {
	rev := s.revision.Load()
	if c, ok := s.procs.Get(code); ok && rev >= 0 && c.rev == rev {
		return c.v, nil
	}
	p, err := getProcedure(ctx, s.db, code)
	if err == nil && rev >= 0 {
		s.procs.Add(code, cached[egov.Procedure]{rev, p})
	}
	return p, err
}

// Procedures returns every procedure, ordered by code.
func (s *Service) Procedures(ctx context.Context) ([]egov.Procedure, error) {
	return allProcedures(ctx, s.db)
}

// Agency returns one agency, kept like procedures.
func (s *Service) Agency(ctx context.Context, code string) (egov.Agency, error) {
	rev := s.revision.Load()
	if c, ok := s.agencies.Get(code); ok && rev >= 0 && c.rev == rev {
		return c.v, nil
	}
	a, err := getAgency(ctx, s.db, code)
	if err == nil && rev >= 0 {
		s.agencies.Add(code, cached[egov.Agency]{rev, a})
	}
	return a, err
}

// Agencies lists agencies.
func (s *Service) Agencies(ctx context.Context, f AgencyFilter) ([]egov.Agency, error) {
	if f.Level != "" && !f.Level.Valid() {
		return nil, egov.FieldErrors{"level": "cấp phải là central, province, district hoặc commune"}
	}
	return listAgencies(ctx, s.db, f)
}

// Fields lists the fields of state management.
func (s *Service) Fields(ctx context.Context) ([]egov.Field, error) { return listFields(ctx, s.db) }

// LifeEvents lists the life events, in display order.
func (s *Service) LifeEvents(ctx context.Context) ([]egov.LifeEvent, error) {
	return listLifeEvents(ctx, s.db)
}

func (s *Service) reference(ctx context.Context, q querier) (Reference, error) {
	ref := Reference{Fields: map[string]egov.Field{}, LifeEvents: map[string]egov.LifeEvent{}}
	fields, err := listFields(ctx, q)
	if err != nil {
		return ref, err
	}
	for _, f := range fields {
		ref.Fields[f.Code] = f
	}
	events, err := listLifeEvents(ctx, q)
	if err != nil {
		return ref, err
	}
	for _, e := range events {
		ref.LifeEvents[e.Code] = e
	}
	return ref, nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	NewFields int `json:"new_fields"`
}

// ImportOptions tunes an import.
type ImportOptions struct {
	// KeepExisting leaves procedures that are already stored untouched
	// instead of replacing them (used by the demo loader, so that loading
	// twice adds nothing twice and edits are kept).
	KeepExisting bool
}

// Import validates every record and, only if all are valid, stores them in
// one transaction: a file with a single bad record changes nothing. A field
// (lĩnh vực) not yet known is added when the record names it.
func (s *Service) Import(ctx context.Context, records []Record, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	if len(records) == 0 {
		return res, &ImportError{Problems: []Problem{{Line: 1, Reason: "tệp không có thủ tục nào"}}}
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		ref, err := s.reference(ctx, tx)
		if err != nil {
			return err
		}
		var newFields []egov.Field
		for _, r := range records {
			f := r.Procedure.Field
			if _, ok := ref.Fields[f.Code]; !ok && f.Code != "" && f.Name != "" && len(f.Code) <= 20 {
				ref.Fields[f.Code] = f
				newFields = append(newFields, f)
			}
		}
		var problems []Problem
		seen := map[string]int{}
		for _, r := range records {
			p := &r.Procedure
			if first, dup := seen[p.Code]; dup && p.Code != "" {
				problems = append(problems, Problem{Line: r.Line, Code: p.Code, Field: "code",
					Reason: fmt.Sprintf("mã thủ tục trùng với bản ghi ở dòng %d", first)})
			}
			seen[p.Code] = r.Line
			for field, reason := range ValidateProcedure(p, ref) {
				problems = append(problems, Problem{Line: r.Line, Code: p.Code, Field: field, Reason: reason})
			}
		}
		if len(problems) > 0 {
			sortProblems(problems)
			return &ImportError{Problems: problems}
		}
		existing := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT code FROM procedures`)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return fmt.Errorf("import: %w", err)
			}
			existing[c] = true
		}
		rows.Close()
		for _, f := range newFields {
			if err := insertField(ctx, tx, f, false); err != nil {
				return err
			}
		}
		res.NewFields = len(newFields)
		now := time.Now().UTC()
		changed := false
		for i := range records {
			p := &records[i].Procedure
			if p.Field.Name == "" {
				p.Field.Name = ref.Fields[p.Field.Code].Name
			}
			wrote, err := upsertProcedure(ctx, tx, p, !opts.KeepExisting, now)
			if err != nil {
				return err
			}
			switch {
			case !wrote:
			case existing[p.Code]:
				res.Updated++
				changed = true
			default:
				res.Added++
				changed = true
			}
		}
		if changed || len(newFields) > 0 {
			return bumpRevision(ctx, tx, now)
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, s.Refresh(ctx)
}

// SaveAgencies stores agencies in one transaction, parents before
// children. With keepExisting, agencies already stored are left as they are.
// It returns how many rows were written.
func (s *Service) SaveAgencies(ctx context.Context, agencies []egov.Agency, keepExisting bool) (int, error) {
	var problems []Problem
	known := map[string]bool{}
	for i := range agencies {
		a := &agencies[i]
		for field, reason := range ValidateAgency(a) {
			problems = append(problems, Problem{Line: i + 1, Code: a.Code, Field: field, Reason: reason})
		}
		if known[a.Code] {
			problems = append(problems, Problem{Line: i + 1, Code: a.Code, Field: "code", Reason: "mã cơ quan bị trùng"})
		}
		known[a.Code] = true
	}
	if len(problems) > 0 {
		return 0, &ImportError{Problems: problems}
	}
	written := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i, a := range agencies {
			if a.ParentCode != "" && !known[a.ParentCode] {
				if _, err := getAgency(ctx, tx, a.ParentCode); err != nil {
					return &ImportError{Problems: []Problem{{Line: i + 1, Code: a.Code, Field: "parent_code",
						Reason: fmt.Sprintf("không có cơ quan cấp trên mã %q", a.ParentCode)}}}
				}
			}
			ok, err := insertAgency(ctx, tx, a, !keepExisting)
			if err != nil {
				return err
			}
			if ok {
				written++
			}
		}
		return nil
	})
	s.agencies.Purge() // agencies change without a new catalog revision
	return written, err
}

// SaveReference stores fields and life events, keeping those already
// stored.
func (s *Service) SaveReference(ctx context.Context, fields []egov.Field, events []egov.LifeEvent) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, f := range fields {
			if err := insertField(ctx, tx, f, false); err != nil {
				return err
			}
		}
		for i, e := range events {
			if err := insertLifeEvent(ctx, tx, e, i); err != nil {
				return err
			}
		}
		return nil
	})
}
