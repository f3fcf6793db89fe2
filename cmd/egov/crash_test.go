package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov-vn/egov/store"
)

const (
	crashClients  = 50
	crashAgency   = "000.00.40.H26" // a commune of Hà Nội in the demo data
	crashPassword = "mật khẩu thử nghiệm dài"
	// verifySubject is the subject of the e-mail every registration sends.
	verifySubject = "Xác thực địa chỉ thư điện tử của tài khoản Dịch vụ công"
)

// crashServer is one run of `egov serve` as a child process.
type crashServer struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs *lineLog
	// exited is closed when the process has ended, with waitErr set.
	exited  chan struct{}
	waitErr error
}

// lineLog keeps a process's standard error and reports the address of
// the "egov serving" log line.
type lineLog struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	addr    chan string
	sent    bool
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if !l.sent && json.Unmarshal(line, &rec) == nil && rec.Msg == "egov serving" && rec.Addr != "" {
			l.sent = true
			l.addr <- rec.Addr
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// tail returns the last lines of the log, for a failure message.
func (l *lineLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := strings.Split(strings.TrimRight(l.all.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// buildEgov compiles this command once for the test.
func buildEgov(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the crash test builds egov with the go command, which is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "egov")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServer runs `egov serve` on dataDir, on a free port of the loopback
// interface, and waits until it is ready.
func startServer(t *testing.T, bin, dataDir string, extra ...string) *crashServer {
	t.Helper()
	return startServerEnv(t, bin, dataDir, nil, extra...)
}

// startServerEnv is startServer with environment variables of the test's
// own (secrets that have no flag).
func startServerEnv(t *testing.T, bin, dataDir string, env []string, extra ...string) *crashServer {
	t.Helper()
	args := append([]string{"serve", "--addr=127.0.0.1:0", "--data=" + dataDir}, extra...)
	s := &crashServer{cmd: exec.Command(bin, args...), logs: &lineLog{addr: make(chan string, 1)}, exited: make(chan struct{})}
	// Only what the test sets: no EGOV_* of the environment running the
	// tests (a PostgreSQL URL, say) may change where the data goes.
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}, env...)
	s.cmd.Stdout = io.Discard
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start egov serve: %v", err)
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case addr := <-s.logs.addr:
		s.base = "http://" + addr
	case <-s.exited:
		t.Fatalf("egov serve exited before serving: %v\n%s", s.waitErr, s.logs.tail(30))
	case <-time.After(90 * time.Second):
		t.Fatalf("egov serve did not start within 90s\n%s", s.logs.tail(30))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("egov serve not ready within 30s: %v\n%s", err, s.logs.tail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the server to finish (SIGINT, as on Ctrl-C) and waits.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("interrupt egov serve: %v", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			t.Errorf("egov serve after SIGINT: %v\n%s", s.waitErr, s.logs.tail(20))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("egov serve did not stop within 30s of SIGINT")
	}
}

// crashClient is one citizen of the test and the one request it makes.
type crashClient struct {
	n        int
	idNumber string
	token    string
	key      string
	form     map[string]any // the "data" sent
	files    [2][]byte      // TP1, TP2
	body     []byte         // the whole multipart request, sent byte for byte again on retry
	ctype    string

	// The answer before the kill.
	status int
	answer []byte
	err    error
}

type apiPaper struct {
	Component  string `json:"component"`
	DocumentID int64  `json:"document_id"`
	Hash       string `json:"hash"`
	Size       int64  `json:"size"`
	Round      int    `json:"round"`
}

type apiDossierBody struct {
	ID      int64          `json:"id"`
	Code    string         `json:"code"`
	Status  string         `json:"status"`
	Data    map[string]any `json:"data"`
	Papers  []apiPaper     `json:"papers"`
	History []struct {
		Action   string `json:"action"`
		ToStatus string `json:"to_status"`
	} `json:"history"`
}

func testPNGOf(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(n%16, n/16, color.RGBA{uint8(n), 100, 200, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testPDFOf(n int) []byte {
	return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"+
		"%% To khai dang ky khai sinh, nguoi nop so %d\n%s\ntrailer << /Root 1 0 R >>\n%%%%EOF\n", n, strings.Repeat("%% dong dem\n", 200+n))
}

// birthForm is a complete birth registration (procedure 1.001193) for
// client n, with every required field of the catalog's form filled.
func birthForm(t *testing.T, base string, n int) map[string]any {
	t.Helper()
	data := map[string]any{
		"nguoi_yeu_cau_noi_cu_tru": map[string]any{"detail": "Số 5 phố Hàng Bạc", "commune": crashAgency, "province": "000.00.00.H26"},
		"quan_he_voi_tre":          "Cha", "tre_ho_ten": "Nguyễn Minh Khôi", "tre_ngay_sinh": "2026-11-20", "tre_gioi_tinh": "Nam",
		"tre_gio_sinh": fmt.Sprintf("08 giờ %02d phút", n), "tre_noi_sinh": "Bệnh viện Phụ sản Hà Nội", "tre_dan_toc": "Kinh",
		"tre_quoc_tich": "Việt Nam", "tre_que_quan": "Hà Nội", "me_ho_ten": "Trần Thị Mai", "me_dan_toc": "Kinh",
		"me_quoc_tich": "Việt Nam", "me_noi_cu_tru": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội", "me_so_dinh_danh": "001195012347",
		"me_nam_sinh": "1995-03-01", "cha_ho_ten": "Nguyễn Văn An", "cha_nam_sinh": "1990-05-12",
	}
	res, err := http.Get(base + "/api/v1/procedures/1.001193")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct {
		FormFields []struct {
			Name     string   `json:"name"`
			Type     string   `json:"type"`
			Required bool     `json:"required"`
			Prefill  string   `json:"prefill"`
			Options  []string `json:"options"`
		} `json:"form_fields"`
	}
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != 200 {
		t.Fatalf("procedure 1.001193: %d %v", res.StatusCode, err)
	}
	// The catalog may have grown required fields since this was written.
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
	return data
}

func (c *crashClient) buildRequest(t *testing.T) {
	t.Helper()
	app, err := json.Marshal(map[string]any{"procedure_code": "1.001193", "agency_code": crashAgency, "submit": true, "data": c.form})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("dossier", string(app))
	for i, name := range []string{"to-khai.pdf", "giay-chung-sinh.png"} {
		fw, err := mw.CreateFormFile(fmt.Sprintf("file.TP%d", i+1), name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(c.files[i])
	}
	mw.Close()
	c.body, c.ctype = b.Bytes(), mw.FormDataContentType()
}

// submit sends the client's request; err is set when no answer came.
func (c *crashClient) submit(hc *http.Client, base string) (status int, body []byte, replayed bool, err error) {
	req, err := http.NewRequest("POST", base+"/api/v1/dossiers", bytes.NewReader(c.body))
	if err != nil {
		return 0, nil, false, err
	}
	req.Header.Set("Content-Type", c.ctype)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", c.key)
	res, err := hc.Do(req)
	if err != nil {
		return 0, nil, false, err
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, false, err
	}
	return res.StatusCode, body, res.Header.Get("Idempotent-Replayed") == "true", nil
}

// apiJSON makes a JSON API call and returns the status, 0 when there was
// no answer. It may run on any goroutine: it reports with t.Errorf only.
func apiJSON(t *testing.T, hc *http.Client, method, url, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, url, res.StatusCode, b)
	} else if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Errorf("%s %s: %v: %s", method, url, err, b)
			return 0
		}
	}
	return res.StatusCode
}

// parallel runs fn(i) for i in [0, n) on at most width goroutines.
func parallel(n, width int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// TestCrashDuringSubmissions: 50 citizens submit dossiers with files at
// once to the real binary on SQLite, the server is killed with SIGKILL in
// the middle and restarted on the same data. Every dossier that was
// answered 201 is there whole (form, files byte for byte, history, audit
// entries, queued e-mail), the database and the attachment store hold
// nothing half-written, the audit chain is intact, and every client that
// retries its request with its idempotency key ends up with exactly one
// dossier: the one it was answered, the one committed before the kill
// whose answer was lost, or a new one.
func TestCrashDuringSubmissions(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and runs egov serve; skipped with -short")
	}
	began := time.Now()
	bin := buildEgov(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	srv := startServer(t, bin, dataDir, "--demo")
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashClients}}
	defer hc.CloseIdleConnections()

	// 50 citizens with an API token each. Registration and sign-in have
	// no per-address limit on success (only failed sign-ins count), so
	// they go through the API, a few at a time.
	clients := make([]*crashClient, crashClients)
	for i := range clients {
		c := &crashClient{n: i, idNumber: fmt.Sprintf("0010%02d%06d", 90, 700000+i),
			key: fmt.Sprintf("crash-%d-%08x", i, rand.Uint32())}
		c.form = birthForm(t, srv.base, i)
		c.files = [2][]byte{testPDFOf(i), testPNGOf(t, i)}
		c.buildRequest(t)
		clients[i] = c
	}
	parallel(crashClients, 4, func(i int) {
		c := clients[i]
		reg := map[string]string{"id_number": c.idNumber, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-12",
			"sex": "male", "phone": "0912345678", "email": fmt.Sprintf("cong.dan%d@example.vn", i), "password": crashPassword}
		if code := apiJSON(t, hc, "POST", srv.base+"/api/v1/accounts", "", reg, nil); code != http.StatusCreated {
			t.Errorf("register citizen %d: %d", i, code)
			return
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if code := apiJSON(t, hc, "POST", srv.base+"/api/v1/auth/token", "", map[string]string{"username": c.idNumber, "password": crashPassword}, &tok); code != http.StatusOK || tok.AccessToken == "" {
			t.Errorf("token of citizen %d: %d", i, code)
		}
		c.token = tok.AccessToken
	})
	if t.Failed() {
		t.FailNow()
	}
	setup := time.Since(began)

	// The storm: everyone at once; SIGKILL once a quarter to two fifths
	// have their answer (random, so that runs kill at different moments).
	killAfter := crashClients/4 + rand.IntN(crashClients/5)
	start := make(chan struct{})
	answered := make(chan struct{}, crashClients)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c.status, c.answer, _, c.err = c.submit(hc, srv.base)
			if c.err == nil {
				answered <- struct{}{}
			}
		}()
	}
	killDone := make(chan struct{})
	go func() {
		defer close(killDone)
		timeout := time.After(20 * time.Second)
		for n := 0; n < killAfter; n++ {
			select {
			case <-answered:
			case <-timeout:
				n = killAfter
			}
		}
		srv.cmd.Process.Kill()
	}()
	stormBegan := time.Now()
	close(start)
	wg.Wait()
	<-killDone
	<-srv.exited
	storm := time.Since(stormBegan)
	if srv.cmd.ProcessState.Exited() {
		t.Fatalf("egov serve ended by itself before the SIGKILL: %v\n%s", srv.waitErr, srv.logs.tail(30))
	}

	var ok201, other, lost int
	for _, c := range clients {
		switch {
		case c.err != nil:
			lost++
		case c.status == http.StatusCreated:
			ok201++
		default:
			other++
			t.Errorf("client %d was answered %d before the kill: %s", c.n, c.status, c.answer)
		}
	}
	t.Logf("before the SIGKILL (sent after %d answers): %d answered 201, %d answered otherwise, %d without an answer (%v)",
		killAfter, ok201, other, lost, storm.Round(time.Millisecond))
	if ok201 == crashClients {
		t.Log("every request was answered before the kill took effect: nothing was in flight")
	}

	// What the crash left, read straight from the database before the
	// server runs again.
	checkDatabase(t, dataDir, crashClients, nil)
	verifyAudit(t, bin, dataDir)

	// Restart on the same data, and every client retries its request,
	// byte for byte, with its key.
	srv = startServer(t, bin, dataDir)
	var lostButCommitted atomic.Int32
	parallel(crashClients, crashClients, func(i int) {
		c := clients[i]
		status, body, replayed, err := c.submit(hc, srv.base)
		if err != nil || status != http.StatusCreated {
			t.Errorf("client %d: retry after restart: %d %v %s", i, status, err, body)
			return
		}
		var d apiDossierBody
		json.Unmarshal(body, &d)
		if c.status == http.StatusCreated {
			var first apiDossierBody
			json.Unmarshal(c.answer, &first)
			if d.Code != first.Code || !replayed {
				t.Errorf("client %d: retry of a dossier answered 201 (%s) gave %s, Idempotent-Replayed %v", i, first.Code, d.Code, replayed)
			}
		} else if replayed {
			lostButCommitted.Add(1) // committed before the kill; only the answer was lost
		}
		if c.status != http.StatusCreated {
			c.status, c.answer = status, body
		}
	})
	t.Logf("of the %d without a 201 before the kill, %d had been committed (the retry replayed them), %d were made by the retry",
		crashClients-ok201, lostButCommitted.Load(), crashClients-ok201-int(lostButCommitted.Load()))
	if t.Failed() {
		t.FailNow()
	}

	// Every client now has exactly its one dossier, whole, through the API.
	parallel(crashClients, 8, func(i int) { checkClient(t, hc, srv.base, clients[i]) })

	srv.stop(t)
	want := map[string]int{}
	for _, c := range clients {
		want[c.idNumber] = 1
	}
	checkDatabase(t, dataDir, crashClients, want)
	verifyAudit(t, bin, dataDir)
	t.Logf("setup %v, whole test %v", setup.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// checkClient checks, as the client, that its dossier is there whole.
func checkClient(t *testing.T, hc *http.Client, base string, c *crashClient) {
	t.Helper()
	var sent apiDossierBody
	if err := json.Unmarshal(c.answer, &sent); err != nil || sent.Code == "" {
		t.Errorf("client %d: answer without a code: %s", c.n, c.answer)
		return
	}
	var list struct {
		Dossiers []struct {
			Code string `json:"code"`
		} `json:"dossiers"`
	}
	if code := apiJSON(t, hc, "GET", base+"/api/v1/dossiers", c.token, nil, &list); code != 200 ||
		len(list.Dossiers) != 1 || list.Dossiers[0].Code != sent.Code {
		t.Errorf("client %d: my dossiers are %+v, want only %s", c.n, list.Dossiers, sent.Code)
	}
	var d apiDossierBody
	if code := apiJSON(t, hc, "GET", base+"/api/v1/dossiers/"+sent.Code, c.token, nil, &d); code != 200 {
		t.Errorf("client %d: GET its dossier %s: %d", c.n, sent.Code, code)
		return
	}
	if d.Code != sent.Code || d.Status != "submitted" {
		t.Errorf("client %d: dossier %s is %q %q", c.n, sent.Code, d.Code, d.Status)
	}
	if !reflect.DeepEqual(d.Data, sent.Data) {
		t.Errorf("client %d: form data of %s changed:\nanswered %v\nstored   %v", c.n, d.Code, sent.Data, d.Data)
	}
	for _, k := range []string{"tre_gio_sinh", "tre_ho_ten", "me_so_dinh_danh"} {
		if d.Data[k] != c.form[k] {
			t.Errorf("client %d: %s = %v, sent %v", c.n, k, d.Data[k], c.form[k])
		}
	}
	if d.Data["nguoi_yeu_cau_so_dinh_danh"] != c.idNumber {
		t.Errorf("client %d: the account did not prefill the applicant's ID number: %v", c.n, d.Data["nguoi_yeu_cau_so_dinh_danh"])
	}
	var actions []string
	for _, h := range d.History {
		actions = append(actions, h.Action)
	}
	if !reflect.DeepEqual(actions, []string{"created", "submitted"}) {
		t.Errorf("client %d: history of %s is %v, want created, submitted", c.n, d.Code, actions)
	}
	if len(d.Papers) != 2 {
		t.Errorf("client %d: %s has %d papers, want 2", c.n, d.Code, len(d.Papers))
		return
	}
	for i, p := range d.Papers {
		sum := sha256.Sum256(c.files[i])
		if p.Component != fmt.Sprintf("TP%d", i+1) || p.Hash != hex.EncodeToString(sum[:]) || p.Size != int64(len(c.files[i])) || p.Round != 0 {
			t.Errorf("client %d: paper %d of %s is %+v, want TP%d with hash %x", c.n, i, d.Code, p, i+1, sum)
		}
		req, _ := http.NewRequest("GET", base+fmt.Sprintf("/api/v1/documents/%d", p.DocumentID), nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := hc.Do(req)
		if err != nil {
			t.Errorf("client %d: download paper %d: %v", c.n, i, err)
			continue
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, c.files[i]) {
			t.Errorf("client %d: download of paper %s of %s: %d, %d bytes, not the %d sent", c.n, p.Component, d.Code, res.StatusCode, len(got), len(c.files[i]))
		}
	}
	// The personal document store holds the two files once each, both in
	// the dossier: a retried upload found the file it already had.
	var docs struct {
		Documents []struct {
			ID int64 `json:"id"`
		} `json:"documents"`
	}
	if code := apiJSON(t, hc, "GET", base+"/api/v1/documents", c.token, nil, &docs); code != 200 || len(docs.Documents) != 2 {
		t.Errorf("client %d: document store holds %d documents, want the 2 of the dossier", c.n, len(docs.Documents))
	}
}

// verifyAudit runs `egov verify-audit`: a crash must leave the audit log's
// hash chain whole.
func verifyAudit(t *testing.T, bin, dataDir string) {
	t.Helper()
	cmd := exec.Command(bin, "verify-audit", "--data="+dataDir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "intact") {
		t.Errorf("verify-audit: %v\n%s", err, out)
	}
}

// checkDatabase looks at the database file itself: every dossier is whole
// (code, status, papers whose files exist, history, audit entries, its
// idempotency key and its e-mail), codes have no gaps, and there is no
// other e-mail than the accounts' verifications and one per dossier.
// perApplicant, when given, is the number of dossiers each applicant (by
// ID number) must have.
func checkDatabase(t *testing.T, dataDir string, accounts int, perApplicant map[string]int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check: %q %v", integrity, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT d.id, COALESCE(d.code, ''), d.status, d.applicant_id_number, d.applicant_email,
		(SELECT COUNT(*) FROM dossier_history h WHERE h.dossier_id = d.id),
		(SELECT COUNT(*) FROM dossier_history h WHERE h.dossier_id = d.id AND h.action = 'created' AND h.to_status = 'draft'),
		(SELECT COUNT(*) FROM dossier_history h WHERE h.dossier_id = d.id AND h.action = 'submitted' AND h.to_status = 'submitted'),
		(SELECT COUNT(*) FROM dossier_papers p WHERE p.dossier_id = d.id),
		(SELECT COUNT(*) FROM dossier_papers p JOIN documents doc ON doc.id = p.document_id
			WHERE p.dossier_id = d.id AND doc.owner_id = d.applicant_id),
		(SELECT COUNT(*) FROM idempotency_keys k WHERE k.dossier_id = d.id AND k.account_id = d.applicant_id),
		(SELECT COUNT(*) FROM audit_log a WHERE a.action = 'dossier.created' AND a.subject = 'dossier:' || d.id),
		(SELECT COUNT(*) FROM audit_log a WHERE a.action = 'dossier.submitted' AND a.subject = 'dossier:' || d.code)
		FROM dossiers d ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{} // code: the applicant's e-mail address
	got := map[string]int{}
	for rows.Next() {
		var id int64
		var code, status, applicant, email string
		var history, created, submitted, papers, ownPapers, keys, auditCreated, auditSubmitted int
		if err := rows.Scan(&id, &code, &status, &applicant, &email, &history, &created, &submitted, &papers, &ownPapers, &keys,
			&auditCreated, &auditSubmitted); err != nil {
			t.Fatal(err)
		}
		got[applicant]++
		if code != "" {
			codes[code] = email
		}
		// Submitted in one request: one audit entry, dossier.submitted, none for its creation.
		if code == "" || status != "submitted" || history != 2 || created != 1 || submitted != 1 || papers != 2 || ownPapers != 2 ||
			keys != 1 || auditCreated != 0 || auditSubmitted != 1 {
			t.Errorf("dossier %d %q of %s is not whole: status %q, %d history entries (created %d, submitted %d), %d papers (%d the applicant's), %d idempotency keys, audit created %d submitted %d",
				id, code, applicant, status, history, created, submitted, papers, ownPapers, keys, auditCreated, auditSubmitted)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for applicant, n := range got {
		if n > 1 {
			t.Errorf("applicant %s has %d dossiers", applicant, n)
		}
	}
	if perApplicant != nil && !reflect.DeepEqual(got, perApplicant) {
		t.Errorf("dossiers per applicant: %v, want one each for %d applicants", got, len(perApplicant))
	}
	// Codes are allocated in the dossier's transaction: no gaps, no
	// number burnt by a transaction the crash undid.
	var last int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(SUM(last), 0) FROM dossier_sequences`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last != len(codes) {
		t.Errorf("the code sequences reached %d, but there are %d dossiers", last, len(codes))
	}

	// Every file a document names is in the attachment store, complete.
	rows, err = db.QueryContext(ctx, `SELECT blob_hash, size FROM documents`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var hash string
		var size int64
		if err := rows.Scan(&hash, &size); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dataDir, "files", hash[0:2], hash[2:4], hash))
		sum := sha256.Sum256(b)
		if err != nil || int64(len(b)) != size || hex.EncodeToString(sum[:]) != hash {
			t.Errorf("file %s of a document: %d bytes, %v", hash, len(b), err)
		}
	}
	rows.Close()
	// No file is half-written under its final name: each holds the
	// content its name is the hash of. Uploads the kill cut short are left
	// as *.tmp files, which the server removes after an hour.
	var tmp int
	err = filepath.WalkDir(filepath.Join(dataDir, "files"), func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if strings.HasSuffix(e.Name(), ".tmp") {
			tmp++
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != e.Name() {
			t.Errorf("file %s does not hold the content its name is the hash of (%d bytes)", path, len(b))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if tmp > 0 {
		t.Logf("%d unfinished uploads left as temporary files", tmp)
	}
	var orphanPapers int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossier_papers p LEFT JOIN documents doc ON doc.id = p.document_id WHERE doc.id IS NULL`).Scan(&orphanPapers)
	if orphanPapers != 0 {
		t.Errorf("%d papers name a document that does not exist", orphanPapers)
	}

	// E-mails: one verification per account, one per dossier, nothing else.
	rows, err = db.QueryContext(ctx, `SELECT json_extract(args, '$.to'), json_extract(args, '$.subject') FROM river_job WHERE kind = 'notify_email'`)
	if err != nil {
		t.Fatal(err)
	}
	verifications := map[string]int{}
	perCode := map[string]int{}
	for rows.Next() {
		var to, subject string
		if err := rows.Scan(&to, &subject); err != nil {
			t.Fatal(err)
		}
		if subject == verifySubject {
			verifications[to]++
			continue
		}
		code, ok := strings.CutPrefix(subject, "Hồ sơ ")
		code, _, _ = strings.Cut(code, ":")
		if email, known := codes[code]; !ok || !known || to != email {
			t.Errorf("an e-mail to %s about no dossier of theirs: %q", to, subject)
			continue
		}
		perCode[code]++
	}
	rows.Close()
	if len(verifications) != accounts {
		t.Errorf("%d accounts got a verification e-mail, want %d", len(verifications), accounts)
	}
	for to, n := range verifications {
		if n != 1 {
			t.Errorf("%d verification e-mails to %s", n, to)
		}
	}
	for code := range codes {
		if perCode[code] != 1 {
			t.Errorf("dossier %s has %d e-mails queued, want 1", code, perCode[code])
		}
	}
	var drafts int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers WHERE code IS NULL OR status = 'draft'`).Scan(&drafts)
	if drafts != 0 {
		t.Errorf("%d dossiers without a code are left", drafts)
	}
	for c := range codes {
		if !strings.HasPrefix(c, crashAgency+"-") {
			t.Errorf("dossier code %q is not of agency %s", c, crashAgency)
		}
	}
}
