package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// searchQueries are what people type into the portal's search box: with
// and without diacritics, short, sometimes misspelt.
var searchQueries = []string{
	"khai sinh", "đăng ký khai sinh", "dang ky khai sinh", "kết hôn", "ket hon", "khai tử", "căn cước",
	"thường trú", "tam tru", "tạm trú", "hộ chiếu", "giấy phép lái xe", "doi bang lai", "chứng thực",
	"chứng thực bản sao", "lý lịch tư pháp", "ly lich tu phap", "đất đai", "sổ đỏ", "giấy chứng nhận quyền sử dụng đất",
	"xây dựng", "giay phep xay dung", "doanh nghiệp", "thành lập doanh nghiệp", "hộ kinh doanh", "mã số thuế",
	"bảo hiểm xã hội", "bảo hiểm y tế", "trợ cấp", "người có công", "hộ tịch", "xác nhận tình trạng hôn nhân",
	"cải chính hộ tịch", "nhận cha mẹ con", "giám hộ", "đăng ký xe", "an toàn thực phẩm", "khám sức khỏe",
	"thất nghiệp", "hưu trí",
}

// A dossier is the API's answer to a submission (the fields the load uses).
type apiDossier struct {
	Code string `json:"code"`
}

// citizen is an account the load signs in and submits as.
type citizen struct {
	username string
	token    string
}

// portal is the state the portal's kinds of requests share: what to ask
// for, who asks, and the dossiers submitted so far.
type portal struct {
	base     string
	client   *http.Client
	queries  []string
	codes    []string // procedures
	citizens []citizen
	password string

	official      string
	officialToken string

	procedure, agency string
	form              []byte   // the "dossier" part, JSON
	components        []string // components to attach a file to
	seq               atomic.Int64
	runID             string

	mu        sync.RWMutex
	tracking  []string    // dossier codes anyone may track
	toReceive chan string // submitted, not yet received
}

func (p *portal) get(ctx context.Context, path string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	req.Header.Set("Accept-Language", "vi")
	return req
}

func (p *portal) query(w *worker) string       { return p.queries[w.rnd.IntN(len(p.queries))] }
func (p *portal) procCode(w *worker) string    { return p.codes[w.rnd.IntN(len(p.codes))] }
func (p *portal) citizenOf(w *worker) *citizen { return &p.citizens[w.rnd.IntN(len(p.citizens))] }

func (p *portal) trackingCode(w *worker) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.tracking) == 0 {
		return ""
	}
	return p.tracking[w.rnd.IntN(len(p.tracking))]
}

func (p *portal) keep(code string) {
	p.mu.Lock()
	p.tracking = append(p.tracking, code)
	p.mu.Unlock()
}

// Kinds of request, with their default weights (per cent of the mix): a
// portal's visitors mostly look procedures up and track dossiers; a few
// sign in and submit; officials receive what arrives.
const defaultMix = "search=25,search_api=10,procedure=20,procedure_api=5,tracking=15,tracking_api=13,signin=3,submit=5,receive=4"

// kinds returns the portal's kinds of request.
func (p *portal) kinds() []kind {
	return []kind{
		{name: "search", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			return p.get(ctx, "/thu-tuc?q="+url.QueryEscape(p.query(w)))
		}},
		{name: "search_api", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			return p.get(ctx, "/api/v1/procedures?q="+url.QueryEscape(p.query(w)))
		}},
		{name: "procedure", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			return p.get(ctx, "/thu-tuc/"+url.PathEscape(p.procCode(w)))
		}},
		{name: "procedure_api", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			return p.get(ctx, "/api/v1/procedures/"+url.PathEscape(p.procCode(w)))
		}},
		{name: "tracking", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			code := p.trackingCode(w)
			if code == "" {
				return nil
			}
			return p.get(ctx, "/tra-cuu?ma="+url.QueryEscape(code))
		}},
		{name: "tracking_api", read: true, do: func(ctx context.Context, w *worker) *http.Request {
			code := p.trackingCode(w)
			if code == "" {
				return nil
			}
			return p.get(ctx, "/api/v1/tracking/"+url.PathEscape(code))
		}},
		{name: "signin", do: func(ctx context.Context, w *worker) *http.Request {
			return p.signInRequest(ctx, p.citizenOf(w).username, p.password)
		}},
		{name: "submit", do: func(ctx context.Context, w *worker) *http.Request {
			return p.submitRequest(ctx, p.citizenOf(w))
		}, done: func(w *worker, res *http.Response, body []byte) {
			p.submitted(body)
		}},
		{name: "receive", do: func(ctx context.Context, w *worker) *http.Request {
			if p.officialToken == "" {
				return nil
			}
			select {
			case code := <-p.toReceive:
				return p.actionRequest(ctx, code, "receive")
			default:
				return nil // nothing waiting at the desk
			}
		}},
	}
}

func (p *portal) signInRequest(ctx context.Context, username, password string) *http.Request {
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v1/auth/token", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func (p *portal) actionRequest(ctx context.Context, code, action string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v1/dossiers/"+url.PathEscape(code)+"/actions",
		strings.NewReader(`{"action":"`+action+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.officialToken)
	return req
}

// submitRequest is a submission as the API takes it: the application in
// a "dossier" part and a file per component, a small real PDF for the
// first and a PNG for the others, each different (attachments are kept
// by their hash).
func (p *portal) submitRequest(ctx context.Context, c *citizen) *http.Request {
	n := p.seq.Add(1)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("dossier", string(p.form))
	for i, comp := range p.components {
		name, content := fmt.Sprintf("to-khai-%d.pdf", n), testPDF(fmt.Sprintf("to khai %s %d", p.runID, n))
		if i > 0 {
			name, content = fmt.Sprintf("giay-to-%d-%d.png", i, n), testPNG(n, i)
		}
		fw, _ := mw.CreateFormFile("file."+comp, name)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v1/dossiers", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%s-%d", p.runID, n))
	return req
}

func (p *portal) submitted(body []byte) {
	var d apiDossier
	if json.Unmarshal(body, &d) != nil || d.Code == "" {
		return
	}
	p.keep(d.Code)
	select {
	case p.toReceive <- d.Code:
	default:
	}
}

// testPDF is a small valid PDF, as the web tests make them.
func testPDF(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% " +
		text + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// testPNG is an 8×8 PNG, a different one for each n.
func testPNG(n int64, i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{uint8(n), uint8(n >> 8), uint8(n >> 16), 255})
	img.Set(2, 2, color.RGBA{uint8(n >> 24), uint8(i), 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// call makes one request of the set-up, which is not measured, and decodes
// a 2xx answer's JSON into out.
func (p *portal) call(req *http.Request, out any) (int, error) {
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", req.Method, req.URL.RequestURI(), res.StatusCode,
			strings.Join(strings.Fields(string(body[:min(len(body), 400)])), " "))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w", req.Method, req.URL.RequestURI(), err)
		}
	}
	return res.StatusCode, nil
}

// ready checks that the server answers /readyz with 200.
func (p *portal) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := p.call(p.get(ctx, "/readyz"), nil); err != nil {
		return fmt.Errorf("server %s is not reachable or not ready: %w", p.base, err)
	}
	return nil
}

// discover finds procedure codes through the search, as a visitor would.
func (p *portal) discover(ctx context.Context) error {
	seen := map[string]bool{}
	for _, c := range p.codes {
		seen[c] = true
	}
	for _, q := range p.queries {
		var out struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
		}
		if _, err := p.call(p.get(ctx, "/api/v1/procedures?q="+url.QueryEscape(q)), &out); err != nil {
			return fmt.Errorf("discover procedures: %w", err)
		}
		for _, it := range out.Items {
			if !seen[it.Code] {
				seen[it.Code] = true
				p.codes = append(p.codes, it.Code)
			}
		}
	}
	if len(p.codes) == 0 {
		return errors.New("discover procedures: the search finds no procedure; load the demo data (egov serve --demo) or a generated catalog")
	}
	return nil
}

// procedureInfo is what the set-up reads of a procedure to submit it.
type procedureInfo struct {
	Code        string `json:"code"`
	OnlineLevel string `json:"online_level"`
	Ways        []struct {
		Channel string `json:"channel"`
		Fees    []struct {
			Amount int64 `json:"amount"`
		} `json:"fees"`
	} `json:"ways"`
	Components []struct {
		Code     string `json:"code"`
		Required bool   `json:"required"`
	} `json:"components"`
	FormFields []struct {
		Name     string   `json:"name"`
		Type     string   `json:"type"`
		Required bool     `json:"required"`
		Prefill  string   `json:"prefill"`
		Options  []string `json:"options"`
	} `json:"form_fields"`
}

// submittable says why a procedure cannot be the load's submission: it
// must be fully online and free, so that a submitted dossier waits at the
// desk (a fee paid at submission would hold it before reception).
func (pi *procedureInfo) submittable() error {
	if pi.OnlineLevel != "full" {
		return fmt.Errorf("procedure %s is not fully online (%q)", pi.Code, pi.OnlineLevel)
	}
	for _, w := range pi.Ways {
		if w.Channel != "online" {
			continue
		}
		for _, f := range w.Fees {
			if f.Amount > 0 {
				return fmt.Errorf("procedure %s charges a fee online", pi.Code)
			}
		}
	}
	return nil
}

// knownValues are answers for the demo's birth registration (1.001193),
// as the web tests give them; other fields get a value of their type.
var knownValues = map[string]any{
	"quan_he_voi_tre": "Cha", "tre_ho_ten": "Nguyễn Minh Khôi", "tre_gioi_tinh": "Nam",
	"tre_dan_toc": "Kinh", "tre_quoc_tich": "Việt Nam", "me_ho_ten": "Trần Thị Mai", "me_so_dinh_danh": "001195012347",
	"me_nam_sinh": "1995-03-01", "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "cha_ho_ten": "Nguyễn Văn An",
	"cha_so_dinh_danh": "001090012345", "cha_nam_sinh": "1990-05-12",
}

// prepareForm reads the procedure and builds the application: every
// required field the account does not fill, and a file for each required
// component (at least one).
func (p *portal) prepareForm(ctx context.Context) error {
	var pi procedureInfo
	if _, err := p.call(p.get(ctx, "/api/v1/procedures/"+url.PathEscape(p.procedure)), &pi); err != nil {
		return fmt.Errorf("read the procedure to submit: %w", err)
	}
	if err := pi.submittable(); err != nil {
		return err
	}
	data := map[string]any{}
	lastSeg := p.agency[strings.LastIndex(p.agency, ".")+1:]
	province := "000.00.00." + lastSeg
	recent := time.Now().AddDate(0, 0, -20).Format("2006-01-02")
	for _, f := range pi.FormFields {
		if !f.Required {
			continue
		}
		if v, ok := knownValues[f.Name]; ok {
			data[f.Name] = v
			continue
		}
		switch f.Type {
		case "address":
			data[f.Name] = map[string]string{"detail": "Số 5 phố Hàng Bạc", "commune": p.agency, "province": province}
			continue
		}
		if f.Prefill != "" {
			continue // the account fills it
		}
		switch f.Type {
		case "choice":
			if len(f.Options) > 0 {
				data[f.Name] = f.Options[0]
			}
		case "date":
			data[f.Name] = recent
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
	app := map[string]any{"procedure_code": p.procedure, "agency_code": p.agency, "submit": true, "data": data}
	b, err := json.Marshal(app)
	if err != nil {
		return err
	}
	p.form = b
	p.components = nil
	for _, c := range pi.Components {
		if c.Required {
			p.components = append(p.components, c.Code)
		}
	}
	if len(p.components) == 0 && len(pi.Components) > 0 {
		p.components = append(p.components, pi.Components[0].Code)
	}
	return nil
}

// signIn returns an API token.
func (p *portal) signIn(ctx context.Context, username, password string) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if _, err := p.call(p.signInRequest(ctx, username, password), &tok); err != nil {
		return "", fmt.Errorf("sign in as %s: %w", username, err)
	}
	return tok.AccessToken, nil
}

// register makes a citizen's account with an ID number of its own (a
// random serial; a taken one is tried again), or signs in when the number
// is already an account with the load's password.
func (p *portal) register(ctx context.Context, seed uint64, i int) (citizen, error) {
	for attempt := range 5 {
		// 001: Hà Nội; 0: a man born in the 1900s; 90: in 1990.
		serial := (seed*7919 + uint64(i)*104729 + uint64(attempt)*15485863) % 1000000
		id := fmt.Sprintf("001090%06d", serial)
		reg := map[string]string{"id_number": id, "full_name": "Nguyễn Văn Tải", "date_of_birth": "1990-05-12", "sex": "male",
			"phone": "0912345678", "email": fmt.Sprintf("tai%s@example.vn", id), "password": p.password}
		b, _ := json.Marshal(reg)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v1/accounts", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		status, err := p.call(req, nil)
		if status == http.StatusConflict || status == http.StatusUnprocessableEntity && strings.Contains(fmt.Sprint(err), "id_number") {
			if tok, err := p.signIn(ctx, id, p.password); err == nil {
				return citizen{username: id, token: tok}, nil
			}
			continue
		}
		if err != nil {
			return citizen{}, fmt.Errorf("register a citizen: %w", err)
		}
		tok, err := p.signIn(ctx, id, p.password)
		if err != nil {
			return citizen{}, err
		}
		return citizen{username: id, token: tok}, nil
	}
	return citizen{}, errors.New("register a citizen: five ID numbers in a row are taken by accounts with another password")
}

// seed submits n dossiers before the measure, so that tracking and the
// desk have something from the start, and to check that a submission
// goes through; and receives one, to check the official's role.
func (p *portal) seed(ctx context.Context, n int) error {
	for i := range n {
		var d apiDossier
		if _, err := p.call(p.submitRequest(ctx, &p.citizens[i%len(p.citizens)]), &d); err != nil {
			return fmt.Errorf("submit %s at %s: %w", p.procedure, p.agency, err)
		}
		p.keep(d.Code)
		if i == 0 && p.officialToken != "" {
			if _, err := p.call(p.actionRequest(ctx, d.Code, "receive"), nil); err != nil {
				return fmt.Errorf("official %s receives %s: %w", p.official, d.Code, err)
			}
			continue
		}
		p.toReceive <- d.Code
	}
	return nil
}
