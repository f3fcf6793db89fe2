package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

func loadDemo(t *testing.T, db *store.DB) *catalog.Service {
	t.Helper()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(context.Background(), cat); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	return cat
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDemoLoadIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := loadDemo(t, db)
		procs, agencies := count(t, db, "procedures"), count(t, db, "agencies")
		if procs < 60 {
			t.Errorf("demo catalog has %d procedures, want at least 60", procs)
		}
		sum, err := demo.Load(context.Background(), cat)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Agencies != 0 || sum.Procedures != 0 {
			t.Errorf("second load wrote %+v, want nothing", sum)
		}
		if n := count(t, db, "procedures"); n != procs {
			t.Errorf("procedures: %d after second load, %d before", n, procs)
		}
		if n := count(t, db, "agencies"); n != agencies {
			t.Errorf("agencies: %d after second load, %d before", n, agencies)
		}
	})
}

func TestAgencyTreeHasBothShapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := loadDemo(t, db)
		ctx := context.Background()
		provinces, err := cat.Agencies(ctx, catalog.AgencyFilter{Level: egov.LevelProvince, Parent: "-"})
		if err != nil {
			t.Fatal(err)
		}
		if len(provinces) < 4 {
			t.Fatalf("%d provinces, want at least 4", len(provinces))
		}
		twoLevel, fourLevel := 0, 0
		for _, p := range provinces {
			children, err := cat.Agencies(ctx, catalog.AgencyFilter{Parent: p.Code})
			if err != nil {
				t.Fatal(err)
			}
			levels := map[egov.Level]int{}
			for _, c := range children {
				levels[c.Level]++
			}
			switch {
			case levels[egov.LevelDistrict] > 0 && levels[egov.LevelCommune] == 0:
				fourLevel++
			case levels[egov.LevelCommune] > 0 && levels[egov.LevelDistrict] == 0:
				twoLevel++
			}
		}
		if twoLevel < 3 || fourLevel < 1 {
			t.Errorf("provinces: %d in the two-level shape, %d in the four-level shape; want ≥3 and ≥1", twoLevel, fourLevel)
		}
		districts, err := cat.Agencies(ctx, catalog.AgencyFilter{Level: egov.LevelDistrict})
		if err != nil || len(districts) == 0 {
			t.Fatalf("districts: %v, %v", districts, err)
		}
		communes, err := cat.Agencies(ctx, catalog.AgencyFilter{Parent: districts[0].Code})
		if err != nil || len(communes) == 0 {
			t.Errorf("district %s has no communes (%v)", districts[0].Code, err)
		}
		if _, err := cat.Agency(ctx, "000.00.00.G99"); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("unknown agency: err = %v, want ErrNotFound", err)
		}
		if _, err := cat.Agencies(ctx, catalog.AgencyFilter{Level: "planet"}); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("bad level: err = %v, want ErrInvalid", err)
		}
	})
}

// validProcedure returns a complete, valid record to vary in tests.
func validProcedure(code string) egov.Procedure {
	return egov.Procedure{
		Code: code, Name: "Thủ tục thử nghiệm " + code, PublishingAgency: "Bộ Tư pháp", Status: "active",
		Field:                egov.Field{Code: "HT", Name: "Hộ tịch"},
		Levels:               []egov.Level{egov.LevelCommune},
		ImplementingAgencies: []egov.AgencyRef{{Name: "Ủy ban nhân dân cấp xã"}},
		OnlineLevel:          egov.OnlineFull, ProcessingDays: 3,
		Ways:        []egov.Way{{Channel: egov.ChannelOnline, ProcessingTime: 3, Unit: egov.UnitWorkingDays, Fees: []egov.Fee{{Name: "Lệ phí", Amount: 8000}}}},
		Components:  []egov.Component{{Code: "TP1", Name: "Tờ khai", Required: true, Originals: 1}},
		FormFields:  []egov.FormField{{Name: "full_name", Label: "Họ và tên", Type: egov.FieldText, Required: true, Prefill: "full_name"}},
		Steps:       []string{"Nộp hồ sơ", "Nhận kết quả"},
		LegalBasis:  []egov.LegalDoc{{Number: "60/2014/QH13", Title: "Luật Hộ tịch"}},
		Results:     []egov.ResultDoc{{Name: "Giấy xác nhận"}},
		TargetUsers: []egov.TargetUser{egov.TargetCitizen},
	}
}

func TestBadImportChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := loadDemo(t, db)
		ctx := context.Background()
		before, err := cat.Procedure(ctx, "1.001193")
		if err != nil {
			t.Fatal(err)
		}
		n := count(t, db, "procedures")

		changed := before
		changed.Name = "Tên đã bị sửa"
		bad := validProcedure("9.999998")
		bad.OnlineLevel = "sometimes"
		bad.Ways[0].Fees[0].Amount = -5
		var buf bytes.Buffer
		if err := catalog.EncodeJSON(&buf, []egov.Procedure{validProcedure("9.999997"), changed, bad}); err != nil {
			t.Fatal(err)
		}
		recs, err := catalog.DecodeJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cat.Import(ctx, recs, catalog.ImportOptions{})
		var ie *catalog.ImportError
		if !errors.As(err, &ie) || !errors.Is(err, egov.ErrInvalid) {
			t.Fatalf("import error = %v, want an ImportError", err)
		}
		fields := map[string]int{}
		for _, p := range ie.Problems {
			fields[p.Field] = p.Line
			if p.Code != "9.999998" {
				t.Errorf("problem reported on %s, want 9.999998: %v", p.Code, p)
			}
		}
		if fields["online_level"] == 0 || fields["ways[0].fees[0].amount"] == 0 {
			t.Errorf("problems = %v, want online_level and ways[0].fees[0].amount", ie.Problems)
		}
		if line := fields["online_level"]; line != recs[2].Line || line < 3 {
			t.Errorf("problem on line %d, record starts on line %d", line, recs[2].Line)
		}
		if got := count(t, db, "procedures"); got != n {
			t.Errorf("%d procedures after a refused import, want %d", got, n)
		}
		after, err := cat.Procedure(ctx, "1.001193")
		if err != nil {
			t.Fatal(err)
		}
		if after.Name != before.Name {
			t.Errorf("refused import changed the name to %q", after.Name)
		}
		res, err := cat.Search(ctx, catalog.Query{Text: "thủ tục thử nghiệm", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			if strings.HasPrefix(it.Code, "9.99999") {
				t.Errorf("search finds %s from a refused import", it.Code)
			}
		}
	})
}

func TestImportAddsUpdatesAndIsSearchable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := loadDemo(t, db)
		ctx := context.Background()
		p, err := cat.Procedure(ctx, "1.001193")
		if err != nil {
			t.Fatal(err)
		}
		p.ProcessingDays = 1
		added := validProcedure("9.999990")
		added.Name = "Cấp giấy phép nuôi chim yến"
		added.Field = egov.Field{Code: "NN", Name: "Nông nghiệp"} // a new field, named
		res, err := cat.Import(ctx, []catalog.Record{{Line: 1, Procedure: p}, {Line: 2, Procedure: added}}, catalog.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res != (catalog.ImportResult{Added: 1, Updated: 1, NewFields: 1}) {
			t.Errorf("import result = %+v", res)
		}
		got, err := cat.Procedure(ctx, "1.001193")
		if err != nil || got.ProcessingDays != 1 {
			t.Errorf("updated procedure: %+v, %v", got.ProcessingDays, err)
		}
		found, err := cat.Search(ctx, catalog.Query{Text: "chim yen"})
		if err != nil || len(found.Items) == 0 || found.Items[0].Code != "9.999990" {
			t.Errorf("search for the new procedure: %+v, %v", found, err)
		}
		// Another replica sees the import at its next refresh.
		other := catalog.NewService(db, nil)
		defer other.Close()
		if err := other.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		found, err = other.Search(ctx, catalog.Query{Text: "chim yến", Field: "NN"})
		if err != nil || found.Total != 1 {
			t.Errorf("other replica: %+v, %v", found, err)
		}
	})
}

func TestSearchFiltersAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := loadDemo(t, db)
		ctx := context.Background()
		all, err := cat.Search(ctx, catalog.Query{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		procs, err := cat.Procedures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != len(procs) {
			t.Errorf("empty query total = %d, want %d", all.Total, len(procs))
		}
		check := func(name string, q catalog.Query, ok func(p egov.Procedure) bool) {
			t.Helper()
			q.Limit = 100
			res, err := cat.Search(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := 0
			for _, p := range procs {
				if ok(p) {
					want++
				}
			}
			if want == 0 {
				t.Fatalf("%s: the demo catalog has no procedure for this filter", name)
			}
			if res.Total != want {
				t.Errorf("%s: total %d, want %d", name, res.Total, want)
			}
		}
		has := func(list any, v any) bool {
			l := reflect.ValueOf(list)
			for i := 0; i < l.Len(); i++ {
				if l.Index(i).Interface() == v {
					return true
				}
			}
			return false
		}
		check("field", catalog.Query{Field: "HT"}, func(p egov.Procedure) bool { return p.Field.Code == "HT" })
		check("level", catalog.Query{Level: egov.LevelCommune}, func(p egov.Procedure) bool { return has(p.Levels, egov.LevelCommune) })
		check("online", catalog.Query{Online: egov.OnlineFull}, func(p egov.Procedure) bool { return p.OnlineLevel == egov.OnlineFull })
		check("life event", catalog.Query{LifeEvent: "birth"}, func(p egov.Procedure) bool { return has(p.LifeEvents, "birth") })
		check("target", catalog.Query{Target: egov.TargetBusiness}, func(p egov.Procedure) bool { return has(p.TargetUsers, egov.TargetBusiness) })
		check("commune agency", catalog.Query{Agency: "000.00.40.H26"}, func(p egov.Procedure) bool { return has(p.Levels, egov.LevelCommune) })
		check("ministry", catalog.Query{Agency: "000.00.00.G01"}, func(p egov.Procedure) bool {
			for _, a := range p.ImplementingAgencies {
				if a.Code == "000.00.00.G01" {
					return true
				}
			}
			return false
		})
		textAndField, err := cat.Search(ctx, catalog.Query{Text: "dang ky", Field: "CT", Limit: 100})
		if err != nil || textAndField.Total == 0 {
			t.Fatalf("text and field: %+v, %v", textAndField, err)
		}
		for _, it := range textAndField.Items {
			if it.Field.Code != "CT" {
				t.Errorf("text and field: %s is in field %s", it.Code, it.Field.Code)
			}
		}

		// Pages do not overlap and cover every result.
		seen := map[string]bool{}
		for off := 0; off < all.Total; off += 7 {
			page, err := cat.Search(ctx, catalog.Query{Limit: 7, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				if seen[it.Code] {
					t.Errorf("%s on two pages", it.Code)
				}
				seen[it.Code] = true
			}
		}
		if len(seen) != all.Total {
			t.Errorf("paging saw %d procedures, want %d", len(seen), all.Total)
		}

		for _, bad := range []catalog.Query{{Level: "planet"}, {Online: "maybe"}, {Limit: 1000}, {Offset: -1},
			{Agency: "000.00.00.G99"}, {Text: strings.Repeat("a", 201)}} {
			if _, err := cat.Search(ctx, bad); !errors.Is(err, egov.ErrInvalid) {
				t.Errorf("Search(%+v) error = %v, want ErrInvalid", bad, err)
			}
		}
	})
}
