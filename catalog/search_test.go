package catalog_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
)

// demoIndex indexes the demo catalog once for the tests of this package.
func demoIndex(t testing.TB) (*catalog.Index, []egov.Procedure) {
	t.Helper()
	recs, err := demo.Records()
	if err != nil {
		t.Fatal(err)
	}
	procs := make([]egov.Procedure, len(recs))
	for i, r := range recs {
		procs[i] = r.Procedure
	}
	ix, err := catalog.NewIndex(procs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, procs
}

type searchCase struct {
	Q    string `json:"q"`
	Want string `json:"want"`
}

// searchCases are queries typed the way people type them: without
// diacritics, in capitals, with abbreviations, with a wrong letter, in
// another word order. The demo data set ships most of them beside the
// procedures they must find; these add cases across both files.
var searchCases = []searchCase{
	{"Đăng ký khai sinh", "1.001193"},
	{"dang ky khai sinh", "1.001193"},
	{"DANG KY KHAI SINH", "1.001193"},
	{"khai sinh dang ky", "1.001193"},
	{"dang ky khai sinhh", "1.001193"},
	{"dăng ky khai sinh", "1.001193"},
	{"ket hon", "1.000894"},
	{"đăng ký kết hôn", "1.000894"},
	{"khai tu", "1.000656"},
	{"gplx", "3.000347"},
	{"doi gplx", "3.000347"},
	{"cap lai bang lai xe", "3.000348"},
	{"gplx quoc te", "3.000353"},
	{"thanh lap cong ty co phan", "2.002043"},
	{"dkkd cong ty tnhh mot thanh vien", "2.001583"},
	{"ho kinh doanh", "1.001612"},
	{"giay phep xay dung nha o", "1.013225"},
	{"gpxd", "1.013225"},
	{"so do", "1.013978"},
	{"ly lich tu phap", "3.000333"},
	{"lltp", "3.000333"},
	{"lam ho chieu", "1.001456"},
	{"thuong tru", "1.004222"},
	{"tam tru", "1.004194"},
	{"tam vang", "1.003677"},
	{"tro cap that nghiep", "1.014748"},
	{"chung thuc ban sao", "2.000815"},
	{"1.001193", "1.001193"},
}

func loadCases(t *testing.T) []searchCase {
	t.Helper()
	cases := append([]searchCase(nil), searchCases...)
	files, _ := filepath.Glob("../demo/search_queries_*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var more []searchCase
		if err := json.Unmarshal(data, &more); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, more...)
	}
	return cases
}

func TestSearchFindsWhatPeopleType(t *testing.T) {
	ix, procs := demoIndex(t)
	names := map[string]string{}
	for _, p := range procs {
		names[p.Code] = p.Name
	}
	cases := loadCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d search cases; want at least 40", len(cases))
	}
	top1 := 0
	for _, c := range cases {
		if _, ok := names[c.Want]; !ok {
			t.Errorf("case %q wants %s, which is not in the demo catalog", c.Q, c.Want)
			continue
		}
		res, err := ix.Search(catalog.Query{Text: c.Q, Limit: 3})
		if err != nil {
			t.Fatalf("search %q: %v", c.Q, err)
		}
		found := -1
		for i, it := range res.Items {
			if it.Code == c.Want {
				found = i
			}
		}
		if found == 0 {
			top1++
		}
		if found < 0 {
			var got []string
			for _, it := range res.Items {
				got = append(got, it.Code+" "+it.Name)
			}
			t.Errorf("search %q: want %s (%s) in the top 3, got %q", c.Q, c.Want, names[c.Want], got)
		}
	}
	t.Logf("%d queries: %d first, all others in the top 3 unless reported", len(cases), top1)
}
