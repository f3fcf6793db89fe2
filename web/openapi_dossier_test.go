package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// exchange is one API request and its answer, kept whole so that both can
// be held against the OpenAPI document.
type exchange struct {
	req     *http.Request
	reqBody []byte
	res     *http.Response
	body    []byte
}

// exchange is w.send that also returns the request: body is JSON, or
// multipart when parts are given.
func (w *world) exchange(t *testing.T, who, method, path string, header map[string]string, body string, parts ...part) exchange {
	t.Helper()
	payload := []byte(body)
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
		payload, ctype = b.Bytes(), mw.FormDataContentType()
	}
	req, err := http.NewRequest(method, w.ts.URL+path, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
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
	return exchange{req: req, reqBody: payload, res: res, body: b}
}

// openAPIChecker holds the document and checks exchanges against it.
type openAPIChecker struct {
	doc    *openapi3.T
	router routers.Router
}

// check checks a JSON answer: its status, headers and body. When the answer
// is a success, the request is checked too (its body only when it is
// JSON: kin-openapi cannot decode parts named file.<component>).
func (c openAPIChecker) check(t *testing.T, x exchange, status int) {
	t.Helper()
	if x.res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %.400s", x.req.Method, x.req.URL.Path, x.res.StatusCode, status, x.body)
	}
	if status != http.StatusNoContent {
		if mt, _, _ := mime.ParseMediaType(x.res.Header.Get("Content-Type")); mt != "application/json" {
			t.Fatalf("%s %s: Content-Type %q, want JSON", x.req.Method, x.req.URL.Path, x.res.Header.Get("Content-Type"))
		}
	}
	checkAgainstOpenAPI(t, c.doc, c.router, x.req, x.res, x.body)
	if status < 300 {
		c.request(t, x)
	}
}

// request checks that a request the server accepted is one the document
// describes.
func (c openAPIChecker) request(t *testing.T, x exchange) {
	t.Helper()
	route, params, err := c.router.FindRoute(x.req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", x.req.Method, x.req.URL.Path, err)
		return
	}
	req := x.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(x.reqBody))
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		ExcludeRequestBody: mt == "multipart/form-data"}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("%s %s: the request does not match the OpenAPI document: %v", x.req.Method, x.req.URL.Path, err)
	}
}

// binary checks a file download: its status, headers and content type.
func (c openAPIChecker) binary(t *testing.T, x exchange, status int, contentType string) {
	t.Helper()
	if x.res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %.400s", x.req.Method, x.req.URL.Path, x.res.StatusCode, status, x.body)
	}
	ct := x.res.Header.Get("Content-Type")
	if ct != contentType {
		t.Errorf("%s %s: Content-Type %q, want %q", x.req.Method, x.req.URL.Path, ct, contentType)
	}
	route, params, err := c.router.FindRoute(x.req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", x.req.Method, x.req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: x.req, PathParams: params, Route: route},
		Status:                 x.res.StatusCode,
		Header:                 x.res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("response does not match the OpenAPI document: %v", err)
	}
	resp := route.Operation.Responses.Status(x.res.StatusCode)
	if resp == nil || resp.Value == nil {
		return // reported above
	}
	mt := resp.Value.Content.Get(ct)
	if mt == nil {
		t.Errorf("%s %s: Content-Type %q is not in the OpenAPI document", x.req.Method, x.req.URL.Path, ct)
		return
	}
	if s := mt.Schema; s == nil || s.Value == nil || !s.Value.Type.Is("string") || s.Value.Format != "binary" {
		t.Errorf("%s %s: %s is not documented as a binary string", x.req.Method, x.req.URL.Path, ct)
	}
	c.request(t, x)
}

// TestDossierAnswersMatchOpenAPI walks a dossier through the API, from the
// citizen's application to the result, and holds every answer against the
// OpenAPI document that partners build their clients from.
func TestDossierAnswersMatchOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		doc, router := openAPI(t)
		c := openAPIChecker{doc: doc, router: router}
		form := fillBirthForm(t, w)
		files := []part{
			{field: "dossier", content: []byte(form)},
			{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai")},
			{field: "file.TP2", name: "giay chung sinh.png", content: testPNG(t)},
		}
		key := map[string]string{"Idempotency-Key": "openapi-khai-sinh-1"}

		// Create and submit at once, with files, under an idempotency key.
		x := w.exchange(t, citizenA, "POST", "/api/v1/dossiers", key, "", files...)
		c.check(t, x, 201)
		d := decodeDossier(t, x.body)
		if d.Code == "" || d.Status != "submitted" || len(d.Papers) != 2 {
			t.Fatalf("created: %s", x.body)
		}
		if x.res.Header.Get("Location") != "/api/v1/dossiers/"+d.Code || x.res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("Location %q, Idempotent-Replayed %q", x.res.Header.Get("Location"), x.res.Header.Get("Idempotent-Replayed"))
		}
		// The retry replays it.
		x = w.exchange(t, citizenA, "POST", "/api/v1/dossiers", key, "", files...)
		c.check(t, x, 201)
		if decodeDossier(t, x.body).Code != d.Code || x.res.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %s %s", x.res.Header.Get("Idempotent-Replayed"), x.body)
		}
		// The same key for another application: 409.
		x = w.exchange(t, citizenA, "POST", "/api/v1/dossiers", key, strings.Replace(form, "Nguyễn Minh Khôi", "Nguyễn Minh Khang", 1))
		c.check(t, x, 409)
		if !strings.Contains(string(x.body), `"code":"conflict"`) {
			t.Errorf("reused key: %s", x.body)
		}
		// A procedure that does not exist: 400 naming the field.
		x = w.exchange(t, citizenA, "POST", "/api/v1/dossiers", nil, `{"procedure_code":"1.999999","submit":true}`)
		c.check(t, x, 400)
		if !strings.Contains(string(x.body), `"procedure_code"`) {
			t.Errorf("unknown procedure: %s", x.body)
		}
		// Without a token: 401.
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/dossiers", nil, ""), 401)

		// The applicant reads it and lists theirs; another citizen does
		// not find it.
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code, nil, ""), 200)
		x = w.exchange(t, citizenA, "GET", "/api/v1/dossiers?limit=10", nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), d.Code) {
			t.Errorf("my dossiers: %s", x.body)
		}
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers?status=lost", nil, ""), 400)
		c.check(t, w.exchange(t, citizenB, "GET", "/api/v1/dossiers/"+d.Code, nil, ""), 404)

		// Anyone tracks it, and learns nobody's name.
		x = w.exchange(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, nil, "")
		c.check(t, x, 200)
		for _, secret := range []string{"Nguyễn Văn An", "001090012345", "an@example.vn", "Khôi"} {
			if strings.Contains(string(x.body), secret) {
				t.Errorf("tracking shows %q", secret)
			}
		}
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/tracking/"+agencyX+"-000101-9999", nil, ""), 404)

		// The receipt is a PDF.
		x = w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/receipt", nil, "")
		c.binary(t, x, 200, "application/pdf")

		// A draft: made as JSON, given a file, changed, deleted.
		x = w.exchange(t, citizenA, "POST", "/api/v1/dossiers", nil, `{"procedure_code":"1.001193","agency_code":"`+agencyX+`"}`)
		c.check(t, x, 201)
		draft := decodeDossier(t, x.body)
		ref := fmt.Sprint(draft.ID)
		x = w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+ref+"/papers", nil, "",
			part{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai nhap")})
		c.check(t, x, 200)
		draft = decodeDossier(t, x.body)
		x = w.exchange(t, citizenA, "PUT", "/api/v1/dossiers/"+ref, nil,
			fmt.Sprintf(`{"agency_code":%q,"data":{"tre_ho_ten":"Nguyễn Minh Khôi"},"papers":[{"component":"TP1","document_id":%d}],"version":%d}`,
				agencyX, draft.Papers[0].DocumentID, draft.Version))
		c.check(t, x, 200)
		c.check(t, w.exchange(t, citizenA, "PUT", "/api/v1/dossiers/"+ref, nil, `{"version":999}`), 409)
		c.check(t, w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+ref+"/submit", nil, ""), 400) // incomplete
		c.check(t, w.exchange(t, citizenA, "DELETE", "/api/v1/dossiers/"+ref, nil, ""), 204)

		// The one-stop desk: the receiver sees what they may do, a
		// specialist may not receive, the receiver receives.
		x = w.exchange(t, receiverX, "GET", "/api/v1/dossiers/"+d.Code, nil, "")
		c.check(t, x, 200)
		if got := decodeDossier(t, x.body).Actions; strings.Join(got, " ") != "receive request_supplement refuse" {
			t.Errorf("receiver's actions: %v", got)
		}
		c.check(t, w.exchange(t, specialistX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"receive"}`), 403)
		x = w.exchange(t, receiverX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, fmt.Sprintf(`{"action":"receive","version":%d}`, d.Version))
		c.check(t, x, 200)
		if d = decodeDossier(t, x.body); d.Status != "processing" {
			t.Fatalf("received: %s", x.body)
		}
		c.check(t, w.exchange(t, receiverX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"receive"}`), 409)
		c.check(t, w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/withdraw", nil, `{"reason":"nhầm"}`), 409)
		x = w.exchange(t, leaderX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers/assign", nil,
			fmt.Sprintf(`{"codes":[%q,"%s-000101-9999"],"assignee_id":%d}`, d.Code, agencyX, w.ids[specialistX]))
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"assigned":["`+d.Code+`"]`) {
			t.Errorf("assign: %s", x.body)
		}
		c.check(t, w.exchange(t, specialistX, "GET", "/api/v1/agencies/"+agencyX+"/dossiers?queue=all", nil, ""), 200)
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/agencies/"+agencyX+"/dossiers", nil, ""), 403)

		// Appraisal, approval with a signed result, the result and its rating.
		c.check(t, w.exchange(t, specialistX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"forward"}`), 200)
		x = w.exchange(t, leaderX, "POST", "/api/v1/documents", nil, "",
			part{field: "file", name: "giay-khai-sinh.pdf", content: testPDF("GIAY KHAI SINH")})
		c.check(t, x, 201)
		var result struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(x.body, &result)
		c.check(t, w.exchange(t, leaderX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil, `{"action":"approve"}`), 400)
		c.check(t, w.exchange(t, leaderX, "POST", "/api/v1/dossiers/"+d.Code+"/actions", nil,
			fmt.Sprintf(`{"action":"approve","result_document_id":%d}`, result.ID)), 200)
		c.binary(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/result", nil, ""), 200, "application/pdf")
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/apology", nil, ""), 404)
		c.check(t, w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/rating", nil, `{"score":5,"comment":"Nhanh, gọn."}`), 200)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, nil, ""), 200)

		// The document store: the list, a paper, and a number that is not
		// the caller's.
		x = w.exchange(t, citizenA, "GET", "/api/v1/documents", nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"kind":"result"`) {
			t.Errorf("documents: %s", x.body)
		}
		c.binary(t, w.exchange(t, citizenA, "GET", fmt.Sprintf("/api/v1/documents/%d", d.Papers[1].DocumentID), nil, ""), 200, "image/png")
		c.check(t, w.exchange(t, citizenB, "GET", fmt.Sprintf("/api/v1/documents/%d", d.Papers[0].DocumentID), nil, ""), 404)

		// A paper dossier entered at the desk for citizen B.
		var app map[string]any
		if err := json.Unmarshal([]byte(form), &app); err != nil {
			t.Fatal(err)
		}
		data := app["data"].(map[string]any)
		data["nguoi_yeu_cau_ho_ten"] = "Trần Thị Bình"
		data["nguoi_yeu_cau_so_dinh_danh"] = "079195012346"
		data["nguoi_yeu_cau_dien_thoai"] = "0987654321"
		intake, _ := json.Marshal(map[string]any{"procedure_code": "1.001193", "data": data,
			"applicant": map[string]any{"kind": "citizen", "name": "Trần Thị Bình", "id_number": "079195012346", "phone": "0987654321"}})
		x = w.exchange(t, receiverX, "POST", "/api/v1/agencies/"+agencyX+"/dossiers", map[string]string{"Idempotency-Key": "quay-openapi-1"}, "",
			part{field: "dossier", content: intake},
			part{field: "file.TP1", name: "scan-to-khai.pdf", content: testPDF("ban quet to khai")},
			part{field: "file.TP2", name: "scan-chung-sinh.png", content: testPNG(t)})
		c.check(t, x, 201)
		if got := decodeDossier(t, x.body); got.Status != "processing" || len(got.Papers) != 2 {
			t.Errorf("counter intake: %s", x.body)
		}

		// The agency's process for a procedure: the default, its own, the
		// default again.
		process := "/api/v1/agencies/" + agencyX + "/processes/1.010038"
		c.check(t, w.exchange(t, adminX, "GET", process, nil, ""), 200)
		c.check(t, w.exchange(t, adminX, "PUT", process, nil, `{"steps":[
			{"name":"tiep_nhan","title":"Tiếp nhận","role":"receiver","actions":[{"action":"receive","to":"xu_ly"},{"action":"refuse"}]},
			{"name":"xu_ly","title":"Xử lý và trình ký","role":"specialist","time":3,"actions":[{"action":"forward","to":"ky"},{"action":"request_supplement"}]},
			{"name":"ky","title":"Ký duyệt","role":"leader","time":4,"unit":"working_hours","actions":[{"action":"approve","to":"tra"},{"action":"send_back","to":"xu_ly"}]},
			{"name":"tra","title":"Trả kết quả","role":"receiver","actions":[{"action":"return_result"}]}]}`), 200)
		c.check(t, w.exchange(t, adminX, "PUT", process, nil, `{"steps":[]}`), 400)
		c.check(t, w.exchange(t, citizenA, "GET", process, nil, ""), 403)
		c.check(t, w.exchange(t, adminX, "DELETE", process, nil, ""), 204)

		// The calendar, public.
		x = w.exchange(t, anonymous, "GET", "/api/v1/calendar/add-working-days?from=2026-02-13&days=1", nil, "")
		c.check(t, x, 200)
		if !strings.Contains(string(x.body), `"date":"2026-02-23"`) {
			t.Errorf("add working days: %s", x.body)
		}
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/calendar/add-working-days?from=2026-13-01&days=1", nil, ""), 400)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/calendar/holidays?year=2026", nil, ""), 200)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/calendar/holidays?year=1999", nil, ""), 400)
		c.check(t, w.exchange(t, sysAdmin, "PUT", "/api/v1/calendar/days/2030-01-02", nil, `{"kind":"off","name":"Ngày nghỉ thử","source":"Thông báo thử"}`), 204)
		c.check(t, w.exchange(t, citizenA, "DELETE", "/api/v1/calendar/days/2030-01-02", nil, ""), 403)
		c.check(t, w.exchange(t, sysAdmin, "DELETE", "/api/v1/calendar/days/2030-01-02", nil, ""), 204)
	}, jobs.Migrate)
}
