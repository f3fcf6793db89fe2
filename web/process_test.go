package web_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// splitHousehold is handled by communes in 5 working days.
const splitHousehold = "1.010038"

type processJSON struct {
	ProcedureCode string          `json:"procedure_code"`
	AgencyCode    string          `json:"agency_code"`
	ProcessID     int64           `json:"process_id"`
	Default       bool            `json:"default"`
	LegalDays     float64         `json:"legal_days"`
	Process       dossier.Process `json:"process"`
}

func decodeProcess(t *testing.T, body string) processJSON {
	t.Helper()
	var p processJSON
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func fieldErrors(t *testing.T, body string) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return e.Error.Fields
}

// A process of four steps of its own, 3 days and 4 hours in all.
const customProcess = `{"steps":[
 {"name":"tiep_nhan","title":"Tiếp nhận","role":"receiver","actions":[{"action":"receive","to":"xu_ly"},{"action":"refuse"}]},
 {"name":"xu_ly","title":"Xử lý và trình ký","role":"specialist","time":3,"actions":[{"action":"forward","to":"ky"},{"action":"request_supplement"}]},
 {"name":"ky","title":"Ký duyệt","role":"leader","time":4,"unit":"working_hours","actions":[{"action":"approve","to":"tra"},{"action":"send_back","to":"xu_ly"}]},
 {"name":"tra","title":"Trả kết quả","role":"receiver","actions":[{"action":"return_result"}]}]}`

func TestProcessAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		path := "/api/v1/agencies/" + agencyX + "/processes/" + splitHousehold
		doc, router := openAPI(t)
		// do makes the request as who and holds the answer against the
		// OpenAPI document.
		do := func(t *testing.T, who, method, path, body string) (int, string) {
			t.Helper()
			res, b := w.send(t, who, method, path, nil, body)
			checkAgainstOpenAPI(t, doc, router, res.Request, res, b)
			return res.StatusCode, string(b)
		}

		code, body := do(t, receiverX, "GET", path, "")
		if code != 200 {
			t.Fatalf("GET: %d %s", code, body)
		}
		p := decodeProcess(t, body)
		if !p.Default || p.ProcessID != 0 || p.LegalDays != 5 || p.ProcedureCode != splitHousehold || p.AgencyCode != agencyX {
			t.Errorf("default: %+v", p)
		}
		if len(p.Process.Steps) != 4 || p.Process.Steps[0].Name != dossier.StepReception {
			t.Errorf("default steps: %+v", p.Process.Steps)
		}
		for who, want := range map[string]int{anonymous: 401, citizenA: 403, officialY: 403, sysAdmin: 200, adminX: 200} {
			if code, body := do(t, who, "GET", path, ""); code != want {
				t.Errorf("GET as %s: %d, want %d; %s", who, code, want, body)
			}
		}

		if code, body := do(t, receiverX, "PUT", path, customProcess); code != 403 {
			t.Errorf("PUT as receiver: %d %s", code, body)
		}
		code, body = do(t, adminX, "PUT", path, customProcess)
		if code != 200 {
			t.Fatalf("PUT: %d %s", code, body)
		}
		saved := decodeProcess(t, body)
		if saved.Default || saved.ProcessID == 0 || len(saved.Process.Steps) != 4 || saved.Process.Steps[1].Name != "xu_ly" {
			t.Errorf("saved: %+v", saved)
		}
		if u := saved.Process.Steps[1].Unit; u != "working_days" {
			t.Errorf("unit of a step without one: %q", u)
		}
		if u := p.Process.Steps[0].Unit; u != "working_days" {
			t.Errorf("unit of the default's reception: %q", u)
		}
		code, body = do(t, specialistX, "GET", path, "")
		if got := decodeProcess(t, body); code != 200 || got.ProcessID != saved.ProcessID || got.Process.Steps[2].Title != "Ký duyệt" {
			t.Errorf("GET after PUT: %d %s", code, body)
		}

		// Refused processes, with the reason on the field; nothing stored.
		for _, c := range []struct {
			name, body, key, reason string
		}{
			{"unreachable step", strings.TrimSuffix(customProcess, "]}") +
				`,{"name":"thua","title":"Bước thừa","role":"leader","actions":[{"action":"refuse"}]}]}`, "steps[4].name", "Không bước nào chuyển hồ sơ tới bước Bước thừa"},
			{"too long", strings.Replace(customProcess, `"time":3`, `"time":5`, 1), "steps", "vượt thời hạn giải quyết"},
			{"no way out", strings.Replace(customProcess, `{"action":"return_result"}`, `{"action":"apologize"}`, 1), "steps[3].actions", "không có lối ra"},
			{"missing target", strings.Replace(customProcess, `"to":"ky"`, `"to":"khong_co"`, 1), "steps[1].actions[0].to", "Không có bước khong_co"},
			{"unknown field", `{"steps":[],"version":2}`, "version", "Trường không được hỗ trợ"},
		} {
			code, body := do(t, adminX, "PUT", path, c.body)
			if code != 400 {
				t.Errorf("%s: %d %s", c.name, code, body)
				continue
			}
			if got := fieldErrors(t, body)[c.key]; !strings.Contains(got, c.reason) {
				t.Errorf("%s: fields[%s] = %q, want %q; %s", c.name, c.key, got, c.reason, body)
			}
		}
		if _, body := do(t, adminX, "GET", path, ""); decodeProcess(t, body).ProcessID != saved.ProcessID {
			t.Errorf("a refused process changed the one in force: %s", body)
		}

		if code, body := do(t, specialistX, "DELETE", path, ""); code != 403 {
			t.Errorf("DELETE as specialist: %d %s", code, body)
		}
		if code, body := do(t, adminX, "DELETE", path, ""); code != 204 {
			t.Fatalf("DELETE: %d %s", code, body)
		}
		if _, body := do(t, adminX, "GET", path, ""); !decodeProcess(t, body).Default {
			t.Errorf("after DELETE: %s", body)
		}

		// A procedure that does not exist, or that the agency does not
		// handle (companies register at the province).
		for _, p := range []string{"1.999999", "2.001610"} {
			if code, body := do(t, adminX, "GET", "/api/v1/agencies/"+agencyX+"/processes/"+p, ""); code != 404 {
				t.Errorf("GET %s: %d %s", p, code, body)
			}
		}
	}, jobs.Migrate)
}

var (
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	attribute = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	selectTag = regexp.MustCompile(`(?s)<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>`)
	selected  = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// formValues reads what a browser would send from the process editor: the
// text inputs, the ticked boxes and the chosen options.
func formValues(t *testing.T, page string) url.Values {
	t.Helper()
	form := page[strings.Index(page, `<form method="post"`):]
	v := url.Values{}
	for _, tag := range inputTag.FindAllString(form, -1) {
		attrs := map[string]string{}
		for _, m := range attribute.FindAllStringSubmatch(tag[len("<input"):], -1) {
			attrs[m[1]] = html.UnescapeString(m[2])
			if m[2] == "" && !strings.Contains(m[0], "=") {
				attrs[m[1]] = "present"
			}
		}
		if attrs["name"] == "" || attrs["type"] == "checkbox" && attrs["checked"] == "" {
			continue
		}
		v.Set(attrs["name"], attrs["value"])
	}
	for _, m := range selectTag.FindAllStringSubmatch(form, -1) {
		if o := selected.FindStringSubmatch(m[2]); o != nil {
			v.Set(html.UnescapeString(m[1]), html.UnescapeString(o[1]))
		} else {
			v.Set(html.UnescapeString(m[1]), "")
		}
	}
	if v.Get("steps") == "" {
		t.Fatalf("no process form in %s", page)
	}
	return v
}

func with(v url.Values, kv ...string) string {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out.Encode()
}

func TestProcessPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		api := "/api/v1/agencies/" + agencyX + "/processes/" + splitHousehold
		inForce := func() int64 {
			t.Helper()
			_, body := w.do(t, adminX, "GET", api, "")
			return decodeProcess(t, body).ProcessID
		}

		code, body := w.do(t, adminX, "GET", "/quan-tri/quy-trinh", "")
		if code != 200 || !strings.Contains(body, `href="/quan-tri/quy-trinh/`+splitHousehold+`"`) || !strings.Contains(body, "Tách hộ") ||
			!strings.Contains(body, "Mặc định") {
			t.Fatalf("list: %d %s", code, body)
		}
		if strings.Contains(body, "2.001610") {
			t.Error("the list shows a procedure of the province")
		}

		page := "/quan-tri/quy-trinh/" + splitHousehold
		code, body = w.do(t, adminX, "GET", page, "")
		if code != 200 {
			t.Fatalf("editor: %d %s", code, body)
		}
		for _, s := range []string{"Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "Phê duyệt", "Trả kết quả", "5 ngày làm việc (40 giờ làm việc)", "Thêm bước", "Lưu quy trình"} {
			if !strings.Contains(body, s) {
				t.Errorf("editor lacks %q", s)
			}
		}
		if n := strings.Count(body, `class="section step"`); n != 4 {
			t.Errorf("%d steps, want 4", n)
		}
		form := formValues(t, body)
		if form.Get("steps") != "4" || form.Get("steps[1].to.forward") != "approval" || form.Get("steps[1].act.forward") != "1" ||
			form.Get("steps[2].role") != "leader" || form.Get("steps[3].act.return_result") != "1" || form.Has("steps[3].act.refuse") {
			t.Errorf("form: %v", form)
		}

		// Adding and removing steps draws the form again and stores nothing.
		code, body = w.do(t, adminX, "POST", page, with(form, "action", "add_step", "steps[0].title", "Tiếp nhận tại bộ phận một cửa"))
		if code != 200 || strings.Count(body, `class="section step"`) != 5 || !strings.Contains(body, "Bước 5") ||
			!strings.Contains(body, "Tiếp nhận tại bộ phận một cửa") {
			t.Errorf("add a step: %d %s", code, body)
		}
		code, body = w.do(t, adminX, "POST", page, with(form, "action", "remove_step:3"))
		if code != 200 || strings.Count(body, `class="section step"`) != 3 || strings.Contains(body, `value="result"`) {
			t.Errorf("remove a step: %d %s", code, body)
		}
		if id := inForce(); id != 0 {
			t.Errorf("adding or removing saved process %d", id)
		}

		// An invalid process: the reasons next to the fields and in the
		// summary, and nothing stored.
		code, body = w.do(t, adminX, "POST", page, with(form, "action", "save",
			"steps[1].act.forward", "", "steps[1].act.propose_refusal", "", // nothing leads to approval
			"steps[1].time", "10", "steps[2].time", "nửa ngày"))
		if code != 400 {
			t.Fatalf("invalid save: %d %s", code, body)
		}
		for _, s := range []string{`class="error-summary"`, "Không bước nào chuyển hồ sơ tới bước Phê duyệt", "vượt thời hạn giải quyết theo quy định",
			"Nhập thời gian bằng số", `href="#f-steps%5b2%5d.name"`, `id="f-steps[2].name" name="steps[2].name" type="text" value="approval" autocomplete="off" maxlength="40" aria-invalid="true" aria-describedby="e-steps[2].name"`,
			`value="nửa ngày"`} {
			if !strings.Contains(body, s) {
				t.Errorf("invalid save lacks %q", s)
			}
		}
		if id := inForce(); id != 0 {
			t.Errorf("an invalid process was saved: %d", id)
		}

		// Saving a valid one, then going back to the default.
		code, body = w.do(t, adminX, "POST", page, with(form, "action", "save", "steps[1].title", "Thẩm định và trình ký"))
		if code != 303 {
			t.Fatalf("save: %d %s", code, body)
		}
		id := inForce()
		if id == 0 {
			t.Fatal("not saved")
		}
		_, body = w.do(t, adminX, "GET", page+"?da-luu=1", "")
		if !strings.Contains(body, "Đã lưu quy trình") || !strings.Contains(body, "Thẩm định và trình ký") || !strings.Contains(body, "Dùng quy trình mặc định") {
			t.Errorf("after save: %s", body)
		}
		if _, body = w.do(t, adminX, "GET", "/quan-tri/quy-trinh", ""); !strings.Contains(body, "Riêng") {
			t.Errorf("the list does not show the agency's own process")
		}
		if code, _ = w.do(t, adminX, "POST", page, with(form, "action", "reset")); code != 303 || inForce() != 0 {
			t.Errorf("reset: %d", code)
		}

		// Only the agency's administrators and system administrators.
		for who, want := range map[string]int{anonymous: 303, receiverX: 403, leaderX: 403, citizenA: 403, sysAdmin: 404} {
			if code, body := w.do(t, who, "POST", page, with(form, "action", "save")); code != want {
				t.Errorf("save as %s: %d, want %d; %.300s", who, code, want, body)
			}
		}
		if code, body := w.do(t, sysAdmin, "GET", page+"?co-quan="+agencyX, ""); code != 200 || !strings.Contains(body, `action="/quan-tri/quy-trinh/`+splitHousehold+`?co-quan=`+agencyX+`"`) {
			t.Errorf("system admin: %d %s", code, body)
		}
		if id := inForce(); id != 0 {
			t.Errorf("a refused caller saved process %d", id)
		}
	}, jobs.Migrate)
}
