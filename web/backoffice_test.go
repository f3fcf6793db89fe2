package web_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	edx "github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// fillForm returns an application for procedure code at agency with every
// required field of the demo catalog filled.
func fillForm(t *testing.T, w *world, code, agency string) map[string]any {
	t.Helper()
	status, body := w.do(t, anonymous, "GET", "/api/v1/procedures/"+code, "")
	if status != 200 {
		t.Fatal(body)
	}
	var p struct {
		FormFields []struct {
			Name     string   `json:"name"`
			Type     string   `json:"type"`
			Required bool     `json:"required"`
			Prefill  string   `json:"prefill"`
			Options  []string `json:"options"`
		} `json:"form_fields"`
	}
	json.Unmarshal([]byte(body), &p)
	data := map[string]any{}
	for _, f := range p.FormFields {
		if !f.Required {
			continue // what the account knows the server fills in anyway
		}
		switch f.Type {
		case "choice":
			data[f.Name] = f.Options[0]
		case "date":
			data[f.Name] = "2026-11-20"
		case "id_number":
			data[f.Name] = "001195012347"
		case "number":
			data[f.Name] = 1
		case "phone":
			data[f.Name] = "0912345678"
		case "email":
			data[f.Name] = "a@example.vn"
		case "address":
			data[f.Name] = map[string]any{"detail": "Số 5 phố Hàng Bạc", "commune": agencyX, "province": "000.00.00.H26"}
		case "table":
		default:
			data[f.Name] = "Thông tin thử nghiệm"
		}
	}
	return map[string]any{"procedure_code": code, "agency_code": agency, "data": data}
}

// official adds an official to agency through the API as its admin and
// signs them in, returning the caller's name in w.
func (w *world) official(t *testing.T, admin, agency, username string, roles ...string) string {
	t.Helper()
	rolesJSON, _ := json.Marshal(roles)
	res, body := w.send(t, admin, "POST", "/api/v1/agencies/"+agency+"/officials", nil,
		`{"username":"`+username+`","full_name":"Cán Bộ Phối Hợp","roles":`+string(rolesJSON)+`,"password":"`+pw+`"}`)
	if res.StatusCode != 201 {
		t.Fatalf("add official: %d %s", res.StatusCode, body)
	}
	var acct struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(body, &acct)
	res, body = w.send(t, anonymous, "POST", "/api/v1/auth/token", nil, `{"username":"`+username+`","password":"`+pw+`"}`)
	if res.StatusCode != 200 {
		t.Fatalf("token: %d %s", res.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &tok)
	w.tokens[username], w.ids[username] = tok.AccessToken, acct.ID
	return username
}

// TestInterAgencyProcedureOverHTTP: an inter-agency dossier (liên thông:
// birth registration, permanent residence and health insurance card) is
// received by the commune, transferred to a partner agency for its part,
// sent back, approved with a result issued from the template and returned.
func TestInterAgencyProcedureOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		partner := w.official(t, officialY, agencyY, "y.chuyenvien", "specialist")
		app := fillForm(t, w, "3.000722", agencyX)
		app["submit"] = true
		form, _ := json.Marshal(app)
		res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, "",
			part{field: "dossier", content: form},
			part{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai lien thong")},
			part{field: "file.TP2", name: "giay-chung-sinh.png", content: testPNG(t)})
		if res.StatusCode != 201 {
			t.Fatalf("submit: %d %s", res.StatusCode, body)
		}
		d := decodeDossier(t, body)
		act := func(who, action, extra string, want int) apiDossier {
			t.Helper()
			res, body := w.send(t, who, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"`+action+`"`+extra+`}`)
			if res.StatusCode != want {
				t.Fatalf("%s by %s: %d, want %d: %s", action, who, res.StatusCode, want, body)
			}
			if want != 200 {
				return apiDossier{}
			}
			return decodeDossier(t, body)
		}
		// A receiver of another agency sees nothing of it.
		receiverY := w.official(t, officialY, agencyY, "y.tiepnhan", "receiver")
		if code, _ := w.do(t, receiverY, "GET", "/api/v1/dossiers/"+d.Code, ""); code != 404 {
			t.Errorf("receiver of Y reads X's dossier: %d", code)
		}
		if code, _ := w.do(t, receiverY, "GET", "/api/v1/agencies/"+agencyX+"/dossiers", ""); code != 403 {
			t.Errorf("receiver of Y reads X's queue: %d", code)
		}
		act(receiverY, "receive", "", 404)
		d = act(receiverX, "receive", "", 200)
		due := d.DueAt
		// Both agencies are on the document axis, with egov's certificate:
		// the transfer and its return travel over it.
		ctx := context.Background()
		sys := &identity.Account{Kind: identity.KindOfficial, Roles: []identity.Role{identity.RoleSystemAdmin}}
		for _, code := range []string{agencyX, agencyY} {
			if _, err := w.axis.SaveMember(ctx, sys, edx.Member{AgencyCode: code, Name: code}, identity.Request{}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.axis.AddKey(ctx, sys, code, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: platformCert.Raw}), identity.Request{}); err != nil {
				t.Fatal(err)
			}
		}
		axisInbox := func(code, want string) {
			t.Helper()
			items, err := w.axis.Inbox(ctx, code, 0, 0)
			if err != nil || len(items) != 1 {
				t.Fatalf("%s's axis inbox: %+v %v", code, items, err)
			}
			env, err := edxml.Parse(items[0].Body)
			if err != nil || !strings.HasPrefix(env.Subject, want) || !strings.Contains(string(env.Attachments[0].Data), `"MaHoSo":"`+d.Code+`"`) {
				t.Errorf("%s got %+v, %v; want a slip %q for %s", code, env, err, want, d.Code)
			}
			if _, err := edxml.Verify(items[0].Body, []*x509.Certificate{platformCert}); err != nil {
				t.Errorf("the slip is not signed by egov: %v", err)
			}
			if err := w.axis.Ack(ctx, code, items[0].DeliveryID, ""); err != nil {
				t.Fatal(err)
			}
		}
		act(specialistX, "transfer", `,"to_agency":"000.00.00.G99"`, 400)
		d = act(specialistX, "transfer", `,"to_agency":"`+agencyY+`","comment":"Đề nghị đăng ký thường trú cho trẻ"`, 200)
		if d.Step != "partner" {
			t.Fatalf("after the transfer: step %s", d.Step)
		}
		axisInbox(agencyY, "Chuyển hồ sơ "+d.Code)
		// The partner sees it in its queue; the commune's specialist can
		// no longer act on it, but the commune still sees it.
		res, body = w.send(t, partner, "GET", "/api/v1/agencies/"+agencyY+"/dossiers?queue=todo", nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(body), d.Code) {
			t.Errorf("partner's queue: %d %s", res.StatusCode, body)
		}
		act(specialistX, "forward", "", 409)
		if code, _ := w.do(t, receiverX, "GET", "/api/v1/dossiers/"+d.Code, ""); code != 200 {
			t.Errorf("the commune lost sight of its dossier: %d", code)
		}
		d = act(partner, "return_transfer", `,"comment":"Đã đăng ký thường trú"`, 200)
		axisInbox(agencyX, "Trả hồ sơ "+d.Code)
		if d.Step != "appraisal" || d.DueAt != due {
			t.Errorf("back from the partner: step %s, due %s (was %s)", d.Step, d.DueAt, due)
		}
		act(partner, "forward", "", 404) // the partner's part is over
		d = act(specialistX, "forward", "", 200)
		d = act(leaderX, "approve", `,"generate_result":true`, 200)
		if d.Status != "done" || d.ResultDocument == nil {
			t.Fatalf("approved: %+v", d)
		}
		d = act(receiverX, "return_result", "", 200)
		var actions []string
		for _, h := range d.History {
			actions = append(actions, h.Action)
		}
		if want := "created submitted receive transfer return_transfer forward approve return_result"; strings.Join(actions, " ") != want {
			t.Errorf("history %v, want %s", actions, want)
		}
		res, body = w.send(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/result", nil, "")
		if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("result: %d %.20q", res.StatusCode, body)
		}
	}, jobs.Migrate)
}

// TestCounterIntakeOverHTTP: a receiver enters a paper dossier for a
// citizen who came to the desk; it gets a code, a receipt and tracking,
// and shows in the citizen's own list because they have an account.
func TestCounterIntakeOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		app := fillForm(t, w, "1.001193", agencyX)
		data := app["data"].(map[string]any)
		data["nguoi_yeu_cau_ho_ten"] = "Trần Thị Bình"
		data["nguoi_yeu_cau_so_dinh_danh"] = "079195012346"
		data["nguoi_yeu_cau_noi_cu_tru"] = "Số 9 Lê Lợi, Bến Nghé, TP. Hồ Chí Minh"
		data["nguoi_yeu_cau_dien_thoai"] = "0987654321"
		intake, _ := json.Marshal(map[string]any{"procedure_code": "1.001193", "data": data,
			"applicant": map[string]any{"kind": "citizen", "name": "Trần Thị Bình", "id_number": "079195012346", "phone": "0987654321"}})
		parts := []part{{field: "dossier", content: intake},
			{field: "file.TP1", name: "scan-to-khai.pdf", content: testPDF("ban quet to khai")},
			{field: "file.TP2", name: "scan-chung-sinh.png", content: testPNG(t)}}
		res, body := w.send(t, citizenA, "POST", "/api/v1/agencies/"+agencyX+"/dossiers", nil, "", parts...)
		if res.StatusCode != 403 {
			t.Errorf("a citizen at the desk's API: %d %s", res.StatusCode, body)
		}
		key := map[string]string{"Idempotency-Key": "quay-1"}
		res, body = w.send(t, receiverX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers", key, "", parts...)
		if res.StatusCode != 201 {
			t.Fatalf("intake: %d %s", res.StatusCode, body)
		}
		d := decodeDossier(t, body)
		if d.Status != "processing" || d.Step != "appraisal" || d.DueAt == "" || len(d.Papers) != 2 {
			t.Fatalf("intake: %s", body)
		}
		res, body = w.send(t, receiverX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers", key, "", parts...)
		if res.StatusCode != 201 || decodeDossier(t, body).Code != d.Code {
			t.Errorf("intake retried: %d %s", res.StatusCode, body)
		}
		// The citizen has an account: the dossier is in their list.
		status, list := w.do(t, citizenB, "GET", "/api/v1/dossiers", "")
		if status != 200 || !strings.Contains(list, d.Code) || !strings.Contains(list, `"channel":"counter"`) {
			t.Errorf("citizen B's dossiers: %d %s", status, list)
		}
		status, tb := w.do(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, "")
		if status != 200 || !strings.Contains(tb, `"national_status":4`) {
			t.Errorf("tracking: %d %s", status, tb)
		}
		res, body = w.send(t, receiverX, "GET", "/api/v1/dossiers/"+d.Code+"/receipt", nil, "")
		if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("receipt: %d", res.StatusCode)
		}
		// Bad input: the applicant's ID number, and a missing scan.
		bad, _ := json.Marshal(map[string]any{"procedure_code": "1.001193", "data": data,
			"applicant": map[string]any{"kind": "citizen", "name": "Trần Thị Bình", "id_number": "123"}})
		res, body = w.send(t, receiverX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers", nil, "", part{field: "dossier", content: bad})
		if res.StatusCode != 400 || !strings.Contains(string(body), `"applicant.id_number"`) || !strings.Contains(string(body), `"papers.TP1"`) {
			t.Errorf("bad intake: %d %s", res.StatusCode, body)
		}
		// The queue of the specialists shows it with its urgency.
		res, body = w.send(t, specialistX, "GET", "/api/v1/agencies/"+agencyX+"/dossiers?queue=todo&q=tran+thi+binh", nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(body), d.Code) || !strings.Contains(string(body), `"urgency":"`) {
			t.Errorf("queue: %d %s", res.StatusCode, body)
		}
		// Assigned in bulk by the leader; another specialist is refused.
		other := w.official(t, adminX, agencyX, "x.chuyenvien2", "specialist")
		res, body = w.send(t, leaderX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers/assign", nil,
			fmt.Sprintf(`{"codes":["%s"],"assignee_id":%d}`, d.Code, w.ids[specialistX]))
		if res.StatusCode != 200 || !strings.Contains(string(body), `"assigned":["`+d.Code+`"]`) {
			t.Fatalf("assign: %d %s", res.StatusCode, body)
		}
		res, body = w.send(t, other, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"forward"}`)
		if res.StatusCode != 403 {
			t.Errorf("another specialist forwards: %d %s", res.StatusCode, body)
		}
		res, body = w.send(t, specialistX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"forward"}`)
		if res.StatusCode != 200 {
			t.Errorf("the assignee forwards: %d %s", res.StatusCode, body)
		}
	}, jobs.Migrate)
}

// TestOfficialsStartAtTheirDesk: after signing in, an official of the
// one-stop desk lands on the queues, a citizen on the home page.
func TestOfficialsStartAtTheirDesk(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t, jobs.Migrate))
	for user, want := range map[string]string{"x.tiepnhan": "/mot-cua", "x.lanhdao": "/mot-cua", "x.quantri": "/", "001090012345": "/"} {
		req, _ := http.NewRequest("POST", w.ts.URL+"/dang-nhap", strings.NewReader("username="+user+"&password="+url.QueryEscape(pw)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		client := w.ts.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != want {
			t.Errorf("%s signs in: %d to %q, want %s", user, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}
