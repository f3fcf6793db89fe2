package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/egov-vn/egov/notify/smtptest"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

const (
	replicaBucket    = "egov-tep-dinh-kem"
	replicaSecretKey = "khóa bí mật của kho đối tượng"
	replicaClients   = 12 // citizens of the load
	replicaPerClient = 5  // dossiers each submits, one after the other
	replicaReceiver  = "hk.tiepnhan"
)

// replicaDatabase creates an empty PostgreSQL database for the test next
// to the one of EGOV_TEST_POSTGRES_URL, dropped at the end.
func replicaDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := store.Open(ctx, base, "")
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is not reachable: %v", storetest.PostgresURLEnv, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "egov_replicas_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := store.Open(context.Background(), base, "")
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// replicaObjectStore is an S3-compatible server (gofakes3, S3's REST
// protocol) on a loopback port of the test process, which both replicas
// reach over HTTP as they would a MinIO or a cloud's object store.
func replicaObjectStore(t *testing.T) (endpoint string, objects func() []string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(replicaBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithTimeSkewLimit(0)).Server())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func() []string {
		list, err := backend.ListBucket(replicaBucket, nil, gofakes3.ListBucketPage{})
		if err != nil {
			t.Fatalf("list bucket: %v", err)
		}
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, o.Key)
		}
		return keys
	}
}

// TestReplicas runs two `egov serve` on one PostgreSQL database and one
// object store, and shows over HTTP that they are one service: a session
// made on one is valid on the other (and its end too), a dossier submitted
// on one and received by an official on the other is seen at once on the
// first, with its files; each e-mail job runs once; and stopping one with
// SIGTERM while citizens submit dossiers to both loses no request that was
// answered, the clients retrying on the other what could not reach the
// stopped one, as a load balancer does.
func TestReplicas(t *testing.T) {
	base := os.Getenv(storetest.PostgresURLEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: the replica test runs two egov serve on one PostgreSQL; set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable); .ci/run sets it", storetest.PostgresURLEnv)
	}
	began := time.Now()
	dbURL := replicaDatabase(t, base)
	s3Endpoint, objects := replicaObjectStore(t)
	mail := smtptest.Start(t)
	bin := buildEgov(t)
	flags := []string{"--db=" + dbURL, "--smtp-addr=" + mail.Addr, "--s3-endpoint=" + s3Endpoint, "--s3-bucket=" + replicaBucket,
		"--s3-region=us-east-1", "--s3-access-key=egov", "--s3-insecure"}
	env := []string{"EGOV_S3_SECRET_KEY=" + replicaSecretKey}
	dataA, dataB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a := startServerEnv(t, bin, dataA, env, append(flags, "--demo")...)
	b := startServerEnv(t, bin, dataB, env, flags...)
	t.Logf("replicas A %s and B %s on one database and one bucket, up after %v", a.base, b.base, time.Since(began).Round(time.Millisecond))

	// The receiving official of the commune, made at the command line.
	add := exec.Command(bin, "official", "add", "--db="+dbURL, "--agency="+crashAgency, "--role=receiver",
		"--username="+replicaReceiver)
	add.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	add.Stdin = strings.NewReader(crashPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("egov official add: %v\n%s", err, out)
	}

	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: replicaClients}}
	defer hc.CloseIdleConnections()
	noRedirect := &http.Client{Timeout: 30 * time.Second, Transport: hc.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// ---- A citizen registers on A, gets an API token on B, and uses it on A.
	citizen := &crashClient{n: 99, idNumber: "001090799999", key: "replicas-first"}
	citizenEmail := "cong.dan.ban.sao@example.vn"
	reg := map[string]string{"id_number": citizen.idNumber, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-12",
		"sex": "male", "phone": "0912345678", "email": citizenEmail, "password": crashPassword}
	if code := apiJSON(t, hc, "POST", a.base+"/api/v1/accounts", "", reg, nil); code != http.StatusCreated {
		t.Fatalf("register on A: %d", code)
	}
	citizen.token = apiToken(t, hc, b.base, citizen.idNumber)

	// A web session: signed in on A, the cookie works on B; signed out
	// on B, it no longer works on A.
	cookie := signIn(t, noRedirect, a.base, citizen.idNumber)
	if code, _ := page(t, noRedirect, b.base+"/ho-so", cookie); code != http.StatusOK {
		t.Fatalf("GET /ho-so on B with the session cookie made on A: %d, want 200", code)
	}

	// ---- A dossier submitted on A, received by the official on B, is
	// seen received on A at once.
	citizen.form = birthForm(t, a.base, 1)
	citizen.files = [2][]byte{testPDFOf(1), testPNGOf(t, 1)}
	citizen.buildRequest(t)
	status, body, _, err := citizen.submit(hc, a.base)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("submit on A: %d %v %s", status, err, body)
	}
	var submitted apiDossierBody
	if err := json.Unmarshal(body, &submitted); err != nil || submitted.Code == "" {
		t.Fatalf("answer of the submission: %v %s", err, body)
	}
	code := submitted.Code
	if c, html := page(t, noRedirect, b.base+"/ho-so", cookie); c != http.StatusOK || !strings.Contains(html, code) {
		t.Errorf("my dossiers on B (session of A) do not list %s, made on A: %d", code, c)
	}
	// Its files went to the object store, and B serves them.
	for i, p := range submitted.Papers {
		req, _ := http.NewRequest("GET", b.base+fmt.Sprintf("/api/v1/documents/%d", p.DocumentID), nil)
		req.Header.Set("Authorization", "Bearer "+citizen.token)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("download paper %d on B: %v", i, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(got) != string(citizen.files[i]) {
			t.Errorf("paper %s uploaded on A, downloaded on B: %d, %d bytes, not the %d sent", p.Component, res.StatusCode, len(got), len(citizen.files[i]))
		}
		if key := p.Hash[0:2] + "/" + p.Hash[2:4] + "/" + p.Hash; !contains(objects(), key) {
			t.Errorf("paper %s is not in the bucket under %s: %v", p.Component, key, objects())
		}
	}

	official := apiToken(t, hc, b.base, replicaReceiver)
	var seen apiDossierVersion
	if c := apiJSON(t, hc, "GET", b.base+"/api/v1/dossiers/"+code, official, nil, &seen); c != 200 {
		t.Fatalf("the official reads %s on B: %d", code, c)
	}
	var received apiDossierVersion
	if c := apiJSON(t, hc, "POST", b.base+"/api/v1/dossiers/"+code+"/actions", official,
		map[string]any{"action": "receive", "version": seen.Version}, &received); c != 200 {
		t.Fatalf("receive %s on B: %d", code, c)
	}
	if received.Status == "submitted" || received.Status == "" {
		t.Fatalf("status after receive on B: %q", received.Status)
	}
	var track struct {
		Status string `json:"status"`
	}
	if c := apiJSON(t, hc, "GET", a.base+"/api/v1/tracking/"+code, "", nil, &track); c != 200 || track.Status != received.Status {
		t.Errorf("tracking on A right after the reception on B: %d %q, want %q", c, track.Status, received.Status)
	}
	var mine apiDossierVersion
	if c := apiJSON(t, hc, "GET", a.base+"/api/v1/dossiers/"+code, citizen.token, nil, &mine); c != 200 ||
		mine.Status != received.Status || mine.Version != received.Version {
		t.Errorf("the citizen's view on A right after the reception on B: %d %+v, want %+v", c, mine, received)
	}

	// ---- Each e-mail is sent once, by one replica or the other: the
	// verification, the submission's and the reception's.
	for i := range 3 {
		mail.Wait(t, citizenEmail, i, 30*time.Second)
	}

	// The session ends on B; A no longer takes it.
	if res, err := noRedirect.Do(formRequest(t, b.base+"/dang-xuat", cookie, nil)); err != nil {
		t.Fatalf("sign out on B: %v", err)
	} else {
		res.Body.Close()
	}
	if c, _ := page(t, noRedirect, a.base+"/ho-so", cookie); c == http.StatusOK {
		t.Errorf("GET /ho-so on A with the session signed out on B: %d, want a refusal", c)
	}

	// ---- The load: citizens submit dossiers to A and B in turn; A is
	// stopped with SIGTERM a third of the way.
	load := prepareLoad(t, hc, a.base)
	answeredBeforeStop, stopped, retried := runLoad(t, hc, a, b, load)
	if t.Failed() {
		t.FailNow()
	}
	if stopped.waitErr != nil {
		t.Errorf("A after SIGTERM: %v\n%s", stopped.waitErr, a.logs.tail(20))
	}
	if logs := a.logs.tail(40); !strings.Contains(logs, `"msg":"stopped"`) || strings.Contains(logs, `"msg":"http shutdown"`) ||
		strings.Contains(logs, `"msg":"job queue shutdown`) {
		t.Errorf("A did not stop cleanly:\n%s", a.logs.tail(40))
	}
	t.Logf("load: %d submissions, %d answered 201 before A had stopped, %d retried on B after failing to reach A, A stopped in %v",
		replicaClients*replicaPerClient, answeredBeforeStop, retried, stopped.took.Round(time.Millisecond))

	// Every answered submission is there, once, read by B; every
	// citizen has exactly one dossier per request sent.
	var wg sync.WaitGroup
	for _, c := range load {
		wg.Go(func() {
			for _, r := range c.requests {
				var d apiDossierBody
				if code := apiJSON(t, hc, "GET", b.base+"/api/v1/dossiers/"+r.code, c.token, nil, &d); code != 200 ||
					d.Status != "submitted" || len(d.Papers) != 2 {
					t.Errorf("dossier %s answered 201 by %s: on B %d, %q with %d papers", r.code, r.by, code, d.Status, len(d.Papers))
				}
			}
		})
	}
	wg.Wait()
	checkReplicaDatabase(t, dbURL, load, citizen.idNumber, code)

	// Each job ran once: every e-mail queued was delivered, and exactly
	// once, whichever replica worked it, A's stop included.
	want := map[string]int{citizenEmail: 3}
	for _, c := range load {
		want[c.email] = 1 + replicaPerClient // verification + one per dossier
	}
	deadline := time.Now().Add(60 * time.Second)
	for !mailsArrived(mail, want) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a second delivery to show
	got := map[string]int{}
	subjects := map[string]int{}
	for _, m := range mail.Messages() {
		for _, to := range m.To {
			got[to]++
			subjects[to+" "+m.Subject]++
		}
	}
	for to, n := range want {
		if got[to] != n {
			t.Errorf("%d e-mails to %s, want %d", got[to], to, n)
		}
	}
	for s, n := range subjects {
		if n != 1 {
			t.Errorf("e-mail %q sent %d times", s, n)
		}
	}
	checkJobsOnce(t, dbURL)

	for _, dir := range []string{dataA, dataB} {
		if entries, err := os.ReadDir(filepath.Join(dir, "files")); err == nil && len(entries) > 0 {
			t.Errorf("%s/files holds %d entries: with --s3-endpoint attachments go to the bucket only", dir, len(entries))
		}
	}
	t.Logf("the bucket holds %d objects; whole test %v", len(objects()), time.Since(began).Round(time.Millisecond))
	b.stop(t)
}

type apiDossierVersion struct {
	Status  string `json:"status"`
	Version int    `json:"version"`
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func apiToken(t *testing.T, hc *http.Client, base, username string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if c := apiJSON(t, hc, "POST", base+"/api/v1/auth/token", "", map[string]string{"username": username, "password": crashPassword}, &tok); c != 200 || tok.AccessToken == "" {
		t.Fatalf("token of %s on %s: %d", username, base, c)
	}
	return tok.AccessToken
}

func formRequest(t *testing.T, u string, cookie *http.Cookie, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

// signIn signs in through the sign-in page and returns the session cookie.
func signIn(t *testing.T, hc *http.Client, base, username string) *http.Cookie {
	t.Helper()
	res, err := hc.Do(formRequest(t, base+"/dang-nhap", nil, url.Values{"username": {username}, "password": {crashPassword}, "next": {"/ho-so"}}))
	if err != nil {
		t.Fatalf("sign in on %s: %v", base, err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "egov_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign in on %s: %d without a session cookie", base, res.StatusCode)
	return nil
}

func page(t *testing.T, hc *http.Client, u string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.AddCookie(cookie)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// loadClient is a citizen of the load and what it was answered.
type loadClient struct {
	token, idNumber, email string
	form                   map[string]any
	requests               []loadAnswer
}

type loadAnswer struct {
	code string
	by   string // "A" or "B"
}

func prepareLoad(t *testing.T, hc *http.Client, base string) []*loadClient {
	t.Helper()
	clients := make([]*loadClient, replicaClients)
	parallel(replicaClients, 4, func(i int) {
		c := &loadClient{idNumber: fmt.Sprintf("0010%02d%06d", 91, 800000+i), email: fmt.Sprintf("tai.%d@example.vn", i)}
		reg := map[string]string{"id_number": c.idNumber, "full_name": "Trần Văn Bình", "date_of_birth": "1991-02-03",
			"sex": "male", "phone": "0912345678", "email": c.email, "password": crashPassword}
		if code := apiJSON(t, hc, "POST", base+"/api/v1/accounts", "", reg, nil); code != http.StatusCreated {
			t.Errorf("register citizen %d: %d", i, code)
			return
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if code := apiJSON(t, hc, "POST", base+"/api/v1/auth/token", "", map[string]string{"username": c.idNumber, "password": crashPassword}, &tok); code != 200 {
			t.Errorf("token of citizen %d: %d", i, code)
		}
		c.token = tok.AccessToken
		clients[i] = c
	})
	if t.Failed() {
		t.FailNow()
	}
	for i, c := range clients {
		c.form = birthForm(t, base, i)
	}
	return clients
}

type stopResult struct {
	waitErr error
	took    time.Duration
}

// runLoad sends every citizen's submissions, each to A or B in turn, and
// stops A with SIGTERM once a third are answered. A request that gets no
// answer from A is sent again, byte for byte with its idempotency key, to
// B. It returns how many were answered before A had stopped, how A ended
// and how many requests were retried.
func runLoad(t *testing.T, hc *http.Client, a, b *crashServer, clients []*loadClient) (int, stopResult, int) {
	total := len(clients) * replicaPerClient
	var answered, answeredBeforeStop, retried, refused, drained atomic.Int32
	var aStopped atomic.Bool
	var sigtermAt atomic.Int64 // UnixNano; 0 before
	third := make(chan struct{})
	var thirdOnce sync.Once
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for j := range replicaPerClient {
				req := &crashClient{n: i*replicaPerClient + j, token: c.token, form: c.form,
					key:   fmt.Sprintf("replicas-%d-%d-%s", i, j, rand.Text()[:8]),
					files: [2][]byte{testPDFOf(100 + i*replicaPerClient + j), testPNGOf(t, 100+i*replicaPerClient+j)}}
				req.buildRequest(t)
				targets := []*crashServer{a, b}
				if (i+j)%2 == 1 {
					targets = []*crashServer{b, a}
				}
				var status int
				var body []byte
				var err error
				by := ""
				for attempt, srv := range targets {
					sent := time.Now().UnixNano()
					var replayed bool
					status, body, replayed, err = req.submit(hc, srv.base)
					if err == nil {
						by = map[*crashServer]string{a: "A", b: "B"}[srv]
						if at := sigtermAt.Load(); srv == a && at != 0 && sent < at {
							drained.Add(1) // in flight at the SIGTERM, and answered
						}
						// A retry that B answers from the idempotency
						// record is a request A committed and did not
						// answer: A must finish what it took.
						if attempt > 0 && replayed {
							t.Errorf("citizen %d, dossier %d: committed by A, its answer lost in the stop", i, j)
						}
						break
					}
					if srv != a || attempt > 0 {
						break // B is up throughout: an error there is a failure
					}
					// A stopping refuses connections, and closes the
					// idle ones: a request written on one as it closed
					// was never read. Either way, B gets it.
					if errors.Is(err, syscall.ECONNREFUSED) {
						refused.Add(1)
					}
					retried.Add(1)
				}
				if err != nil || status != http.StatusCreated {
					t.Errorf("citizen %d, dossier %d: %d %v %s", i, j, status, err, body)
					return
				}
				var d apiDossierBody
				if err := json.Unmarshal(body, &d); err != nil || d.Code == "" {
					t.Errorf("citizen %d, dossier %d: answer without a code: %s", i, j, body)
					return
				}
				c.requests = append(c.requests, loadAnswer{code: d.Code, by: by})
				if !aStopped.Load() {
					answeredBeforeStop.Add(1)
				}
				if answered.Add(1) >= int32(total/3) {
					thirdOnce.Do(func() { close(third) })
				}
			}
		})
	}
	var stop stopResult
	stopDone := make(chan struct{})
	go func() {
		defer close(stopDone)
		select {
		case <-third:
		case <-time.After(60 * time.Second):
		}
		began := time.Now()
		sigtermAt.Store(began.UnixNano())
		if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM to A: %v", err)
			return
		}
		select {
		case <-a.exited:
			stop = stopResult{waitErr: a.waitErr, took: time.Since(began)}
		case <-time.After(40 * time.Second):
			stop = stopResult{waitErr: errors.New("A did not stop within 40s of SIGTERM"), took: time.Since(began)}
		}
		aStopped.Store(true)
	}()
	wg.Wait()
	<-stopDone
	t.Logf("%d requests in flight on A at the SIGTERM were answered by A before it exited; of the %d that could not reach A, %d were refused a connection, the others sent on an idle connection A closed",
		drained.Load(), retried.Load(), refused.Load())
	return int(answeredBeforeStop.Load()), stop, int(retried.Load())
}

// checkReplicaDatabase reads the shared database: each citizen of the load
// has one dossier per request, whole, each answered code among them, and
// the first citizen its one dossier.
func checkReplicaDatabase(t *testing.T, dbURL string, clients []*loadClient, firstID, firstCode string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range clients {
		rows, err := db.QueryContext(ctx, `SELECT d.code, d.status,
			(SELECT COUNT(*) FROM dossier_papers p WHERE p.dossier_id = d.id),
			(SELECT COUNT(*) FROM idempotency_keys k WHERE k.dossier_id = d.id)
			FROM dossiers d WHERE d.applicant_id_number = $1`, c.idNumber)
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for rows.Next() {
			var code, status string
			var papers, keys int
			if err := rows.Scan(&code, &status, &papers, &keys); err != nil {
				t.Fatal(err)
			}
			codes[code] = true
			if status != "submitted" || papers != 2 || keys != 1 {
				t.Errorf("dossier %s of %s: %q, %d papers, %d idempotency keys", code, c.idNumber, status, papers, keys)
			}
		}
		rows.Close()
		if len(codes) != replicaPerClient {
			t.Errorf("citizen %s has %d dossiers, sent %d requests", c.idNumber, len(codes), replicaPerClient)
		}
		for _, r := range c.requests {
			if !codes[r.code] {
				t.Errorf("dossier %s answered 201 by %s is not in the database", r.code, r.by)
			}
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers WHERE applicant_id_number = $1 AND code = $2`, firstID, firstCode).Scan(&n); err != nil || n != 1 {
		t.Errorf("dossier %s: %d rows, %v", firstCode, n, err)
	}
}

// checkJobsOnce reads River's table: every e-mail job completed, at its
// first attempt (none was cut short by the stop and run again).
func checkJobsOnce(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT state, attempt, COUNT(*) FROM river_job WHERE kind = 'notify_email' GROUP BY state, attempt`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var attempt, n int
		if err := rows.Scan(&state, &attempt, &n); err != nil {
			t.Fatal(err)
		}
		if state != "completed" || attempt != 1 {
			t.Errorf("%d e-mail jobs %s at attempt %d, want all completed at the first", n, state, attempt)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func mailsArrived(mail *smtptest.Server, want map[string]int) bool {
	got := map[string]int{}
	for _, m := range mail.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	for to, n := range want {
		if got[to] < n {
			return false
		}
	}
	return true
}
