package catalog_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/catalog/catalogtest"
)

// BenchSize is ten times the national catalog.
const benchSize = 70000

var (
	bigOnce  sync.Once
	bigIndex *catalog.Index
	bigBuild time.Duration
)

func largeIndex(b *testing.B) *catalog.Index {
	bigOnce.Do(func() {
		_, base := demoIndex(b)
		procs := catalogtest.Generate(base, benchSize, 1)
		start := time.Now()
		ix, err := catalog.NewIndex(procs)
		if err != nil {
			b.Fatal(err)
		}
		bigBuild = time.Since(start)
		bigIndex = ix
	})
	return bigIndex
}

// BenchmarkSearch measures search latency over 70,000 procedures with the
// queries of the quality test, in turn, and reports p50 and p99: "catalog"
// and "filtered" without the result cache (every search does the work),
// "cached" with it, as the service runs.
func BenchmarkSearch(b *testing.B) {
	ix := largeIndex(b)
	b.ReportMetric(bigBuild.Seconds(), "index-build-s")
	var queries []string
	for _, c := range searchCases {
		queries = append(queries, c.Q)
	}
	queries = append(queries, "giay phep", "cap lai giay chung nhan", "dang ky", "xac nhan", "thu tuc hanh chinh cap xa")
	measure := func(b *testing.B, query func(text string) catalog.Query) {
		lat := make([]time.Duration, 0, b.N)
		i := 0
		for b.Loop() {
			q := query(queries[i%len(queries)])
			start := time.Now()
			if _, err := ix.Search(q); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			i++
		}
		reportPercentiles(b, lat)
	}
	plain := func(text string) catalog.Query { return catalog.Query{Text: text, Limit: 20} }
	b.Run("catalog", func(b *testing.B) { measure(b, plain) })
	b.Run("cached", func(b *testing.B) {
		ix.CacheResults(4096)
		defer ix.CacheResults(0)
		measure(b, plain)
	})
	b.Run("filtered", func(b *testing.B) {
		measure(b, func(text string) catalog.Query {
			return catalog.Query{Text: text, Level: egov.LevelProvince, Online: egov.OnlineFull, Limit: 20}
		})
	})
}

// BenchmarkSearchBaseline is the floor on this machine: one bleve term query
// on a single-field index of the same 70,000 names, without the analysis,
// fuzziness and ranking the catalog search adds.
func BenchmarkSearchBaseline(b *testing.B) {
	_, base := demoIndex(b)
	procs := catalogtest.Generate(base, benchSize, 1)
	idx, err := bleve.NewUsing("", bleve.NewIndexMapping(), "scorch", "scorch", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	batch := idx.NewBatch()
	for _, p := range procs {
		batch.Index(p.Code, map[string]string{"name": p.Name})
		if batch.Size() >= 1000 {
			idx.Batch(batch)
			batch.Reset()
		}
	}
	idx.Batch(batch)
	words := []string{"khai", "sinh", "giấy", "phép", "đăng", "cấp", "lái", "xe"}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		q := bleve.NewTermQuery(words[i%len(words)])
		q.SetField("name")
		start := time.Now()
		if _, err := idx.Search(bleve.NewSearchRequestOptions(q, 20, 0, false)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
