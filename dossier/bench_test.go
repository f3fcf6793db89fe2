package dossier_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// BenchmarkSubmit measures online submissions per second on each database,
// beside raw baselines on the same database in the same run. A submission
// is dossier.Service.Create with Submit for a birth registration with two
// papers already in the applicant's document store and an idempotency key,
// as POST /api/v1/dossiers makes it after the uploads: it validates the
// form against the catalog, then writes the dossier, the key, the papers,
// two history entries, two audit entries, the code sequence and the e-mail
// job in one transaction, and reads the dossier back.
//
// The baseline is a single-row INSERT transaction of a JSON text as large
// as a dossier's stored form, one transaction per row. "same-writes" is a
// second, fairer baseline: one transaction that inserts as many rows as a
// submission does (nine: the form-sized one and eight small ones), with
// nothing else.
//
// "serial" runs one operation at a time, the way the baseline is defined;
// "parallel" runs everything with b.RunParallel (GOMAXPROCS goroutines,
// more with -cpu). Each ends with a "ratio" line: submit/baseline is the
// fraction of the baseline's rate that submissions reach (the goal is at
// least 0.5), submit/same-writes the fraction of the fairer one's.
//
//	go test ./dossier -run '^$' -bench Submit -benchtime 2s
//
// PostgreSQL runs when EGOV_TEST_POSTGRES_URL is set.
func BenchmarkSubmit(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, ...func(*store.DB) func(context.Context) error) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(engine.name, func(b *testing.B) {
			db := engine.open(b, jobs.Migrate)
			env := newSubmitBench(b, db)
			for _, mode := range []struct {
				name     string
				parallel bool
			}{{"serial", false}, {"parallel", true}} {
				b.Run(mode.name, func(b *testing.B) {
					// Rates by GOMAXPROCS, so that -cpu 2,8 compares like with like.
					submitRate, baseRate, sameRate := map[int]float64{}, map[int]float64{}, map[int]float64{}
					b.Run("submit", func(b *testing.B) {
						submitRate[runtime.GOMAXPROCS(0)] = env.run(b, mode.parallel, env.submit)
					})
					b.Run("baseline", func(b *testing.B) {
						baseRate[runtime.GOMAXPROCS(0)] = env.run(b, mode.parallel, env.insert)
					})
					b.Run("same-writes", func(b *testing.B) {
						sameRate[runtime.GOMAXPROCS(0)] = env.run(b, mode.parallel, env.insertSameWrites)
					})
					b.Run("ratio", func(b *testing.B) {
						// Not b.Loop: with -cpu, a b.Loop benchmark's first
						// result comes from its probe run, made under the
						// GOMAXPROCS the previous benchmark left.
						for range b.N {
						}
						procs := runtime.GOMAXPROCS(0)
						if submitRate[procs] == 0 {
							b.Skip("run submit and the baselines in the same run to see their ratio")
						}
						if baseRate[procs] > 0 {
							b.ReportMetric(submitRate[procs]/baseRate[procs], "submit/baseline")
						}
						if sameRate[procs] > 0 {
							b.ReportMetric(submitRate[procs]/sameRate[procs], "submit/same-writes")
						}
					})
				})
			}
		})
	}
}

// submitBench is what both measurements need, set up once per database.
type submitBench struct {
	db      *store.DB
	svc     *dossier.Service
	citizen identity.Account
	app     dossier.Application
	row     string       // the baseline's JSON text
	seq     atomic.Int64 // numbers the operations: idempotency keys, baseline codes
}

// benchAgency is the commune that receives the dossiers; benchReq is where
// the calls come from.
const benchAgency = "000.00.40.H26"

var benchReq = identity.Request{IP: "127.0.0.1"}

// benchForm is a complete birth registration form as a client sends it,
// without the fields the account fills in.
func benchForm() map[string]any {
	return map[string]any{
		"nguoi_yeu_cau_noi_cu_tru": map[string]any{"detail": "Số 5 phố Hàng Bạc", "commune": benchAgency, "province": "000.00.00.H26"},
		"quan_he_voi_tre":          "Cha", "tre_ho_ten": "Nguyễn Minh Khôi", "tre_ngay_sinh": "2026-11-20", "tre_gioi_tinh": "Nam",
		"tre_noi_sinh": "Bệnh viện Phụ sản Hà Nội", "tre_dan_toc": "Kinh", "tre_quoc_tich": "Việt Nam",
		"me_ho_ten": "Trần Thị Mai", "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "tre_que_quan": "Hà Nội",
		"me_noi_cu_tru": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội", "me_so_dinh_danh": "001195012347", "me_nam_sinh": "1995-03-01",
		"cha_ho_ten": "Nguyễn Văn An", "cha_so_dinh_danh": "001090012345", "cha_nam_sinh": "1990-05-12",
	}
}

func newSubmitBench(b *testing.B, db *store.DB) *submitBench {
	b.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	b.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		b.Fatal(err)
	}
	ids := identity.NewService(db, nil, identity.Config{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}, nil)
	// A real queue, never started: the e-mail jobs are inserted as in
	// production and nobody works them.
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	svc := dossier.NewService(db, queue, cat, blobs, calendar.NewService(db, audit.New(db)),
		dossier.Config{PublicURL: "https://dichvucong.example.vn"}, nil)
	citizen, err := ids.RegisterCitizen(ctx, identity.CitizenRegistration{IDNumber: "001090012345", FullName: "Nguyễn Văn An",
		DateOfBirth: "1990-05-12", Sex: "male", Phone: "0912345678", Email: "an@example.vn", Password: "mật khẩu thử nghiệm dài"}, benchReq)
	if err != nil {
		b.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		b.Fatal(err)
	}
	env := &submitBench{db: db, svc: svc, citizen: citizen}
	tokhai := []byte("%PDF-1.4\n% to khai dang ky khai sinh\ntrailer << >>\n%%EOF\n")
	for i, content := range [][]byte{tokhai, img.Bytes()} {
		doc, _, err := svc.Upload(ctx, &citizen, fmt.Sprintf("TP%d", i+1), bytes.NewReader(content), benchReq)
		if err != nil {
			b.Fatal(err)
		}
		env.app.Papers = append(env.app.Papers, dossier.PaperRef{Component: fmt.Sprintf("TP%d", i+1), DocumentID: doc.ID})
	}
	env.app.ProcedureCode, env.app.AgencyCode = "1.001193", benchAgency

	// One submission outside the timer: the form is complete, and the
	// baseline's row is as large as the stored form.
	d, _, err := svc.Create(ctx, &citizen, env.application(), dossier.CreateOptions{Submit: true, Channel: dossier.ChannelAPI}, benchReq)
	if err != nil {
		b.Fatal(err)
	}
	form, err := json.Marshal(d.Data)
	if err != nil {
		b.Fatal(err)
	}
	env.row = string(form)

	ddl := `CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)`
	if db.Dialect == store.Postgres {
		ddl = `CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		b.Fatal(err)
	}
	return env
}

// application is the form as a client sends it: a fresh map each time,
// since Create fills in what the account knows.
func (e *submitBench) application() dossier.Application {
	app := e.app
	app.Data = benchForm()
	return app
}

func (e *submitBench) submit(ctx context.Context, n int64) error {
	_, replayed, err := e.svc.Create(ctx, &e.citizen, e.application(), dossier.CreateOptions{Submit: true, Channel: dossier.ChannelAPI,
		IdempotencyKey: "bench-" + strconv.FormatInt(n, 10)}, benchReq)
	if err == nil && replayed {
		err = fmt.Errorf("submission %d was a replay", n)
	}
	return err
}

func (e *submitBench) insert(ctx context.Context, n int64) error {
	return e.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO bench_baseline (code, body, created_at) VALUES ($1, $2, $3)`,
			"bench-"+strconv.FormatInt(n, 10), e.row, time.Now().UTC())
		return err
	})
}

// smallRow is as large as a history or audit entry.
var smallRow = strings.Repeat("x", 200)

// insertSameWrites inserts in one transaction as many rows as a submission
// writes: its dossier (the form-sized row), idempotency key, two papers,
// two history entries, two audit entries and its e-mail job.
func (e *submitBench) insertSameWrites(ctx context.Context, n int64) error {
	return e.db.Tx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UTC()
		code := "same-" + strconv.FormatInt(n, 10)
		for i := range 9 {
			body := smallRow
			if i == 0 {
				body = e.row
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO bench_baseline (code, body, created_at) VALUES ($1, $2, $3)`,
				code+"-"+strconv.Itoa(i), body, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// run times op b.N times and returns its rate, operations per second.
func (e *submitBench) run(b *testing.B, parallel bool, op func(context.Context, int64) error) float64 {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx, e.seq.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for range b.N {
			if err := op(ctx, e.seq.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "ops/s")
	return rate
}
