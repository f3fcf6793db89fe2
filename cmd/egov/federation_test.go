package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/store/storetest"
)

const (
	fedCommune  = "000.00.40.H26" // the province's commune, in the demo data
	fedProvince = "000.00.00.H26" // Hà Nội: the agencies the provincial system speaks for
	fedOfficial = "hk.motcua"
	fedPassword = "mật khẩu cán bộ dài dễ nhớ"
)

// freeAddr is a loopback address nobody listens on now, so that a server
// stopped and started again keeps its address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// egovCmd runs a command of egov that ends, with input on its standard
// input, and returns its standard output.
func egovCmd(t *testing.T, bin, stdin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=" + t.TempDir()}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("egov %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.Bytes()
}

type fedTracking struct {
	Code           string `json:"code"`
	Status         string `json:"status"`
	NationalStatus int    `json:"national_status"`
	History        []struct {
		Action string    `json:"action"`
		Status string    `json:"status"`
		At     time.Time `json:"at"`
	} `json:"history"`
}

// tracking is the public tracking of a dossier at base, its times to the
// second (the national portal's dates have no more).
func tracking(t *testing.T, hc *http.Client, base, code string) (fedTracking, int) {
	t.Helper()
	var tr fedTracking
	res, err := hc.Get(base + "/api/v1/tracking/" + code)
	if err != nil {
		return tr, 0
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return tr, res.StatusCode
	}
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil {
		t.Fatalf("tracking %s at %s: %v", code, base, err)
	}
	for i := range tr.History {
		tr.History[i].At = tr.History[i].At.Truncate(time.Second)
	}
	return tr, res.StatusCode
}

// TestFederationTwoProcesses runs a national instance and a provincial one,
// each on its own database: the dossiers submitted and processed at the
// province appear at the national portal with their whole history; while
// the national portal is stopped the province goes on, and once it is back
// everything arrives, in order.
func TestFederationTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("federation test: builds and runs two egov processes; skipped with -short")
	}
	bin := buildEgov(t)
	t.Run("sqlite", func(t *testing.T) { federationTwoProcesses(t, bin, "", "") })
	t.Run("postgres", func(t *testing.T) {
		federationTwoProcesses(t, bin, storetest.PostgresURL(t), storetest.PostgresURL(t))
	})
}

// federationTwoProcesses is the test on the databases natDB and provDB:
// PostgreSQL URLs, or empty for SQLite files in the data directories.
func federationTwoProcesses(t *testing.T, bin, natDB, provDB string) {
	natDir, provDir := filepath.Join(t.TempDir(), "national"), filepath.Join(t.TempDir(), "province")
	natData, provData := []string{"--data=" + natDir}, []string{"--data=" + provDir}
	if natDB != "" {
		natData, provData = append(natData, "--db="+natDB), append(provData, "--db="+provDB)
	}
	with := func(data []string, args ...string) []string { return append(args, data...) }
	natAddr, provAddr := freeAddr(t), freeAddr(t)
	natURL, provURL := "http://"+natAddr, "http://"+provAddr

	// The national portal: its catalog, and the province registered as a
	// connected system speaking for Hà Nội.
	egovCmd(t, bin, "", with(natData, "demo")...)
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	out := egovCmd(t, bin, "", with(natData, "federation", "add-system", "--id=ha-noi",
		"--name=Hệ thống thông tin một cửa điện tử Hà Nội", "--agencies="+fedProvince)...)
	if err := json.Unmarshal(out, &reg); err != nil || reg.ClientID == "" || reg.ClientSecret == "" {
		t.Fatalf("add-system: %v %s", err, out)
	}
	// The province: its catalog and an official of the commune who does
	// every step.
	egovCmd(t, bin, "", with(provData, "demo")...)
	egovCmd(t, bin, fedPassword+"\n", with(provData, "official", "add", "--agency="+fedCommune,
		"--role=receiver,specialist,leader", "--username="+fedOfficial, "--name=Lê Thị Hoa")...)

	// The province's portal signs its citizens in through the national
	// instance's OpenID provider.
	var sso struct {
		Issuer       string `json:"issuer"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	out = egovCmd(t, bin, "", with(natData, "oidc", "add-client", "--public-url="+natURL, "--name=Cổng dịch vụ công Hà Nội",
		"--redirect-uri="+provURL+"/dang-nhap/vneid/callback")...)
	if err := json.Unmarshal(out, &sso); err != nil || sso.ClientID == "" || sso.Issuer != natURL+"/oidc" {
		t.Fatalf("oidc add-client: %v %s", err, out)
	}

	natArgs := with(natData, "--demo", "--addr="+natAddr, "--public-url="+natURL, "--oidc-provider")
	nat := startServer(t, bin, natDir, natArgs...)
	prov := startServerEnv(t, bin, provDir, []string{"EGOV_NATIONAL_CLIENT_SECRET=" + reg.ClientSecret, "EGOV_OIDC_CLIENT_SECRET=" + sso.ClientSecret},
		with(provData, "--demo", "--addr="+provAddr, "--public-url="+provURL, "--national-url="+natURL,
			"--national-client-id="+reg.ClientID, "--national-retry-max=1s",
			"--oidc-issuer="+sso.Issuer, "--oidc-client-id="+sso.ClientID)...)

	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	citizen := &crashClient{n: 1, idNumber: "001090777001", key: "fed-1"}
	reg2 := map[string]string{"id_number": citizen.idNumber, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-12",
		"sex": "male", "phone": "0912345678", "email": "an@example.vn", "password": crashPassword}
	if code := apiJSON(t, hc, "POST", prov.base+"/api/v1/accounts", "", reg2, nil); code != http.StatusCreated {
		t.Fatalf("register the citizen: %d", code)
	}
	token := func(user, password string) string {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if code := apiJSON(t, hc, "POST", prov.base+"/api/v1/auth/token", "", map[string]string{"username": user, "password": password}, &tok); code != 200 {
			t.Fatalf("token of %s: %d", user, code)
		}
		return tok.AccessToken
	}
	citizen.token = token(citizen.idNumber, crashPassword)
	official := token(fedOfficial, fedPassword)

	n := 0
	submit := func() string {
		t.Helper()
		n++
		c := &crashClient{n: n, token: citizen.token, key: fmt.Sprintf("fed-%d", n)}
		c.form = birthForm(t, prov.base, n)
		c.files = [2][]byte{testPDFOf(n), testPNGOf(t, n)}
		c.buildRequest(t)
		status, body, _, err := c.submit(hc, prov.base)
		var d apiDossierBody
		if err != nil || status != http.StatusCreated || json.Unmarshal(body, &d) != nil || d.Code == "" {
			t.Fatalf("submit: %d %v %s", status, err, body)
		}
		return d.Code
	}
	act := func(code string, actions ...string) {
		t.Helper()
		for _, a := range actions {
			in := map[string]any{"action": a}
			if a == "approve" {
				in["generate_result"] = true
			}
			if status := apiJSON(t, hc, "POST", prov.base+"/api/v1/dossiers/"+code+"/actions", official, in, nil); status != 200 {
				t.Fatalf("%s %s: %d", a, code, status)
			}
		}
	}
	// arrived waits until the national portal tells of each dossier what
	// the province tells, step by step.
	arrived := func(codes ...string) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for _, code := range codes {
			want, status := tracking(t, hc, prov.base, code)
			if status != 200 {
				t.Fatalf("tracking %s at the province: %d", code, status)
			}
			for {
				got, status := tracking(t, hc, nat.base, code)
				if status == 200 && reflect.DeepEqual(got, want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("dossier %s at the national portal (%d):\n got %+v\nwant %+v\nprovince:\n%s", code, status, got, want, prov.logs.tail(20))
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}

	first, second := submit(), submit()
	act(first, "receive", "forward", "approve", "return_result")
	act(second, "receive")
	arrived(first, second)
	if tr, _ := tracking(t, hc, nat.base, first); tr.Status != "returned" || tr.NationalStatus != 10 || len(tr.History) < 5 {
		t.Fatalf("the first dossier at the national portal: %+v", tr)
	}

	// The national portal goes away; the province goes on.
	nat.stop(t)
	act(second, "forward", "approve")
	third := submit()
	act(third, "receive")
	act(second, "return_result")
	if _, status := tracking(t, hc, prov.base, third); status != 200 {
		t.Fatalf("the province while the national portal is down: %d", status)
	}
	// Wait for failed attempts rather than a set time: on a busy machine
	// the job queue may take a while to try.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(prov.logs.tail(1000), "national portal unavailable"); {
		if time.Now().After(deadline) {
			t.Fatalf("no failed push while the national portal was down:\n%s", prov.logs.tail(30))
		}
		time.Sleep(200 * time.Millisecond)
	}
	nat = startServer(t, bin, natDir, natArgs...)
	arrived(first, second, third)
	// In order: the national portal refused nothing as older than it had.
	if logs := nat.logs.tail(1000); strings.Contains(logs, "push refused") {
		t.Errorf("the national portal refused pushes:\n%s", logs)
	}
	if logs := prov.logs.tail(1000); strings.Contains(logs, "refused a push") {
		t.Errorf("the province had pushes refused:\n%s", logs)
	}

	// The statistics of Hà Nội at the national portal count the
	// province's dossiers as the province does.
	var natStats, provStats map[string]any
	if code := apiJSON(t, hc, "GET", nat.base+"/api/v1/statistics/dossiers?agency="+fedProvince, "", nil, &natStats); code != 200 {
		t.Fatalf("statistics at the national portal: %d", code)
	}
	if code := apiJSON(t, hc, "GET", prov.base+"/api/v1/statistics/dossiers?agency="+fedProvince, "", nil, &provStats); code != 200 {
		t.Fatalf("statistics at the province: %d", code)
	}
	// Received and finished this year, and open now, the same at both;
	// the national portal has no dossiers of its own.
	for _, k := range []string{"received", "finished", "open", "on_time_rate"} {
		if natStats[k] != provStats[k] {
			t.Errorf("statistics differ in %s: national %v, province %v", k, natStats[k], provStats[k])
		}
	}
	if natStats["received"] != 3.0 || natStats["finished"] != 2.0 {
		t.Errorf("statistics at the national portal: %v", natStats)
	}

	// The citizen's "my dossiers" at the national portal lists the
	// dossiers filed at the province.
	if code := apiJSON(t, hc, "POST", nat.base+"/api/v1/accounts", "", reg2, nil); code != http.StatusCreated {
		t.Fatalf("register the citizen at the national portal: %d", code)
	}
	var natTok struct {
		AccessToken string `json:"access_token"`
	}
	if code := apiJSON(t, hc, "POST", nat.base+"/api/v1/auth/token", "", map[string]string{"username": citizen.idNumber, "password": crashPassword}, &natTok); code != 200 {
		t.Fatalf("token at the national portal: %d", code)
	}
	var mine struct {
		Dossiers []struct {
			Code   string `json:"code"`
			Status string `json:"status"`
			Origin string `json:"origin"`
		} `json:"dossiers"`
	}
	if code := apiJSON(t, hc, "GET", nat.base+"/api/v1/dossiers", natTok.AccessToken, nil, &mine); code != 200 || len(mine.Dossiers) != 3 {
		t.Fatalf("my dossiers at the national portal: %d %+v", code, mine)
	}
	for _, d := range mine.Dossiers {
		if d.Origin != "ha-noi" || (d.Code != first && d.Code != second && d.Code != third) {
			t.Errorf("my dossiers at the national portal: %+v", d)
		}
	}

	// The same on the pages, without JavaScript: "my dossiers" links each
	// to its public tracking, which shows its steps.
	pjar, _ := cookiejar.New(nil)
	pages := &http.Client{Jar: pjar, Timeout: 30 * time.Second}
	res, err := pages.PostForm(nat.base+"/dang-nhap", url.Values{"username": {citizen.idNumber}, "password": {crashPassword}, "next": {"/ho-so"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/ho-so" || !strings.Contains(string(page), `href="/tra-cuu?ma=`+first+`"`) {
		t.Fatalf("my dossiers page at the national portal: %s (%d):\n%s", res.Request.URL, res.StatusCode, page)
	}
	res, err = hc.Get(nat.base + "/tra-cuu?ma=" + first) // anyone, signed in or not
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), first) || strings.Contains(string(page), "Nguyễn Văn An") {
		t.Fatalf("tracking page at the national portal (%d):\n%s", res.StatusCode, page)
	}

	// A citizen with an account at the national portal signs in at the
	// province through it, with a real browser's redirects and cookies: the
	// province makes the account from the national portal's ID token.
	natCitizen := map[string]string{"id_number": "001090777002", "full_name": "Trần Văn Bình", "date_of_birth": "1990-02-03",
		"sex": "male", "phone": "0912345679", "email": "binh@example.vn", "password": crashPassword}
	if code := apiJSON(t, hc, "POST", nat.base+"/api/v1/accounts", "", natCitizen, nil); code != http.StatusCreated {
		t.Fatalf("register at the national portal: %d", code)
	}
	// A paper in the citizen's document store at the national portal,
	// which should follow them to the province.
	var binhTok struct {
		AccessToken string `json:"access_token"`
	}
	if code := apiJSON(t, hc, "POST", nat.base+"/api/v1/auth/token", "", map[string]string{"username": natCitizen["id_number"], "password": crashPassword}, &binhTok); code != 200 {
		t.Fatalf("token at the national portal: %d", code)
	}
	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	fw, _ := mw.CreateFormFile("file", "so-ho-khau-ban-sao.pdf")
	fw.Write(testPDFOf(77))
	mw.Close()
	ureq, _ := http.NewRequest("POST", nat.base+"/api/v1/documents", &upload)
	ureq.Header.Set("Content-Type", mw.FormDataContentType())
	ureq.Header.Set("Authorization", "Bearer "+binhTok.AccessToken)
	if res, err := hc.Do(ureq); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("upload at the national portal: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	// That token is the national portal's own: the documents' route for
	// connected portals takes only its OpenID provider's tokens.
	if code := apiJSON(t, hc, "GET", nat.base+"/api/v1/federation/documents", binhTok.AccessToken, nil, nil); code != http.StatusUnauthorized {
		t.Errorf("federation documents with a session token: %d", code)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err = browser.Get(prov.base + "/dang-nhap/vneid")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Host != natAddr || res.Request.URL.Path != "/dang-nhap" {
		t.Fatalf("single sign-on from the province ended at %s (%d), want the national sign-in page:\n%s", res.Request.URL, res.StatusCode, page)
	}
	m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the national sign-in page has no next field:\n%s", page)
	}
	res, err = browser.PostForm(nat.base+"/dang-nhap", url.Values{"username": {natCitizen["id_number"]}, "password": {crashPassword},
		"next": {html.UnescapeString(string(m[1]))}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Host != provAddr {
		t.Fatalf("after signing in at the national portal: %s (%d):\n%s\nnational:\n%s\nprovince:\n%s", res.Request.URL, res.StatusCode, page,
			nat.logs.tail(10), prov.logs.tail(10))
	}
	res, err = browser.Get(prov.base + "/tai-khoan")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/tai-khoan" || !strings.Contains(string(page), "Trần Văn Bình") ||
		!strings.Contains(string(page), natCitizen["id_number"]) {
		t.Fatalf("the province's account page after single sign-on: %s (%d):\n%s", res.Request.URL, res.StatusCode, page)
	}
	// The paper followed: it is in the citizen's store at the province.
	res, err = browser.Get(prov.base + "/kho-giay-to")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "so-ho-khau-ban-sao.pdf") {
		t.Fatalf("the province's document store after single sign-on (%d):\n%s\nprovince:\n%s", res.StatusCode, page, prov.logs.tail(10))
	}
}
