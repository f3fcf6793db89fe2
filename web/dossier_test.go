package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// testPDF is a small valid PDF.
func testPDF(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% " +
		text + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// part is one part of a multipart request: a file when name is set.
type part struct {
	field, name string
	content     []byte
}

// send makes an API request as who; body is JSON, or multipart when parts
// are given.
func (w *world) send(t *testing.T, who, method, path string, header map[string]string, body string, parts ...part) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	ctype := "application/json"
	if len(parts) > 0 {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, p := range parts {
			if p.name == "" {
				mw.WriteField(p.field, string(p.content))
				continue
			}
			fw, err := mw.CreateFormFile(p.field, p.name)
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(p.content)
		}
		mw.Close()
		rd, ctype = &b, mw.FormDataContentType()
	}
	req, _ := http.NewRequest(method, w.ts.URL+path, rd)
	req.Header.Set("Content-Type", ctype)
	if tok := w.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := w.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type apiDossier struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Status  string `json:"status"`
	Step    string `json:"step"`
	Version int    `json:"version"`
	DueAt   string `json:"due_at"`
	Data    map[string]any
	Papers  []struct {
		Component  string `json:"component"`
		DocumentID int64  `json:"document_id"`
		Round      int    `json:"round"`
		Hash       string `json:"hash"`
	} `json:"papers"`
	History []struct {
		Action   string `json:"action"`
		ToStatus string `json:"to_status"`
	} `json:"history"`
	Actions        []string `json:"actions"`
	ResultDocument *struct {
		ID   int64  `json:"id"`
		Hash string `json:"hash"`
	} `json:"result_document"`
	Rating *struct {
		Score int `json:"score"`
	} `json:"rating"`
}

func decodeDossier(t *testing.T, b []byte) apiDossier {
	t.Helper()
	var d apiDossier
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return d
}

// birthApplication is the form of a birth registration (1.001193) at
// commune X, without the fields the account prefills.
const birthApplication = `{"procedure_code":"1.001193","agency_code":"` + agencyX + `","submit":true,"data":{
	"quan_he_voi_tre":"Cha","tre_ho_ten":"Nguyễn Minh Khôi","tre_ngay_sinh":"2026-11-20","tre_gioi_tinh":"Nam",
	"tre_noi_sinh":"Bệnh viện Phụ sản Hà Nội","tre_dan_toc":"Kinh","tre_quoc_tich":"Việt Nam",
	"me_ho_ten":"Trần Thị Mai","me_so_dinh_danh":"001195012347","me_nam_sinh":"1995-03-01",
	"cha_ho_ten":"Nguyễn Văn An","nguoi_yeu_cau_noi_cu_tru":{"detail":"Số 5 phố Hàng Bạc","commune":"` + agencyX + `","province":"000.00.00.H26"},"cha_so_dinh_danh":"001090012345","cha_nam_sinh":"1990-05-12"}}`

// TestDossierLifeOverHTTP is the citizen's whole path through the API:
// submit a birth registration with two files, retry it, track it, answer a
// request for papers, receive the result, rate it.
func TestDossierLifeOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		mailsBefore := countJobs(t, db, "notify_email")
		form := fillBirthForm(t, w)
		pdf, img := testPDF("to khai"), testPNG(t)
		key := map[string]string{"Idempotency-Key": "khai-sinh-1"}
		res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", key, "",
			part{field: "dossier", content: []byte(form)},
			part{field: "file.TP1", name: "to-khai.pdf", content: pdf},
			part{field: "file.TP2", name: "giay chung sinh.png", content: img})
		if res.StatusCode != 201 {
			t.Fatalf("submit: %d %s", res.StatusCode, body)
		}
		d := decodeDossier(t, body)
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(agencyX) + `-\d{6}-0001$`).MatchString(d.Code) {
			t.Errorf("code %q is not <agency>-<yymmdd>-0001", d.Code)
		}
		if d.Status != "submitted" || d.DueAt == "" || len(d.Papers) != 2 {
			t.Fatalf("submitted dossier: %s", body)
		}
		if d.Data["nguoi_yeu_cau_ho_ten"] != "Nguyễn Văn An" || d.Data["nguoi_yeu_cau_so_dinh_danh"] != "001090012345" {
			t.Errorf("the account did not prefill the applicant: %v", d.Data)
		}
		if res.Header.Get("Location") != "/api/v1/dossiers/"+d.Code {
			t.Errorf("Location %q", res.Header.Get("Location"))
		}

		// A retry with the same key is the same dossier.
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers", key, "",
			part{field: "dossier", content: []byte(form)},
			part{field: "file.TP1", name: "to-khai.pdf", content: pdf},
			part{field: "file.TP2", name: "giay chung sinh.png", content: img})
		if res.StatusCode != 201 || decodeDossier(t, body).Code != d.Code || res.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s", res.StatusCode, body)
		}
		// The same key for another application is refused.
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers", key, strings.Replace(form, "Nguyễn Minh Khôi", "Nguyễn Minh Khang", 1))
		if res.StatusCode != 409 || !strings.Contains(string(body), "Idempotency-Key") {
			t.Errorf("same key, other body: %d %s", res.StatusCode, body)
		}

		// Anyone may track it by code; nobody learns who it is for.
		code, tb := w.do(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, "")
		if code != 200 || !strings.Contains(tb, `"status":"submitted"`) || !strings.Contains(tb, `"national_status":1`) {
			t.Errorf("tracking: %d %s", code, tb)
		}
		for _, secret := range []string{"Nguyễn Văn An", "001090012345", "an@example.vn", "Khôi"} {
			if strings.Contains(tb, secret) {
				t.Errorf("tracking shows %q: %s", secret, tb)
			}
		}
		// The receipt is a PDF.
		res, body = w.send(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/receipt", nil, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("receipt: %d %s %.20q", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		// Another citizen sees nothing of it.
		if code, _ := w.do(t, citizenB, "GET", "/api/v1/dossiers/"+d.Code, ""); code != 404 {
			t.Errorf("citizen B reads A's dossier: %d", code)
		}

		act := func(who, action, extra string, want int) apiDossier {
			t.Helper()
			res, body := w.send(t, who, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil,
				`{"action":"`+action+`"`+extra+`}`)
			if res.StatusCode != want {
				t.Fatalf("%s by %s: %d, want %d: %s", action, who, res.StatusCode, want, body)
			}
			if want != 200 {
				return apiDossier{}
			}
			return decodeDossier(t, body)
		}
		// The receiver's queue shows what they may do.
		res, body = w.send(t, receiverX, "GET", "/api/v1/dossiers/"+d.Code, nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(body), `"actions":["receive","request_supplement","refuse"]`) {
			t.Errorf("receiver's view: %d %s", res.StatusCode, body)
		}
		act(specialistX, "receive", "", 403)
		d = act(receiverX, "receive", "", 200)
		if d.Status != "processing" || d.Step != "appraisal" {
			t.Fatalf("received: %+v", d)
		}
		// Withdrawing is too late once received.
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/withdraw", nil, `{"reason":"nhầm"}`)
		if res.StatusCode != 409 {
			t.Errorf("withdraw after reception: %d %s", res.StatusCode, body)
		}
		act(specialistX, "request_supplement", "", 400) // what to add is required
		d = act(specialistX, "request_supplement", `,"comment":"Giấy chứng sinh bị mờ, vui lòng chụp lại."`, 200)
		if d.Status != "supplement_requested" {
			t.Fatalf("supplement requested: %+v", d)
		}
		// The citizen supplements the same dossier with a clearer scan.
		clearer := testPDF("giay chung sinh ro net")
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/supplement", nil, "",
			part{field: "supplement", content: []byte(`{"comment":"Đã chụp lại giấy chứng sinh."}`)},
			part{field: "file.TP2", name: "giay-chung-sinh.pdf", content: clearer})
		if res.StatusCode != 200 {
			t.Fatalf("supplement: %d %s", res.StatusCode, body)
		}
		d = decodeDossier(t, body)
		if d.Status != "processing" || len(d.Papers) != 3 || d.Papers[2].Round != 1 {
			t.Fatalf("after supplement: %s", body)
		}
		d = act(specialistX, "forward", "", 200)
		act(specialistX, "approve", "", 403) // a specialist cannot approve
		// The leader signs the result and uploads it.
		res, body = w.send(t, leaderX, "POST", "/api/v1/documents", nil, "",
			part{field: "file", name: "giay-khai-sinh.pdf", content: testPDF("GIAY KHAI SINH so 123")})
		if res.StatusCode != 201 {
			t.Fatalf("upload result: %d %s", res.StatusCode, body)
		}
		var result struct {
			ID   int64  `json:"id"`
			Hash string `json:"hash"`
		}
		json.Unmarshal(body, &result)
		act(leaderX, "approve", "", 400) // the result file is required
		d = act(leaderX, "approve", fmt.Sprintf(`,"result_document_id":%d`, result.ID), 200)
		if d.Status != "done" || d.ResultDocument == nil || d.ResultDocument.Hash != result.Hash {
			t.Fatalf("approved: %+v", d)
		}
		d = act(receiverX, "return_result", "", 200)
		if d.Status != "returned" {
			t.Fatalf("returned: %+v", d)
		}
		// The citizen downloads the result; it is in their document store.
		res, body = w.send(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/result", nil, "")
		if res.StatusCode != 200 || !bytes.Contains(body, []byte("GIAY KHAI SINH so 123")) || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("result download: %d %.80s", res.StatusCode, body)
		}
		code, docs := w.do(t, citizenA, "GET", "/api/v1/documents", "")
		if code != 200 || !strings.Contains(docs, `"kind":"result"`) || !strings.Contains(docs, `"dossier_code":"`+d.Code+`"`) {
			t.Errorf("document store: %d %s", code, docs)
		}
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/rating", nil, `{"score":6}`)
		if res.StatusCode != 400 {
			t.Errorf("rating 6: %d %s", res.StatusCode, body)
		}
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/rating", nil, `{"score":5,"comment":"Nhanh, gọn."}`)
		if res.StatusCode != 200 || decodeDossier(t, body).Rating == nil {
			t.Fatalf("rating: %d %s", res.StatusCode, body)
		}
		// The history holds every step, the request and the supplement.
		var actions []string
		for _, h := range decodeDossier(t, body).History {
			actions = append(actions, h.Action)
		}
		want := "created submitted receive request_supplement supplemented forward approve return_result rated"
		if strings.Join(actions, " ") != want {
			t.Errorf("history %v, want %s", actions, want)
		}
		// Every status change queued its e-mail in the same transaction.
		if mails := countJobs(t, db, "notify_email") - mailsBefore; mails != 6 { // submitted, received, supplement requested, supplemented, approved, returned
			t.Errorf("%d e-mails queued, want 6", mails)
		}
		// The public tracking shows it finished, with its timeliness.
		_, tb = w.do(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, "")
		if !strings.Contains(tb, `"status":"returned"`) || !strings.Contains(tb, `"national_status":10`) || !strings.Contains(tb, `"timeliness":"`) {
			t.Errorf("tracking at the end: %s", tb)
		}
	}, jobs.Migrate)
}

func countJobs(t *testing.T, db *store.DB, kind string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fillBirthForm returns birthApplication with every required field of the
// demo procedure filled, so that the test follows the catalog.
func fillBirthForm(t *testing.T, w *world) string {
	t.Helper()
	code, body := w.do(t, anonymous, "GET", "/api/v1/procedures/1.001193", "")
	if code != 200 {
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
	var app map[string]any
	if err := json.Unmarshal([]byte(birthApplication), &app); err != nil {
		t.Fatal(err)
	}
	data := app["data"].(map[string]any)
	for _, f := range p.FormFields {
		if _, ok := data[f.Name]; ok || !f.Required || f.Prefill != "" {
			continue
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
		case "table":
			data[f.Name] = []any{}
		default:
			data[f.Name] = "Thông tin thử nghiệm"
		}
	}
	b, _ := json.Marshal(app)
	return string(b)
}

// TestDossierBadInput: each refusal says what to fix and stores nothing.
func TestDossierBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		form := fillBirthForm(t, w)
		count := func() (dossiers, documents int) {
			t.Helper()
			db.QueryRow(`SELECT COUNT(*) FROM dossiers`).Scan(&dossiers)
			db.QueryRow(`SELECT COUNT(*) FROM documents`).Scan(&documents)
			return
		}
		pdf, img := testPDF("to khai"), testPNG(t)
		html := []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
		cases := []struct {
			name   string
			body   string
			parts  []part
			status int
			want   []string
		}{
			{"html disguised as pdf", "", []part{{field: "dossier", content: []byte(form)},
				{field: "file.TP1", name: "to-khai.pdf", content: html}, {field: "file.TP2", name: "a.png", content: img}},
				400, []string{"file.TP1", "to-khai.pdf", "Loại tệp không được chấp nhận", "text/html"}},
			{"file too large", "", []part{{field: "dossier", content: []byte(form)},
				{field: "file.TP2", name: "a.png", content: img},
				{field: "file.TP1", name: "big.pdf", content: append(testPDF("x"), bytes.Repeat([]byte(" "), 2<<20)...)}},
				400, []string{"file.TP1", "Tệp quá lớn"}},
			{"unknown procedure", strings.Replace(form, "1.001193", "1.999999", 1), nil, 400,
				[]string{`"procedure_code"`, "1.999999"}},
			{"missing required paper", "", []part{{field: "dossier", content: []byte(form)},
				{field: "file.TP2", name: "a.png", content: img}},
				400, []string{`"papers.TP1"`, "Tờ khai đăng ký khai sinh"}},
			{"procedure not online", strings.Replace(form, "1.001193", "9.100001", 1), nil, 400,
				[]string{"trực tuyến"}},
			{"missing required field", strings.Replace(form, `"tre_ho_ten":"Nguyễn Minh Khôi",`, "", 1), nil, 400,
				[]string{`"data.tre_ho_ten"`}},
			{"bad id number", strings.Replace(form, `"me_so_dinh_danh":"001195012347"`, `"me_so_dinh_danh":"12345"`, 1), nil, 400,
				[]string{`"data.me_so_dinh_danh"`}},
			{"agency that does not do it", strings.Replace(form, agencyX, agencyY, 1), nil, 400,
				[]string{`"agency_code"`, "không giải quyết thủ tục này"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d0, f0 := count()
				res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, c.body, c.parts...)
				if res.StatusCode != c.status {
					t.Fatalf("%d, want %d: %s", res.StatusCode, c.status, body)
				}
				for _, s := range c.want {
					if !strings.Contains(string(body), s) {
						t.Errorf("answer lacks %q: %s", s, body)
					}
				}
				if d1, f1 := count(); d1 != d0 || f1 != f0 {
					t.Errorf("stored %d dossiers and %d documents", d1-d0, f1-f0)
				}
			})
		}
		_ = pdf
	}, jobs.Migrate)
}

// TestCalendarAPI answers deadlines the way the law counts them.
func TestCalendarAPI(t *testing.T) {
	db := storetest.SQLite(t)
	_, ts := newServer(t, db, nil)
	for _, c := range []struct{ url, want string }{
		// Friday 13 Feb 2026 + 1 working day: Tết runs to Sunday 22 Feb.
		{"/api/v1/calendar/add-working-days?from=2026-02-13&days=1", `{"date":"2026-02-23"}`},
		{"/api/v1/calendar/add-working-days?from=2025-04-29&days=1", `{"date":"2025-05-05"}`},
		{"/api/v1/calendar/add-working-days?from=2026-13-01&days=1", `"from"`},
		{"/api/v1/calendar/add-working-days?from=2026-01-01&days=-3", `"days"`},
		{"/api/v1/calendar/holidays?year=2026", `"date":"2026-02-16"`},
		{"/api/v1/calendar/holidays?year=abc", `"year"`},
	} {
		res, err := http.Get(ts.URL + c.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s, want %s", c.url, res.StatusCode, b, c.want)
		}
	}
	_ = time.Now
}
