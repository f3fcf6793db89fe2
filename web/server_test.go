package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	edx "github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// services returns the catalog with the demo data and an identity service
// with a cheap password hash, over db.
func services(t testing.TB, db *store.DB) (*catalog.Service, *identity.Service) {
	t.Helper()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	return cat, identity.NewService(db, nil, identity.Config{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}, nil)
}

// dossierServices returns the dossier and calendar services over db, with
// attachments in a temporary directory. queue may be nil (no e-mails).
func dossierServices(t testing.TB, db *store.DB, cat *catalog.Service, queue *jobs.Queue, tune ...func(*dossier.Config)) (*dossier.Service, *calendar.Service) {
	t.Helper()
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewService(db, audit.New(db))
	cfg := dossier.Config{PublicURL: "https://dichvucong.example.vn", MaxFileBytes: 1 << 20, MaxDossierBytes: 3 << 20}
	for _, f := range tune {
		f(&cfg)
	}
	return dossier.NewService(db, queue, cat, blobs, cal, cfg, nil), cal
}

// newServer returns the real server over db with the demo data loaded.
func newServer(t testing.TB, db *store.DB, logs io.Writer) (*web.Server, *httptest.Server) {
	t.Helper()
	cat, ids := services(t, db)
	if logs == nil {
		logs = io.Discard
	}
	log := slog.New(web.LogHandler{Handler: slog.NewJSONHandler(logs, nil)})
	dossiers, cal := dossierServices(t, db, cat, nil)
	cabinetFiles, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cab := cabinet.NewService(db, nil, cabinetFiles, cabinet.Config{}, nil)
	srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Identity: ids, Dossiers: dossiers, Calendar: cal, Cabinet: cab,
		Exchange: edx.NewService(db, nil, edx.Config{}, nil), Federation: federation.NewService(db, nil, federation.Config{}, nil),
		Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

// scenario is one request through the real server and what must and must
// not be in the answer.
type scenario struct {
	name     string
	method   string
	url      string
	body     string
	header   map[string]string
	status   int
	contains []string
	absent   []string
	// undocumented marks API answers to routes that do not exist, which the
	// OpenAPI document rightly does not describe.
	undocumented bool
}

var scenarios = []scenario{
	{name: "health", url: "/healthz", status: 200, contains: []string{"ok"}},
	{name: "ready", url: "/readyz", status: 200, contains: []string{"ready"}},
	{name: "metrics", url: "/metrics", status: 200, contains: []string{"egov_http_requests_total", "go_sql_"}},
	{name: "openapi", url: "/api/v1/openapi.json", status: 200, contains: []string{`"openapi": "3.0.3"`}},
	{name: "search no accents", url: "/api/v1/procedures?q=dang+ky+khai+sinh&limit=3", status: 200,
		contains: []string{`"code":"1.001193"`, `"total":`, `"online_level":`}},
	{name: "search abbreviation", url: "/api/v1/procedures?q=gplx", status: 200, contains: []string{`"3.000347"`}},
	{name: "search filters", url: "/api/v1/procedures?field=HT&level=commune&online=full&target=citizen&life_event=birth", status: 200,
		contains: []string{`"1.001193"`}, absent: []string{`"field":{"code":"DKKD"`}},
	{name: "search by agency", url: "/api/v1/procedures?agency=000.00.00.G01&limit=100", status: 200, contains: []string{`"2.000539"`}},
	{name: "search bad params", url: "/api/v1/procedures?limit=abc&level=planet&online=x&offset=-4", status: 400,
		contains: []string{`"code":"invalid_argument"`, `"limit":`, `"level":`, `"online":`, `"offset":`}},
	{name: "search limit too big", url: "/api/v1/procedures?limit=1000", status: 400, contains: []string{`"limit"`}},
	{name: "search limit zero", url: "/api/v1/procedures?limit=0", status: 400, contains: []string{`"limit"`}},
	{name: "search unknown agency", url: "/api/v1/procedures?agency=000.00.00.G99", status: 400, contains: []string{`"agency"`}},
	{name: "procedure", url: "/api/v1/procedures/1.001193", status: 200,
		contains: []string{`"name":"Thủ tục đăng ký khai sinh"`, `"components":`, `"form_fields":`, `"legal_basis":`}},
	{name: "procedure unknown", url: "/api/v1/procedures/1.999999", status: 404, contains: []string{`"code":"not_found"`, "1.999999"}},
	{name: "procedure malformed", url: "/api/v1/procedures/abc", status: 404, contains: []string{`"code":"not_found"`, "1.001193"}},
	{name: "agencies", url: "/api/v1/agencies?level=central&parent=-", status: 200, contains: []string{`"000.00.00.G12"`}, absent: []string{`"level":"commune"`}},
	{name: "agencies of a province", url: "/api/v1/agencies?parent=000.00.00.H26", status: 200, contains: []string{`"level":"commune"`}},
	{name: "agencies bad level", url: "/api/v1/agencies?level=planet", status: 400, contains: []string{`"level"`}},
	{name: "agency", url: "/api/v1/agencies/000.00.00.G12", status: 200, contains: []string{`"Bộ Tài chính"`}},
	{name: "agency unknown", url: "/api/v1/agencies/000.00.00.G99", status: 404, contains: []string{`"not_found"`}},
	{name: "fields", url: "/api/v1/fields", status: 200, contains: []string{`"Hộ tịch"`}},
	{name: "life events", url: "/api/v1/life-events", status: 200, contains: []string{`"birth"`}},
	{name: "register", method: "POST", url: "/api/v1/accounts", status: 201,
		body:     `{"id_number":"001090012345","full_name":"Nguyễn Văn An","date_of_birth":"1990-05-12","sex":"male","phone":"0912345678","email":"an@example.vn","password":"mùa thu Hà Nội lá vàng"}`,
		contains: []string{`"kind":"citizen"`, `"username":"001090012345"`, `"email_verified":false`}, absent: []string{"password"}},
	{name: "register again", method: "POST", url: "/api/v1/accounts", status: 400,
		body:     `{"id_number":"001090012345","full_name":"Nguyễn Văn An","date_of_birth":"1990-05-12","sex":"male","phone":"0912345678","email":"an@example.vn","password":"mùa thu Hà Nội lá vàng"}`,
		contains: []string{`"id_number":`, "đã có tài khoản"}},
	{name: "register bad fields", method: "POST", url: "/api/v1/accounts", status: 400,
		body:     `{"id_number":"123","full_name":"","date_of_birth":"1990-13-45","sex":"x","phone":"123","email":"a@","password":"123456"}`,
		contains: []string{`"fields":{`, `"id_number"`, `"full_name"`, `"date_of_birth"`, `"sex"`, `"phone"`, `"email"`, `"password"`}},
	{name: "register unknown field", method: "POST", url: "/api/v1/accounts", status: 400, body: `{"idnumber":"1"}`, contains: []string{`"idnumber"`}},
	{name: "register not json", method: "POST", url: "/api/v1/accounts", status: 400, body: `id_number=1`, contains: []string{"JSON"}},
	{name: "token", method: "POST", url: "/api/v1/auth/token", status: 200, body: `{"username":"001090012345","password":"mùa thu Hà Nội lá vàng"}`,
		contains: []string{`"token_type":"Bearer"`, `"access_token":"`, `"expires_in":3600`}},
	{name: "token wrong password", method: "POST", url: "/api/v1/auth/token", status: 401, body: `{"username":"001090012345","password":"wrong password"}`,
		contains: []string{`"unauthenticated"`}},
	{name: "me anonymous", url: "/api/v1/me", status: 401, contains: []string{`"unauthenticated"`}},
	{name: "me bad token", url: "/api/v1/me", header: map[string]string{"Authorization": "Bearer forged"}, status: 401},
	{name: "api unknown", url: "/api/v1/nothing", status: 404, contains: []string{`"not_found"`}, undocumented: true},
	{name: "api wrong method", method: "DELETE", url: "/api/v1/procedures/1.001193", status: 405, contains: []string{`"method_not_allowed"`}, undocumented: true},

	{name: "home", url: "/", status: 200, contains: []string{`<html lang="vi">`, `name="q"`, "Sinh con", "Kết hôn", "Khởi sự kinh doanh", "Xây nhà", "Chuyển nơi ở", "Khi có người mất"}},
	{name: "home in English", url: "/", header: map[string]string{"Cookie": "lang=en"}, status: 200, contains: []string{`<html lang="en">`, "Which procedure do you need?"}},
	{name: "search page", url: "/thu-tuc?q=DANG+KY+KET+HON", status: 200, contains: []string{"/thu-tuc/1.000894", "Tìm thấy"}},
	{name: "search page nothing", url: "/thu-tuc?q=zzzzqqq", status: 200, contains: []string{"Không tìm thấy thủ tục nào"}},
	{name: "search page bad params", url: "/thu-tuc?limit=x", status: 400, contains: []string{"Vui lòng sửa các lỗi sau", "không phải số nguyên"}},
	{name: "search page escapes input", url: "/thu-tuc?q=%3Cscript%3Ealert(1)%3C/script%3E", status: 200,
		contains: []string{"&lt;script&gt;"}, absent: []string{"<script>alert(1)"}},
	{name: "procedure page", url: "/thu-tuc/1.001193", status: 200,
		contains: []string{"Thủ tục đăng ký khai sinh", "Bạn cần chuẩn bị", "Trình tự thực hiện", "Căn cứ pháp lý"}},
	{name: "procedure page unknown", url: "/thu-tuc/1.999999", status: 404, contains: []string{"Không tìm thấy trang"}},
	{name: "fields page", url: "/linh-vuc", status: 200, contains: []string{"Hộ tịch", "/thu-tuc?field=HT"}},
	{name: "agencies page", url: "/co-quan", status: 200, contains: []string{"Ủy ban nhân dân Thành phố Hà Nội", "Bộ Tài chính"}},
	{name: "agency page", url: "/co-quan/000.00.00.H41", status: 200, contains: []string{"Nghệ An", "Cấp huyện"}},
	{name: "commune page", url: "/co-quan/000.00.40.H26", status: 200, contains: []string{"/thu-tuc/1.001193"}},
	{name: "life event page", url: "/su-kien/birth", status: 200, contains: []string{"/thu-tuc/1.001193"}},
	{name: "life event unknown", url: "/su-kien/holiday", status: 404},
	{name: "language switch", url: "/ngon-ngu/en?next=/thu-tuc", status: 303},
	{name: "language switch no open redirect", url: "/ngon-ngu/en?next=//evil.example", status: 303},
	{name: "language switch no tab redirect", url: "/ngon-ngu/en?next=/%09/evil.example", status: 303},
	{name: "language switch no backslash redirect", url: "/ngon-ngu/en?next=/%5Cevil.example", status: 303},
	{name: "static", url: "/static/site.css", status: 200, contains: []string{"--red"}},
	{name: "page unknown", url: "/khong-co", status: 404, contains: []string{"Không tìm thấy trang"}},
	{name: "cross-origin post refused", method: "POST", url: "/thu-tuc", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403},
}

func TestScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, ts := newServer(t, db, nil)
		doc, router := openAPI(t)
		client := ts.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				method := sc.method
				if method == "" {
					method = http.MethodGet
				}
				req, _ := http.NewRequest(method, ts.URL+sc.url, strings.NewReader(sc.body))
				if sc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				for k, v := range sc.header {
					req.Header.Set(k, v)
				}
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != sc.status {
					t.Fatalf("status %d, want %d; body: %.300s", res.StatusCode, sc.status, body)
				}
				for _, s := range sc.contains {
					if !bytes.Contains(body, []byte(s)) {
						t.Errorf("body lacks %q: %.300s", s, body)
					}
				}
				for _, s := range sc.absent {
					if bytes.Contains(body, []byte(s)) {
						t.Errorf("body has %q", s)
					}
				}
				if res.Header.Get("X-Request-ID") == "" {
					t.Error("no X-Request-ID header")
				}
				if loc := res.Header.Get("Location"); res.StatusCode == 303 && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") ||
					strings.ContainsAny(loc, "\t\n\r\\")) {
					t.Errorf("redirect to %q leaves the site", loc)
				}
				if strings.HasPrefix(sc.url, "/api/v1/") && !sc.undocumented {
					checkAgainstOpenAPI(t, doc, router, req, res, body)
				}
			})
		}
	})
}

func openAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	var spec []byte
	{
		srv := httptest.NewRecorder()
		// The document the server serves is the one checked.
		web.OpenAPIHandler().ServeHTTP(srv, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
		spec = srv.Body.Bytes()
	}
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	doc.Servers = nil // match any host, such as httptest's
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// checkAgainstOpenAPI fails if the response does not match the document.
func checkAgainstOpenAPI(t *testing.T, doc *openapi3.T, router routers.Router, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("response does not match the OpenAPI document: %v", err)
	}
}

// Every API route is documented, and every documented operation exists.
func TestOpenAPICoversRoutes(t *testing.T) {
	srv, _ := newServer(t, storetest.SQLite(t), nil)
	doc, _ := openAPI(t)
	routes := map[string]bool{}
	for _, p := range srv.Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		routes[method+" "+path] = true
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %s is not in the OpenAPI document", p)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !routes[method+" "+path] {
				t.Errorf("documented %s %s has no route", method, path)
			}
		}
	}
	if len(routes) < 6 {
		t.Errorf("only %d API routes found", len(routes))
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	_, ts := newServer(t, storetest.SQLite(t), nil)
	for _, path := range []string{"/", "/thu-tuc?q=x", "/api/v1/procedures", "/khong-co", "/api/v1/nothing", "/static/site.css"} {
		res, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy = %q", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", path)
		}
	}
}

// Every log line of a request carries its request ID, and an incoming
// X-Request-ID is kept when it is plain and replaced when it is not.
func TestRequestIDInLogs(t *testing.T) {
	var logs bytes.Buffer
	_, ts := newServer(t, storetest.SQLite(t), &logs)
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/procedures?q=khai+sinh", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("X-Request-ID = %q, want abc-123", got)
	}
	req.Header.Set("X-Request-ID", "bad id <script>")
	res, err = ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("unsafe X-Request-ID kept: %q", got)
	}
	var found bool
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "request" {
			if rec["request_id"] == nil || rec["route"] == nil {
				t.Errorf("request log without request_id or route: %s", line)
			}
			if rec["request_id"] == "abc-123" && rec["route"] == "GET /api/v1/procedures" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no request log line with request_id abc-123 and its route; logs:\n%s", logs.String())
	}
}

func TestMetricsCountRequestsPerRoute(t *testing.T) {
	_, ts := newServer(t, storetest.SQLite(t), nil)
	for i := 0; i < 3; i++ {
		res, err := ts.Client().Get(ts.URL + "/api/v1/procedures/1.001193")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	// A request is counted just after its answer is sent: the client may
	// ask for the metrics before the last one is in, so ask again a little.
	var body []byte
	for try := 0; try < 50; try++ {
		res, err := ts.Client().Get(ts.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if bytes.Contains(body, []byte(`route="GET /api/v1/procedures/{code}"} 3`)) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`egov_http_requests_total{code="200",method="GET",route="GET /api/v1/procedures/{code}"} 3`,
		`egov_http_request_duration_seconds_count{method="GET",route="GET /api/v1/procedures/{code}"} 3`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
