package report_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
)

// The dashboards over a national data set: load one with `egov gen` (10
// million dossiers by default) and `egov report rebuild`, then
//
//	EGOV_REPORT_BENCH_DB=postgres://postgres@127.0.0.1:5432/egov_gen?sslmode=disable \
//	  go test ./report -run '^$' -bench . -benchtime 20x
//
// BenchmarkCountDossiers is the baseline: the same province's dossiers of
// the year counted from the dossiers table, which is what the dashboards
// avoid doing.

func benchDB(b *testing.B) (*store.DB, *report.Service, string, report.Period) {
	b.Helper()
	url := os.Getenv("EGOV_REPORT_BENCH_DB")
	if url == "" {
		b.Skip("set EGOV_REPORT_BENCH_DB to a database loaded by egov gen (see the comment of this file)")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	cat := catalog.NewService(db, nil)
	b.Cleanup(func() { cat.Close() })
	svc := report.NewService(db, report.TreeOf(cat), nil)
	p := report.PeriodOf("year", time.Now())
	// The province with the most dossiers received this year.
	var province string
	var n int64
	err = db.QueryRowContext(ctx, `SELECT f.agency_code, SUM(f.received_online + f.received_counter + f.received_api) AS n
		FROM report_figures f JOIN agencies a ON a.code = f.agency_code
		WHERE a.level = 'province' AND a.parent_code IS NULL AND f.field_code = '' AND f.procedure_code = '' AND f.month BETWEEN $1 AND $2
		GROUP BY f.agency_code ORDER BY n DESC LIMIT 1`, p.From, p.To).Scan(&province, &n)
	if err != nil {
		b.Fatalf("no province with figures (run egov report rebuild?): %v", err)
	}
	var dossiers int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers`).Scan(&dossiers); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d dossiers in the database; %s received %d this year", dossiers, province, n)
	return db, svc, province, p
}

func BenchmarkProvinceDashboard(b *testing.B) {
	_, svc, province, p := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		d, err := svc.Dashboard(ctx, province, p)
		if err != nil {
			b.Fatal(err)
		}
		if d.Figures.Received() == 0 {
			b.Fatal("an empty dashboard")
		}
	}
}

func BenchmarkCountryDashboard(b *testing.B) {
	_, svc, _, p := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.Dashboard(ctx, report.Country, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNationalRanking(b *testing.B) {
	_, svc, _, p := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		rows, err := svc.Ranking(ctx, "province", p)
		if err != nil {
			b.Fatal(err)
		}
		if len(rows) == 0 {
			b.Fatal("no provinces ranked")
		}
	}
}

func BenchmarkCountDossiers(b *testing.B) {
	db, _, province, p := benchDB(b)
	ctx := context.Background()
	from, _ := time.Parse("2006-01", p.From)
	to := from.AddDate(1, 0, 0)
	for b.Loop() {
		var n int64
		// Received this year by the province and every agency under it,
		// two levels down, straight from the dossiers.
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers d JOIN agencies a ON a.code = d.agency_code
			LEFT JOIN agencies pa ON pa.code = a.parent_code
			WHERE (a.code = $1 OR a.parent_code = $1 OR pa.parent_code = $1) AND d.received_at >= $2 AND d.received_at < $3`,
			province, from, to).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}
