package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// signInWeb gives username a browser session in w.
func signInWeb(t *testing.T, w *world, db *store.DB, username string) {
	t.Helper()
	id := identity.NewService(db, nil, identity.Config{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}, nil)
	s, _, err := id.SignIn(context.Background(), username, pw, identity.SessionWeb, identity.Request{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	w.cookies[username] = s.Token
}

type apiReport struct {
	State struct {
		Status  string `json:"status"`
		Missing bool   `json:"missing"`
		Late    bool   `json:"late"`
	} `json:"state"`
	Submission *struct {
		Status string         `json:"status"`
		Values map[string]any `json:"values"`
	} `json:"submission"`
	Values    map[string]any  `json:"values"`
	Live      map[string]bool `json:"live"`
	MayEdit   bool            `json:"may_edit"`
	MayReview bool            `json:"may_review"`
}

// TestReportDutyOverHTTP: the national reporting system through the real
// server, on both engines: a template with a typed and two automatic
// indicators, duties for two communes of Hà Nội; commune X submits this
// month's report on time with the figures of its real dossiers, both miss
// an older month, one sends it late; the city returns X's report and
// approves it resubmitted, and reads the sum over its communes; officials
// of another province neither see nor approve; bad input is refused with
// the field named.
func TestReportDutyOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		const city, communeZ = "000.00.00.H26", "000.00.41.H26"
		cityLeader := w.official(t, sysAdmin, city, "hn.lanhdao", "leader")
		cityAdmin := w.official(t, sysAdmin, city, "hn.quantri", "agency_admin")
		viewerZ := w.official(t, sysAdmin, communeZ, "z.baocao", "report_viewer")
		for _, u := range []string{cityLeader, cityAdmin} {
			signInWeb(t, w, db, u)
		}
		api := func(who, method, path, body string, want int) []byte {
			t.Helper()
			res, b := w.send(t, who, method, path, nil, body)
			if res.StatusCode != want {
				t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, res.StatusCode, want, b)
			}
			return b
		}
		page := func(who, method, path, body string, want int, contains ...string) string {
			t.Helper()
			code, b := w.do(t, who, method, path, body)
			if code != want {
				t.Fatalf("%s %s as %s: %d, want %d: %.600s", method, path, who, code, want, b)
			}
			for _, c := range contains {
				if !strings.Contains(b, c) {
					t.Errorf("%s %s as %s: %q missing", method, path, who, c)
				}
			}
			return b
		}
		fields := func(b []byte) map[string]string {
			var e struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			json.Unmarshal(b, &e)
			return e.Error.Fields
		}

		// A dossier received at X this month.
		res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, "",
			part{field: "dossier", content: []byte(fillBirthForm(t, w))},
			part{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai")},
			part{field: "file.TP2", name: "chung-sinh.png", content: testPNG(t)})
		if res.StatusCode != 201 {
			t.Fatalf("dossier: %d %s", res.StatusCode, body)
		}
		api(receiverX, "POST", "/api/v1/dossiers/"+decodeDossier(t, body).Code+"/actions", `{"action":"receive"}`, 200)
		now := time.Now()
		cur, old := report.PeriodOf("month", now), report.PeriodOf("month", now).Previous().Previous()
		figs, err := report.NewService(db, nil, nil).Figures(ctx, []string{agencyX, communeZ}, cur, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if figs[agencyX].Received() < 1 {
			t.Fatalf("figures of X: %+v", figs[agencyX])
		}

		// Templates: system administrators only; an unknown source is
		// refused with the indicator named, and nothing is stored.
		tmpl := `{"name":"Báo cáo tình hình giải quyết TTHC","indicators":[
			{"code":"staff","name":"Số cán bộ một cửa","type":"number","unit":"người"},
			{"code":"received","name":"Số hồ sơ tiếp nhận","type":"number","unit":"hồ sơ","source":"%s"},
			{"code":"on_time","name":"Tỉ lệ đúng hạn","type":"percent","unit":"%%","source":"on_time_rate"}]}`
		b := api(sysAdmin, "PUT", "/api/v1/report-templates/BC-TTHC", fmt.Sprintf(tmpl, "births"), 400)
		if fields(b)["indicators[1].source"] == "" {
			t.Errorf("unknown source: %s", b)
		}
		if b := api(adminX, "GET", "/api/v1/report-templates", "", 200); strings.Contains(string(b), "BC-TTHC") {
			t.Errorf("a refused template was stored: %s", b)
		}
		api(cityAdmin, "PUT", "/api/v1/report-templates/BC-TTHC", fmt.Sprintf(tmpl, "received"), 403)
		api(sysAdmin, "PUT", "/api/v1/report-templates/BC-TTHC", fmt.Sprintf(tmpl, "received"), 200)

		// Duties: the city's administrator for its communes; due day 31 is
		// refused; another province's administrator is refused.
		duty := func(agency, due string) string {
			return `{"template_code":"BC-TTHC","agency_code":"` + agency + `","period":"month","due_day":` + due + `,"first_period":"` + old.Key + `"}`
		}
		if b := api(cityAdmin, "POST", "/api/v1/report-duties", duty(agencyX, "31"), 400); fields(b)["due_day"] == "" {
			t.Errorf("due day 31: %s", b)
		}
		api(officialY, "POST", "/api/v1/report-duties", duty(agencyX, "28"), 403)
		var d1, d2 report.Duty
		json.Unmarshal(api(cityAdmin, "POST", "/api/v1/report-duties", duty(agencyX, "28"), 201), &d1)
		json.Unmarshal(api(cityAdmin, "POST", "/api/v1/report-duties", duty(communeZ, "28"), 201), &d2)
		curX, oldX := fmt.Sprintf("/api/v1/report-duties/%d/%s", d1.ID, cur.Key), fmt.Sprintf("/api/v1/report-duties/%d/%s", d1.ID, old.Key)
		curZ, oldZ := fmt.Sprintf("/api/v1/report-duties/%d/%s", d2.ID, cur.Key), fmt.Sprintf("/api/v1/report-duties/%d/%s", d2.ID, old.Key)

		// X's administrator opens this month's form: the figures are there.
		var rep apiReport
		json.Unmarshal(api(adminX, "GET", curX, "", 200), &rep)
		if !rep.MayEdit || !rep.Live["received"] || rep.Values["received"] != float64(figs[agencyX].Received()) || rep.Submission != nil {
			t.Errorf("form: %+v", rep)
		}
		formX := fmt.Sprintf("/bao-cao-dinh-ky/%d/%s", d1.ID, cur.Key)
		signInWeb(t, w, db, "x.quantri")
		w.cookies[adminX] = w.cookies["x.quantri"]
		page(adminX, "GET", formX, "", 200, `name="values.staff"`, "tự động")
		// A negative number is refused with the field named; nothing stored.
		page(adminX, "POST", formX, "action=gui&values.staff=-2", 400, "không được âm", `href="#f-values.staff"`)
		json.Unmarshal(api(adminX, "GET", curX, "", 200), &rep)
		if rep.Submission != nil {
			t.Errorf("a refused report was stored: %+v", rep.Submission)
		}
		page(adminX, "POST", formX, "action=gui&values.staff=12", 303)
		rep = apiReport{}
		json.Unmarshal(api(adminX, "GET", curX, "", 200), &rep)
		if rep.State.Status != "submitted" || rep.State.Late || rep.State.Missing || rep.Submission == nil ||
			rep.Submission.Values["received"] != float64(figs[agencyX].Received()) || rep.Submission.Values["staff"] != 12.0 || len(rep.Live) != 0 {
			t.Errorf("submitted: %+v %+v", rep.State, rep.Submission)
		}

		// The older month is missing for both; X then sends it late.
		var flags struct {
			Reports []struct {
				Duty    report.Duty `json:"duty"`
				Period  struct{ Key string }
				Missing bool `json:"missing"`
				Late    bool `json:"late"`
			} `json:"reports"`
		}
		json.Unmarshal(api(cityLeader, "GET", "/api/v1/report-duties/overdue", "", 200), &flags)
		if len(flags.Reports) != 2 || !flags.Reports[0].Missing || !flags.Reports[1].Missing || flags.Reports[0].Period.Key != old.Key {
			t.Errorf("missing: %+v", flags.Reports)
		}
		api(adminX, "POST", oldX+"/submit", `{"values":{"staff":11}}`, 200)
		flags.Reports = nil
		json.Unmarshal(api(cityLeader, "GET", "/api/v1/report-duties/overdue", "", 200), &flags)
		if len(flags.Reports) != 2 || flags.Reports[0].Duty.ID != d2.ID || !flags.Reports[0].Missing || flags.Reports[1].Duty.ID != d1.ID || !flags.Reports[1].Late {
			t.Errorf("late and missing: %+v", flags.Reports)
		}
		page(cityLeader, "GET", "/bao-cao-dinh-ky/tre-han", "", 200, "Gửi chậm", "Quá hạn, chưa gửi", "Phường Cửa Nam")
		page(cityLeader, "GET", "/bao-cao-dinh-ky", "", 200, "Phường Hoàn Kiếm", "Phường Cửa Nam", "Tổng hợp từ các cơ quan trực thuộc")

		// Another province's officials neither see nor approve; the commune
		// does not approve itself.
		api(officialY, "GET", curX, "", 404)
		api(officialY, "POST", curX+"/review", `{"decision":"approve"}`, 404)
		api(viewerZ, "GET", curX, "", 404)
		api(leaderX, "POST", curX+"/review", `{"decision":"approve"}`, 403)
		signInWeb(t, w, db, "y.quantri")
		page("y.quantri", "GET", formX, "", 404)
		page("y.quantri", "GET", "/bao-cao-dinh-ky/tong-hop?mau=BC-TTHC&ky="+cur.Key+"&co-quan="+city, "", 404)

		// The city returns X's report with a note, X corrects and
		// resubmits, the city approves.
		page(cityLeader, "POST", formX+"/duyet", "action=tra-lai&review_note=", 400, "Ghi rõ nội dung cần sửa")
		page(cityLeader, "POST", formX+"/duyet", "action=tra-lai&review_note="+url.QueryEscape("Số cán bộ chưa đúng."), 303)
		json.Unmarshal(api(adminX, "GET", curX, "", 200), &rep)
		if rep.State.Status != "returned" || !rep.MayEdit {
			t.Errorf("returned: %+v", rep)
		}
		api(adminX, "POST", curX+"/submit", `{"values":{"staff":15},"note":"Đã sửa"}`, 200)
		api(cityLeader, "POST", curX+"/review", `{"decision":"approve"}`, 200)
		api(viewerZ, "POST", curZ+"/submit", `{"values":{"staff":"7,5"}}`, 200)
		api(cityAdmin, "POST", curZ+"/review", `{"decision":"approve"}`, 200)
		api(viewerZ, "PUT", oldZ, `{"values":{"staff":-1}}`, 400)

		// The city's aggregate: the sum over its two communes.
		var agg struct {
			Expected int            `json:"expected"`
			Reported int            `json:"reported"`
			Values   map[string]any `json:"values"`
		}
		json.Unmarshal(api(cityLeader, "GET", "/api/v1/report-duties/aggregate?template=BC-TTHC&period="+cur.Key, "", 200), &agg)
		if agg.Expected != 2 || agg.Reported != 2 || agg.Values["staff"] != 22.5 ||
			agg.Values["received"] != float64(figs[agencyX].Received()+figs[communeZ].Received()) {
			t.Errorf("aggregate: %+v", agg)
		}
		page(cityLeader, "GET", "/bao-cao-dinh-ky/tong-hop?mau=BC-TTHC&ky="+cur.Key, "", 200, "2 trên 2", "22,5")

		// The administrators' page refuses a bad template and a bad duty.
		signInWeb(t, w, db, "hethong")
		w.cookies[sysAdmin] = w.cookies["hethong"]
		page(sysAdmin, "GET", "/quan-tri/bao-cao-dinh-ky", "", 200, "BC-TTHC")
		page(sysAdmin, "POST", "/quan-tri/bao-cao-dinh-ky/mau", "code=BC-2&name=Thử&indicators[0].code=a&indicators[0].name=A&indicators[0].type=number&indicators[0].source=births", 400,
			"không có trên hệ thống", `id="e-indicators[0].source"`)
		page(sysAdmin, "POST", "/quan-tri/bao-cao-dinh-ky/nhiem-vu", "template_code=BC-TTHC&agency_code=000.00.42.H26&period=month&due_day=31", 400, "từ 1 đến 28")
	}, jobs.Migrate)
}
