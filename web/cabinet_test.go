package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// cabinetWorld is a People's Committee of commune X as a body: the leader
// chairs it, the specialist is a member, the receiver is its secretary;
// the agency administrator is invited to its meeting as a guest.
type cabinetWorld struct {
	body, meeting, ballot, document, item int64
}

func (w *world) cabinet(t *testing.T) cabinetWorld {
	t.Helper()
	var cw cabinetWorld
	post := func(who, method, path, body string, want int, dst any) {
		t.Helper()
		res, b := w.send(t, who, method, path, nil, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, res.StatusCode, want, b)
		}
		if dst != nil {
			json.Unmarshal(b, dst)
		}
	}
	var body struct{ ID int64 }
	post(adminX, "POST", "/api/v1/cabinet/bodies", `{"agency_code":"`+agencyX+`","name":"Ủy ban nhân dân phường Hoàn Kiếm"}`, 201, &body)
	cw.body = body.ID
	post(adminX, "PUT", fmt.Sprintf("/api/v1/cabinet/bodies/%d/members", cw.body), fmt.Sprintf(
		`{"members":[{"account_id":%d,"role":"chair"},{"account_id":%d,"role":"member"},{"account_id":%d,"role":"secretary"}]}`,
		w.ids[leaderX], w.ids[specialistX], w.ids[receiverX]), 200, nil)
	var meeting struct {
		ID    int64
		Items []struct{ ID int64 }
	}
	starts := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	post(receiverX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/meetings", cw.body), fmt.Sprintf(
		`{"title":"Phiên họp thường kỳ tháng 12","starts_at":"%s","location":"Phòng họp tầng 2",
		"items":[{"title":"Báo cáo tình hình giải quyết thủ tục hành chính","presenter":"Văn phòng"},{"title":"Kế hoạch cải cách hành chính năm 2027"}],
		"guests":[%d]}`, starts, w.ids[adminX]), 201, &meeting)
	cw.meeting, cw.item = meeting.ID, meeting.Items[0].ID
	res, b := w.send(t, receiverX, "POST", fmt.Sprintf("/api/v1/cabinet/meetings/%d/documents?item_id=%d", cw.meeting, cw.item), nil, "",
		part{field: "file", name: "bao-cao.pdf", content: testPDF("bao cao tinh hinh")})
	if res.StatusCode != 201 {
		t.Fatalf("meeting document: %d %s", res.StatusCode, b)
	}
	var doc struct{ ID int64 }
	json.Unmarshal(b, &doc)
	cw.document = doc.ID
	var ballot struct{ ID int64 }
	deadline := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	post(receiverX, "POST", fmt.Sprintf("/api/v1/cabinet/bodies/%d/ballots", cw.body),
		`{"question":"Thông qua kế hoạch cải cách hành chính năm 2027?","deadline":"`+deadline+`"}`, 201, &ballot)
	cw.ballot = ballot.ID
	return cw
}

// TestMeetingLife: a meeting is convened with its agenda and documents,
// read by those invited and by nobody else, attended, and closed with the
// minutes and conclusions.
func TestMeetingLife(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for who, addr := range map[string]string{leaderX: "chutich@hoankiem.example.vn", specialistX: "chuyenvien@hoankiem.example.vn"} {
			if res, b := w.send(t, who, "PUT", "/api/v1/me/contact", nil, `{"email":"`+addr+`"}`); res.StatusCode != 200 {
				t.Fatalf("contact: %d %s", res.StatusCode, b)
			}
		}
		mails := countJobs(t, db, "notify_email")
		cw := w.cabinet(t)
		// The invitation and the ballot, each to the chair and the member.
		if sent := countJobs(t, db, "notify_email") - mails; sent != 4 {
			t.Errorf("%d e-mails for the notice and the ballot, want 4", sent)
		}
		path := fmt.Sprintf("/api/v1/cabinet/meetings/%d", cw.meeting)
		for who, want := range map[string]int{leaderX: 200, specialistX: 200, receiverX: 200, adminX: 200, officialY: 404, citizenA: 404, sysAdmin: 404} {
			if code, body := w.do(t, who, "GET", path, ""); code != want {
				t.Errorf("%s reads the meeting: %d, want %d: %.200s", who, code, want, body)
			}
		}
		_, body := w.do(t, specialistX, "GET", path, "")
		if !strings.Contains(body, "Báo cáo tình hình giải quyết") || !strings.Contains(body, `"name":"bao-cao.pdf"`) {
			t.Errorf("meeting: %s", body)
		}
		// Members read the documents on a phone; strangers cannot.
		res, doc := w.send(t, leaderX, "GET", fmt.Sprintf("/api/v1/cabinet/documents/%d", cw.document), nil, "")
		if res.StatusCode != 200 || !bytes.Contains(doc, []byte("bao cao tinh hinh")) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("document: %d %s", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		if code, _ := w.do(t, officialY, "GET", fmt.Sprintf("/api/v1/cabinet/documents/%d", cw.document), ""); code != 404 {
			t.Errorf("a stranger reads the document: %d", code)
		}
		if code, _ := w.do(t, specialistX, "GET", fmt.Sprintf("/noi-cac/hop/%d", cw.meeting), ""); code != 200 {
			t.Errorf("meeting page: %d", code)
		}
		// Attendance, then the minutes.
		res, b := w.send(t, receiverX, "PUT", path+"/attendance", nil, fmt.Sprintf(`{"attended":{"%d":true,"%d":false}}`, w.ids[leaderX], w.ids[specialistX]))
		if res.StatusCode != 200 || !strings.Contains(string(b), `"attended":true`) || !strings.Contains(string(b), `"attended":false`) {
			t.Errorf("attendance: %d %s", res.StatusCode, b)
		}
		res, b = w.send(t, leaderX, "POST", path+"/minutes", nil, "", part{field: "conclusions", content: []byte("Thống nhất.")},
			part{field: "file", name: "bien-ban.pdf", content: testPDF("bien ban")})
		if res.StatusCode != 403 {
			t.Errorf("a member issues the minutes: %d %s", res.StatusCode, b)
		}
		res, b = w.send(t, receiverX, "POST", path+"/minutes", nil, "", part{field: "conclusions", content: []byte("Thống nhất thông qua báo cáo; giao Văn phòng hoàn thiện kế hoạch.")},
			part{field: "file", name: "bien-ban.pdf", content: testPDF("bien ban hop")})
		if res.StatusCode != 200 || !strings.Contains(string(b), `"status":"closed"`) || !strings.Contains(string(b), "giao Văn phòng") {
			t.Fatalf("minutes: %d %s", res.StatusCode, b)
		}
		res, b = w.send(t, receiverX, "POST", path+"/minutes", nil, "", part{field: "conclusions", content: []byte("Lại")},
			part{field: "file", name: "bien-ban-2.pdf", content: testPDF("bien ban 2")})
		if res.StatusCode != 409 {
			t.Errorf("minutes twice: %d %s", res.StatusCode, b)
		}
		_, body = w.do(t, adminX, "GET", "/api/v1/cabinet/agenda", "")
		if !strings.Contains(body, "Phiên họp thường kỳ tháng 12") {
			t.Errorf("the guest's agenda: %s", body)
		}
	}, jobs.Migrate)
}

// TestBallot: members vote once and may change their vote until the
// deadline; a vote after it and a vote by someone not asked are refused;
// every vote is in the audit log; the secretary issues the summary.
func TestBallot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		cw := w.cabinet(t)
		path := fmt.Sprintf("/api/v1/cabinet/ballots/%d", cw.ballot)
		vote := func(who, body string, want int) string {
			t.Helper()
			res, b := w.send(t, who, "PUT", path+"/vote", nil, body)
			if res.StatusCode != want {
				t.Fatalf("vote by %s: %d, want %d: %s", who, res.StatusCode, want, b)
			}
			return string(b)
		}
		vote(specialistX, `{"choice":"agree"}`, 200)
		b := vote(specialistX, `{"choice":"other","comment":"Đề nghị bổ sung chỉ tiêu số hóa hồ sơ."}`, 200)
		if !strings.Contains(b, `"choice":"other"`) || !strings.Contains(b, `"changes":1`) {
			t.Errorf("changed vote: %s", b)
		}
		if strings.Contains(b, `"tally"`) {
			t.Errorf("a member sees the tally of an open ballot: %s", b)
		}
		vote(specialistX, `{"choice":"other"}`, 400) // another opinion needs its words
		vote(receiverX, `{"choice":"agree"}`, 403)   // the secretary is not asked
		vote(adminX, `{"choice":"agree"}`, 404)      // nor is the guest of the meeting
		vote(officialY, `{"choice":"agree"}`, 404)
		// The secretary sees every vote; closing early needs every answer.
		res, sb := w.send(t, receiverX, "GET", path, nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(sb), `"missing":1`) || !strings.Contains(string(sb), "chỉ tiêu số hóa") {
			t.Errorf("secretary's view: %s", sb)
		}
		if res, b := w.send(t, receiverX, "POST", path+"/close", nil, `{"summary":"Đa số đồng ý."}`); res.StatusCode != 409 {
			t.Errorf("close early: %d %s", res.StatusCode, b)
		}
		// Past the deadline: the chair can no longer vote.
		if _, err := db.Exec(`UPDATE cabinet_ballots SET deadline = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UTC(), cw.ballot); err != nil {
			t.Fatal(err)
		}
		b = vote(leaderX, `{"choice":"agree"}`, 409)
		if !strings.Contains(b, "hết hạn") {
			t.Errorf("late vote: %s", b)
		}
		res, cb := w.send(t, receiverX, "POST", path+"/close", nil, `{"summary":"1 ý kiến khác; chủ tịch không trả lời. Giao Văn phòng tiếp thu."}`)
		if res.StatusCode != 200 || !strings.Contains(string(cb), `"status":"closed"`) {
			t.Fatalf("close: %d %s", res.StatusCode, cb)
		}
		_, mb := w.do(t, specialistX, "GET", path, "")
		if !strings.Contains(mb, `"tally":{"asked":2,"agree":0,"disagree":0,"other":1,"missing":1}`) || !strings.Contains(mb, "Giao Văn phòng tiếp thu") {
			t.Errorf("member's view of the result: %s", mb)
		}
		// Every vote and change is audited.
		var votes int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('cabinet.voted', 'cabinet.vote_changed') AND subject = $1`,
			fmt.Sprintf("cabinet_ballot:%d", cw.ballot)).Scan(&votes); err != nil {
			t.Fatal(err)
		}
		if votes != 2 {
			t.Errorf("%d votes in the audit log, want 2", votes)
		}
		// The page works without JavaScript for the member.
		if code, page := w.do(t, specialistX, "GET", fmt.Sprintf("/noi-cac/phieu/%d", cw.ballot), ""); code != 200 || !strings.Contains(page, "Ý kiến khác") {
			t.Errorf("ballot page: %d", code)
		}
	}, jobs.Migrate)
}

// TestBallotReminders: a day before the deadline, the members who have not
// answered are reminded, once.
func TestBallotReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if res, b := w.send(t, leaderX, "PUT", "/api/v1/me/contact", nil, `{"email":"chutich@hoankiem.example.vn"}`); res.StatusCode != 200 {
			t.Fatalf("contact: %d %s", res.StatusCode, b)
		}
		cw := w.cabinet(t)
		ctx := context.Background()
		if n, err := w.cab.Remind(ctx); err != nil || n != 0 {
			t.Errorf("two days before: %d reminded, %v", n, err)
		}
		if res, b := w.send(t, specialistX, "PUT", fmt.Sprintf("/api/v1/cabinet/ballots/%d/vote", cw.ballot), nil, `{"choice":"agree"}`); res.StatusCode != 200 {
			t.Fatalf("vote: %d %s", res.StatusCode, b)
		}
		if _, err := db.Exec(`UPDATE cabinet_ballots SET deadline = $1 WHERE id = $2`, time.Now().Add(3*time.Hour).UTC(), cw.ballot); err != nil {
			t.Fatal(err)
		}
		mails := countJobs(t, db, "notify_email")
		if n, err := w.cab.Remind(ctx); err != nil || n != 1 {
			t.Errorf("three hours before: %d reminded, %v; want the chair only", n, err)
		}
		if sent := countJobs(t, db, "notify_email") - mails; sent != 1 {
			t.Errorf("%d reminders sent, want 1", sent)
		}
		if n, _ := w.cab.Remind(ctx); n != 0 {
			t.Errorf("reminded again: %d", n)
		}
	}, jobs.Migrate)
}

// TestCabinetPages: the secretary opens a ballot and convenes a meeting
// with the forms; a member answers on the page; errors show on the form.
func TestCabinetPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		cw := w.cabinet(t)
		day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
		base := fmt.Sprintf("/noi-cac/co-quan/%d", cw.body)
		code, body := w.do(t, receiverX, "POST", base+"/phieu-moi", "question=&date="+day+"&time=17:00")
		if code != 400 || !strings.Contains(body, "error-summary") {
			t.Errorf("empty question: %d", code)
		}
		code, _ = w.do(t, receiverX, "POST", base+"/phieu-moi", "question=Th%C3%B4ng+qua+quy+ch%E1%BA%BF+l%C3%A0m+vi%E1%BB%87c%3F&date="+day+"&time=17:00")
		if code != 303 {
			t.Fatalf("new ballot: %d", code)
		}
		var ballot int64
		if err := db.QueryRow(`SELECT MAX(id) FROM cabinet_ballots`).Scan(&ballot); err != nil {
			t.Fatal(err)
		}
		if code, _ := w.do(t, specialistX, "POST", fmt.Sprintf("/noi-cac/phieu/%d/tra-loi", ballot), "choice=disagree&comment=Ch%C6%B0a+r%C3%B5"); code != 303 {
			t.Errorf("vote on the page: %d", code)
		}
		if _, page := w.do(t, specialistX, "GET", fmt.Sprintf("/noi-cac/phieu/%d", ballot), ""); !strings.Contains(page, "Chưa rõ") || !strings.Contains(page, "Sửa ý kiến") {
			t.Errorf("ballot page after the vote lacks the answer")
		}
		code, _ = w.do(t, receiverX, "POST", base+"/hop-moi", "title=H%E1%BB%8Dp+chuy%C3%AAn+%C4%91%E1%BB%81&date="+day+"&time=08:30&location=Ph%C3%B2ng+h%E1%BB%8Dp&items=B%C3%A1o+c%C3%A1o%0AK%E1%BA%BF+ho%E1%BA%A1ch")
		if code != 303 {
			t.Fatalf("new meeting: %d", code)
		}
		if _, page := w.do(t, specialistX, "GET", "/noi-cac", ""); !strings.Contains(page, "Họp chuyên đề") || !strings.Contains(page, "Thông qua quy chế") {
			t.Errorf("the member's agenda lacks the new meeting or ballot")
		}
	}, jobs.Migrate)
}
