package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// TestReportsOverHTTP: the dashboards count a real dossier as it moves;
// report viewers see their agency and what is under it, nothing else; the
// public statistics and open data answer without signing in and carry no
// personal data.
func TestReportsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		// Report viewers of Hà Nội (X's province) and of Nghệ An.
		viewerHN := w.official(t, sysAdmin, "000.00.00.H26", "xem.hanoi", "report_viewer")
		viewerNA := w.official(t, sysAdmin, agencyY, "xem.nghean", "report_viewer")

		res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, "",
			part{field: "dossier", content: []byte(fillBirthForm(t, w))},
			part{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai")},
			part{field: "file.TP2", name: "chung-sinh.png", content: testPNG(t)})
		if res.StatusCode != 201 {
			t.Fatalf("dossier: %d %s", res.StatusCode, body)
		}
		d := decodeDossier(t, body) // through the partner API: counted as such
		month := report.PeriodOf("month", time.Now()).Key
		figures := func(who, scope string) (int, report.Dashboard) {
			t.Helper()
			code, body := w.do(t, who, "GET", "/api/v1/reports/"+scope+"?period="+month, "")
			var dash report.Dashboard
			if code == 200 {
				if err := json.Unmarshal([]byte(body), &dash); err != nil {
					t.Fatal(err)
				}
			}
			return code, dash
		}
		code, dash := figures(leaderX, agencyX)
		if code != 200 || dash.Figures.Waiting != 1 || dash.Figures.Received() != 0 {
			t.Fatalf("after submission: %d %+v", code, dash.Figures)
		}
		if res, body := w.send(t, receiverX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"receive"}`); res.StatusCode != 200 {
			t.Fatalf("receive: %d %s", res.StatusCode, body)
		}
		code, dash = figures(viewerHN, "000.00.00.H26")
		if code != 200 || dash.Figures.Waiting != 0 || dash.Figures.ReceivedAPI != 1 || dash.Figures.OpenOnTime != 1 {
			t.Fatalf("the province after reception: %d %+v", code, dash.Figures)
		}
		var sawX bool
		for _, c := range dash.Children {
			sawX = sawX || c.Key == agencyX && c.Figures.ReceivedAPI == 1
		}
		if !sawX {
			t.Errorf("the commune is not among the province's units with its dossier: %+v", dash.Children)
		}
		for _, c := range []struct {
			who, scope string
			want       int
		}{
			{viewerHN, agencyX, 200},         // under Hà Nội
			{viewerHN, agencyY, 403},         // another province
			{viewerHN, report.Country, 403},  // the country is for the system's administrators
			{viewerNA, "000.00.00.H26", 403}, // Nghệ An does not see Hà Nội
			{viewerNA, agencyX, 403},
			{viewerNA, agencyY, 200},
			{receiverX, agencyX, 403}, // a receiver is not a report viewer
			{citizenA, agencyX, 403},
			{anonymous, agencyX, 401},
			{sysAdmin, report.Country, 200},
			{sysAdmin, "nowhere", 404},
		} {
			if code, _ := figures(c.who, c.scope); code != c.want {
				t.Errorf("%s reads %s: %d, want %d", c.who, c.scope, code, c.want)
			}
		}
		if code, body := w.do(t, sysAdmin, "GET", "/api/v1/reports/VN?period=2026-13", ""); code != 400 || !strings.Contains(body, `"ky"`) {
			t.Errorf("a bad period: %d %s", code, body)
		}

		// The page, its charts and its tables.
		code, page := w.do(t, sysAdmin, "GET", "/bao-cao/VN?ky="+month, "")
		for _, want := range []string{"<svg", "Cả nước", "Tỷ lệ đúng hạn", "/bao-cao/VN/don-vi.csv?ky=" + month, "Thành phố Hà Nội"} {
			if code != 200 || !strings.Contains(page, want) {
				t.Errorf("dashboard page lacks %q (%d)", want, code)
			}
		}
		csvReq, _ := http.NewRequest("GET", w.ts.URL+"/bao-cao/000.00.00.H26/don-vi.csv?ky="+month, nil)
		csvReq.AddCookie(&http.Cookie{Name: "egov_session", Value: w.cookies[sysAdmin]})
		res, csvBody := w.roundTrip(t, csvReq)
		if code, page := w.do(t, leaderX, "GET", "/bao-cao/"+agencyX+"?ky=2026-13", ""); code != 400 ||
			!strings.Contains(page, "Kỳ báo cáo phải là một tháng") || !strings.Contains(page, `value="2026-13"`) || !strings.Contains(page, "<svg") {
			t.Errorf("a bad period on the page: %d", code)
		}
		lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(lines[0], "\ufeffma,ten,tiep_nhan") || !strings.Contains(string(csvBody), agencyX+",") {
			t.Errorf("units CSV: %d %q", res.StatusCode, lines[0])
		}
		if code, _ := w.do(t, sysAdmin, "GET", "/bao-cao/VN/khong-co.csv", ""); code != 404 {
			t.Errorf("an unknown table: %d", code)
		}

		// Public statistics and open data: no account, no personal data.
		code, stats := w.do(t, anonymous, "GET", "/thong-ke?ky="+month, "")
		if code != 200 || !strings.Contains(stats, "Xếp hạng các tỉnh, thành phố") || !strings.Contains(stats, "<svg") {
			t.Errorf("statistics page: %d", code)
		}
		for _, path := range []string{"/api/v1/open/statistics.json?period=" + month, "/api/v1/open/statistics.csv?period=" + month,
			"/api/v1/open/agencies.json", "/api/v1/open/procedures.csv", "/api/v1/rankings/province?period=" + month, "/thong-ke"} {
			code, body := w.do(t, anonymous, "GET", path, "")
			if code != 200 {
				t.Errorf("%s: %d", path, code)
			}
			for _, personal := range []string{"Nguyễn Văn An", "001090012345", "an@example.vn", d.Code} {
				if strings.Contains(body, personal) {
					t.Errorf("%s shows %q", path, personal)
				}
			}
		}
		_, openBody := w.do(t, anonymous, "GET", "/api/v1/open/statistics.json?period="+month, "")
		var open struct {
			License string         `json:"license"`
			Country report.Figures `json:"country"`
		}
		if err := json.Unmarshal([]byte(openBody), &open); err != nil || !strings.Contains(open.License, "CC BY 4.0") || open.Country.ReceivedAPI != 1 {
			t.Errorf("open statistics: %v %+v", err, open)
		}
		if code, _ := w.do(t, anonymous, "GET", "/api/v1/open/dossiers.json", ""); code != 404 {
			t.Errorf("a data set that does not exist: %d", code)
		}
		if code, _ := w.do(t, anonymous, "GET", "/api/v1/rankings/commune", ""); code != 400 {
			t.Errorf("a ranking of communes: %d", code)
		}

		diffs, err := report.Verify(ctx, db, dossier.EachFacts(db.DB))
		if err != nil || len(diffs) > 0 {
			t.Errorf("figures differ from the dossiers: %v %v", err, diffs)
		}
	}, jobs.Migrate)
}
