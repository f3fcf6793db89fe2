package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/catalog/catalogtest"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// BenchmarkHTTP measures search throughput over real HTTP on loopback,
// with the whole middleware stack, against a catalog of 70,000 procedures
// imported into SQLite, beside a bare handler that writes a fixed JSON
// body through the same client and transport: the ratio of the two is what
// the platform costs per request on this machine.
func BenchmarkHTTP(b *testing.B) {
	ctx := context.Background()
	db := storetest.SQLite(b)
	cat := catalog.NewService(db, nil)
	defer cat.Close()
	if _, err := demo.Load(ctx, cat); err != nil {
		b.Fatal(err)
	}
	recs, err := demo.Records()
	if err != nil {
		b.Fatal(err)
	}
	base := make([]egov.Procedure, len(recs))
	for i, r := range recs {
		base[i] = r.Procedure
	}
	big := catalogtest.Generate(base, 70000, 1)
	records := make([]catalog.Record, len(big))
	for i := range big {
		records[i] = catalog.Record{Line: i + 1, Procedure: big[i]}
	}
	if _, err := cat.Import(ctx, records, catalog.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	queries := []string{"dang ky khai sinh", "gplx", "giay phep xay dung", "ho chieu", "ket hon", "thanh lap cong ty",
		"tam tru", "ly lich tu phap", "so do", "tro cap that nghiep"}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[],"total":0}`)
	})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		path    func(i int) string
	}{
		{"bare", bare, func(int) string { return "/" }},
		{"search", srv, func(i int) string {
			return "/api/v1/procedures?limit=20&q=" + url.QueryEscape(queries[i%len(queries)])
		}},
		{"search-uncached", srv, func(i int) string {
			if i == 1 {
				cat.CacheResults(0)
			}
			return "/api/v1/procedures?limit=20&q=" + url.QueryEscape(queries[i%len(queries)])
		}},
		{"procedure", srv, func(int) string { return "/api/v1/procedures/1.001193" }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var n atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := client.Get(ts.URL + tc.path(int(n.Add(1))))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
