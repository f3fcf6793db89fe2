package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// TestCabinetAnswersMatchOpenAPI walks e-Cabinet through the API: a body
// and its members, a meeting with a document, attendance and minutes, an
// opinion ballot answered, changed and closed, and holds every answer
// against the OpenAPI document.
func TestCabinetAnswersMatchOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		doc, router := openAPI(t)
		c := openAPIChecker{doc: doc, router: router}

		// Every e-Cabinet route is documented, and nothing else is.
		routes := map[string]bool{}
		for _, p := range w.srv.Routes() {
			if method, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/cabinet/") {
				routes[p] = true
				if item := doc.Paths.Find(path); item == nil || item.GetOperation(method) == nil {
					t.Errorf("route %s is not in the OpenAPI document", p)
				}
			}
		}
		documented := 0
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				if strings.HasPrefix(path, "/api/v1/cabinet/") {
					documented++
					if !routes[method+" "+path] {
						t.Errorf("documented %s %s has no route", method, path)
					}
				}
			}
		}
		if documented != 15 || len(routes) != 15 {
			t.Errorf("%d e-Cabinet operations documented, %d routes; want 15", documented, len(routes))
		}

		// A body with a meeting (the agency administrator as a guest, a
		// document on its first point) and a ballot.
		cw := w.cabinet(t)
		meeting := fmt.Sprintf("/api/v1/cabinet/meetings/%d", cw.meeting)
		ballot := fmt.Sprintf("/api/v1/cabinet/ballots/%d", cw.ballot)

		// The agenda and the bodies.
		x := w.exchange(t, specialistX, "GET", "/api/v1/cabinet/agenda", nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), "Phiên họp thường kỳ tháng 12") || !strings.Contains(string(x.body), "cải cách hành chính năm 2027?") {
			t.Errorf("the member's agenda: %.400s", x.body)
		}
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/cabinet/agenda", nil, ""), 200)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/cabinet/agenda", nil, ""), 401)
		x = w.exchange(t, adminX, "GET", "/api/v1/cabinet/bodies", nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), "Ủy ban nhân dân phường Hoàn Kiếm") {
			t.Errorf("the administrator's bodies: %s", x.body)
		}

		// A second body: created by the agency administrator, refused
		// without a name and to an administrator of another agency; its
		// members set.
		x = w.exchange(t, adminX, "POST", "/api/v1/cabinet/bodies", nil, `{"agency_code":"`+agencyX+`","name":"Tổ công tác cải cách hành chính"}`)
		c.check(t, x, 201)
		var body struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(x.body, &body)
		x = w.exchange(t, adminX, "POST", "/api/v1/cabinet/bodies", nil, `{"agency_code":"`+agencyX+`","name":"  "}`)
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"name":`) {
			t.Errorf("a body without a name: %s", x.body)
		}
		c.check(t, w.exchange(t, officialY, "POST", "/api/v1/cabinet/bodies", nil, `{"agency_code":"`+agencyX+`","name":"Tổ khác"}`), 403)
		members := fmt.Sprintf("/api/v1/cabinet/bodies/%d/members", body.ID)
		x = w.exchange(t, adminX, "PUT", members, nil, fmt.Sprintf(`{"members":[{"account_id":%d,"role":"chair"},{"account_id":%d,"role":"secretary"}]}`,
			w.ids[leaderX], w.ids[receiverX]))
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"role":"secretary"`) {
			t.Errorf("members: %s", x.body)
		}
		x = w.exchange(t, adminX, "PUT", members, nil, fmt.Sprintf(`{"members":[{"account_id":%d,"role":"boss"}]}`, w.ids[leaderX]))
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"members[0].role"`) {
			t.Errorf("a bad role: %s", x.body)
		}
		c.check(t, w.exchange(t, adminX, "PUT", "/api/v1/cabinet/bodies/999999/members", nil, `{"members":[]}`), 404)
		// Its secretary convenes a meeting and opens a ballot; its chair
		// may not.
		x = w.exchange(t, receiverX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/meetings", body.ID), nil, fmt.Sprintf(
			`{"title":"Họp tổ công tác","starts_at":%q,"items":[{"title":"Rà soát thủ tục","summary":"Danh mục cần đơn giản hóa."}]}`,
			time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339)))
		c.check(t, x, 201)
		c.check(t, w.exchange(t, leaderX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/meetings", body.ID), nil, `{"title":"Họp"}`), 403)
		c.check(t, w.exchange(t, specialistX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/ballots", body.ID), nil, `{"question":"?"}`), 404)
		x = w.exchange(t, receiverX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/ballots", body.ID), nil, fmt.Sprintf(
			`{"question":"Thông qua danh mục?","details":"Theo dự thảo.","deadline":%q,"recipients":[%d]}`,
			time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339), w.ids[leaderX]))
		c.check(t, x, 201)

		// The meeting: read by those invited, unknown to a stranger.
		x = w.exchange(t, adminX, "GET", meeting, nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"kind":"guest"`) || !strings.Contains(string(x.body), `"name":"bao-cao.pdf"`) {
			t.Errorf("the guest's view of the meeting: %.400s", x.body)
		}
		x = w.exchange(t, officialY, "GET", meeting, nil, "")
		c.check(t, x, 404)
		if strings.Contains(string(x.body), "Phiên họp") {
			t.Errorf("a stranger learns of the meeting: %s", x.body)
		}

		// The secretary adds a document to the first point; a member may not.
		pdf := testPDF("du thao ke hoach cai cach hanh chinh")
		x = w.exchange(t, receiverX, "POST", fmt.Sprintf("%s/documents?item_id=%d", meeting, cw.item), nil, "",
			part{field: "file", name: "du-thao-ke-hoach.pdf", content: pdf})
		c.check(t, x, 201)
		var added struct {
			ID          int64  `json:"id"`
			ItemID      int64  `json:"item_id"`
			ContentType string `json:"content_type"`
		}
		json.Unmarshal(x.body, &added)
		if added.ItemID != cw.item || added.ContentType != "application/pdf" {
			t.Errorf("the document: %s", x.body)
		}
		c.check(t, w.exchange(t, specialistX, "POST", meeting+"/documents", nil, "",
			part{field: "file", name: "y-kien.pdf", content: testPDF("y kien")}), 403)
		x = w.exchange(t, receiverX, "POST", meeting+"/documents", nil, "",
			part{field: "file", name: "trang.html", content: []byte("<html><body>không phải PDF</body></html>")})
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"file":`) {
			t.Errorf("an HTML file: %s", x.body)
		}

		// Attendance.
		x = w.exchange(t, receiverX, "PUT", meeting+"/attendance", nil, fmt.Sprintf(`{"attended":{"%d":true,"%d":false}}`, w.ids[leaderX], w.ids[adminX]))
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"attended":true`) || !strings.Contains(string(x.body), `"attended":false`) {
			t.Errorf("attendance: %.400s", x.body)
		}
		c.check(t, w.exchange(t, receiverX, "PUT", meeting+"/attendance", nil, fmt.Sprintf(`{"attended":{"%d":true}}`, w.ids[officialY])), 400)

		// The ballot: a vote, a changed vote, an opinion without its words,
		// the secretary who is not asked, a stranger.
		x = w.exchange(t, specialistX, "PUT", ballot+"/vote", nil, `{"choice":"agree"}`)
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"mine":{`) || strings.Contains(string(x.body), `"tally"`) {
			t.Errorf("the member's vote: %s", x.body)
		}
		x = w.exchange(t, specialistX, "PUT", ballot+"/vote", nil, `{"choice":"other","comment":"Đề nghị bổ sung chỉ tiêu số hóa hồ sơ."}`)
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"choice":"other"`) || !strings.Contains(string(x.body), `"changes":1`) {
			t.Errorf("the changed vote: %s", x.body)
		}
		x = w.exchange(t, specialistX, "PUT", ballot+"/vote", nil, `{"choice":"other"}`)
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"comment":`) {
			t.Errorf("another opinion without its words: %s", x.body)
		}
		c.check(t, w.exchange(t, receiverX, "PUT", ballot+"/vote", nil, `{"choice":"agree"}`), 403)
		c.check(t, w.exchange(t, officialY, "PUT", ballot+"/vote", nil, `{"choice":"agree"}`), 404)
		c.check(t, w.exchange(t, officialY, "GET", ballot, nil, ""), 404)
		c.check(t, w.exchange(t, specialistX, "POST", ballot+"/documents", nil, "",
			part{field: "file", name: "gop-y.pdf", content: testPDF("gop y")}), 403)
		c.check(t, w.exchange(t, receiverX, "POST", ballot+"/documents", nil, "",
			part{field: "file", name: "du-thao.pdf", content: testPDF("du thao")}), 201)

		// The secretary sees every vote and the tally, and may not close
		// the ballot while the chair has not answered before the deadline.
		x = w.exchange(t, receiverX, "GET", ballot, nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"votes":[{`) || !strings.Contains(string(x.body), `"missing":1`) || !strings.Contains(string(x.body), "chỉ tiêu số hóa") {
			t.Errorf("the secretary's view: %s", x.body)
		}
		x = w.exchange(t, receiverX, "POST", ballot+"/close", nil, `{"summary":"Đa số đồng ý."}`)
		c.check(t, x, 409)
		if !strings.Contains(string(x.body), `"code":"conflict"`) {
			t.Errorf("close early: %s", x.body)
		}
		// Past the deadline: no more votes; the summary closes it.
		if _, err := db.Exec(`UPDATE cabinet_ballots SET deadline = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UTC(), cw.ballot); err != nil {
			t.Fatal(err)
		}
		c.check(t, w.exchange(t, leaderX, "PUT", ballot+"/vote", nil, `{"choice":"agree"}`), 409)
		c.check(t, w.exchange(t, specialistX, "POST", ballot+"/close", nil, `{"summary":"Tự tổng hợp."}`), 403)
		c.check(t, w.exchange(t, receiverX, "POST", ballot+"/close", nil, `{"summary":"1 ý kiến khác; chủ tịch không trả lời."}`), 200)
		x = w.exchange(t, specialistX, "GET", ballot, nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"tally":{"asked":2,"agree":0,"disagree":0,"other":1,"missing":1}`) || strings.Contains(string(x.body), `"votes"`) {
			t.Errorf("the member's view of the result: %s", x.body)
		}

		// The minutes: refused to a member and without conclusions, then
		// issued, closing the meeting; no second time.
		minutes := part{field: "file", name: "bien-ban.pdf", content: testPDF("bien ban hop")}
		c.check(t, w.exchange(t, leaderX, "POST", meeting+"/minutes", nil, "", part{field: "conclusions", content: []byte("Thống nhất.")}, minutes), 403)
		x = w.exchange(t, receiverX, "POST", meeting+"/minutes", nil, "", minutes)
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"conclusions":`) {
			t.Errorf("minutes without conclusions: %s", x.body)
		}
		x = w.exchange(t, receiverX, "POST", meeting+"/minutes", nil, "",
			part{field: "conclusions", content: []byte("Thống nhất thông qua báo cáo; giao Văn phòng hoàn thiện kế hoạch.")}, minutes)
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"status":"closed"`) || !strings.Contains(string(x.body), `"minutes_id":`) {
			t.Errorf("minutes: %.400s", x.body)
		}
		c.check(t, w.exchange(t, receiverX, "POST", meeting+"/minutes", nil, "",
			part{field: "conclusions", content: []byte("Lại.")}, minutes), 409)
		c.check(t, w.exchange(t, receiverX, "POST", meeting+"/documents", nil, "",
			part{field: "file", name: "muon.pdf", content: testPDF("muon")}), 409)

		// The document, on the chair's phone; unknown to a stranger.
		path := fmt.Sprintf("/api/v1/cabinet/documents/%d", added.ID)
		x = w.exchange(t, leaderX, "GET", path, nil, "")
		c.binary(t, x, 200, added.ContentType)
		if !bytes.Equal(x.body, pdf) || !strings.HasPrefix(x.res.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("the document: %d bytes, Content-Disposition %q", len(x.body), x.res.Header.Get("Content-Disposition"))
		}
		c.check(t, w.exchange(t, officialY, "GET", path, nil, ""), 404)
	}, jobs.Migrate)
}
