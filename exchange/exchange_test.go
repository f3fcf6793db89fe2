package exchange_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// Members of the tests, agencies of the demo data.
const (
	office   = "000.00.00.G22" // Government Office: sends
	province = "000.00.00.H41" // Nghệ An: receives by pull, or by push
	commune  = "000.00.40.H26" // a commune of Hà Nội: sends too
)

var admin = &identity.Account{ID: 1, Kind: identity.KindOfficial, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}}

type signer struct {
	key  crypto.Signer
	cert *x509.Certificate
}

func newSigner(t testing.TB, cn string) signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return signer{key, cert}
}

// newEd25519Signer is a member's signing identity with an Ed25519 key.
func newEd25519Signer(t testing.TB, cn string) signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return signer{key, cert}
}

func (s signer) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Raw})
}

type world struct {
	db      *store.DB
	svc     *exchange.Service
	signers map[string]signer
	now     *time.Time
}

func newWorld(t *testing.T, db *store.DB, endpoints map[string]string) *world {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	w := &world{db: db, signers: map[string]signer{}, now: &now}
	w.svc = exchange.NewService(db, queue, exchange.Config{GiveUpAfter: time.Hour, AdminEmail: "quantri@example.gov.vn",
		Now: func() time.Time { return *w.now }}, nil)
	for _, code := range []string{office, province, commune} {
		if _, err := w.svc.SaveMember(ctx, admin, exchange.Member{AgencyCode: code, Name: "Cơ quan " + code, Endpoint: endpoints[code]}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		w.signers[code] = newSigner(t, code)
		if _, err := w.svc.AddKey(ctx, admin, code, w.signers[code].pem(), identity.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

var seq int

// document is a signed document from one member to others.
func (w *world) document(t *testing.T, from string, to ...string) (*edxml.Envelope, []byte) {
	t.Helper()
	seq++
	e := &edxml.Envelope{
		MessageID:    fmt.Sprintf("msg-%d-%d", time.Now().UnixNano(), seq),
		DocumentID:   fmt.Sprintf("%s,2026/12/04,%d/VPCP-TTĐT", from, 7000+seq),
		From:         edxml.Organ{OrganID: from, OrganName: "Cơ quan " + from},
		Code:         edxml.Code{CodeNumber: fmt.Sprint(7000 + seq), CodeNotation: "VPCP-TTĐT"},
		Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		DocumentType: edxml.DocumentType{Type: 1, TypeDetail: 2, TypeName: "Công văn"},
		Subject:      fmt.Sprintf("Về việc triển khai dịch vụ công trực tuyến, lần %d", seq),
		Signer:       edxml.Signer{Competence: "KT. BỘ TRƯỞNG", Position: "Thứ trưởng", FullName: "Nguyễn Văn A"},
		Traces:       []edxml.Trace{{OrganID: from, Timestamp: time.Now()}},
		Attachments:  []edxml.Attachment{{ContentID: "att1", ContentType: "application/pdf", Name: "cong-van.pdf", Data: []byte("%PDF-1.4 cong van")}},
	}
	for _, r := range to {
		e.To = append(e.To, edxml.Organ{OrganID: r, OrganName: "Cơ quan " + r})
	}
	return e, w.sign(t, from, func() ([]byte, error) { return edxml.Marshal(e) })
}

func (w *world) status(t *testing.T, from string, doc *edxml.Envelope, code string) []byte {
	t.Helper()
	st := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: doc.From.OrganID, DocumentID: doc.DocumentID},
		From: edxml.Organ{OrganID: from, OrganName: "Cơ quan " + from}, StatusCode: code, Description: edxml.StatusCodes[code],
		Timestamp: time.Now()}
	return w.sign(t, from, func() ([]byte, error) { return edxml.MarshalStatus(st) })
}

func (w *world) sign(t *testing.T, who string, marshal func() ([]byte, error)) []byte {
	t.Helper()
	b, err := marshal()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := edxml.Sign(b, w.signers[who].key, w.signers[who].cert)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func (w *world) submit(t *testing.T, sender string, body []byte) exchange.Message {
	t.Helper()
	m, _, err := w.svc.Submit(context.Background(), sender, body, "127.0.0.1")
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return m
}

func (w *world) logActions(t *testing.T, agency, messageID string) []string {
	t.Helper()
	trail, err := w.svc.Trail(context.Background(), agency, messageID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range trail {
		out = append(out, e.Action)
	}
	return out
}

func TestPullAndReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		env, body := w.document(t, office, province, commune)
		m := w.submit(t, office, body)
		if m.Kind != exchange.KindDocument || len(m.Deliveries) != 2 || m.CodeNumber != env.Code.CodeNumber {
			t.Fatalf("message = %+v", m)
		}
		inbox, err := w.svc.Inbox(ctx, province, 0, 0)
		if err != nil || len(inbox) != 1 || inbox[0].MessageID != env.MessageID {
			t.Fatalf("inbox = %+v, %v", inbox, err)
		}
		if _, err := edxml.Verify(inbox[0].Body, []*x509.Certificate{w.signers[office].cert}); err != nil {
			t.Errorf("the recipient cannot check the sender's signature: %v", err)
		}
		if err := w.svc.Ack(ctx, province, inbox[0].DeliveryID, ""); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Ack(ctx, province, inbox[0].DeliveryID, ""); err != nil {
			t.Errorf("acknowledging twice: %v", err)
		}
		if inbox, _ := w.svc.Inbox(ctx, province, 0, 0); len(inbox) != 0 {
			t.Errorf("inbox after the ack: %+v", inbox)
		}
		// Receipts flow back to the sender.
		for _, code := range []string{edxml.StatusArrived, edxml.StatusAssigned, edxml.StatusFinished} {
			w.submit(t, province, w.status(t, province, env, code))
		}
		back, _ := w.svc.Inbox(ctx, office, 0, 0)
		if len(back) != 3 || back[0].Kind != exchange.KindStatus {
			t.Fatalf("the sender's inbox = %+v", back)
		}
		got, _ := w.svc.Message(ctx, office, env.MessageID)
		for _, d := range got.Deliveries {
			want := map[string]string{province: edxml.StatusFinished, commune: ""}[d.Recipient]
			if d.StatusCode != want {
				t.Errorf("%s: status %q, want %q", d.Recipient, d.StatusCode, want)
			}
		}
		// A stranger to a document may not answer it.
		otherEnv, other := w.document(t, commune, office)
		w.submit(t, commune, other)
		if _, _, err := w.svc.Submit(ctx, province, w.status(t, province, otherEnv, edxml.StatusFinished), ""); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("a receipt from an agency the document was not sent to: %v", err)
		}
		if got := w.logActions(t, office, env.MessageID); strings.Join(got[:2], " ") != "received delivered" {
			t.Errorf("trail = %v", got)
		}
		if rep, err := w.svc.VerifyLog(ctx); err != nil || rep.FirstBad != nil || rep.Entries < 5 {
			t.Errorf("message log: %+v %v", rep, err)
		}
		// Searchable by agency, number, date and state.
		for _, f := range []exchange.Filter{
			{Agency: province, Box: "inbox", Number: env.Code.CodeNumber},
			{Agency: office, Box: "outbox", Since: time.Now().Add(-time.Hour), State: exchange.DeliveryPending},
		} {
			list, err := w.svc.List(ctx, f)
			if err != nil || len(list) != 1 || list[0].MessageID != env.MessageID {
				t.Errorf("list %+v: %d messages, %v", f, len(list), err)
			}
		}
		if list, _ := w.svc.List(ctx, exchange.Filter{Agency: province, Box: "outbox"}); len(list) != 0 {
			t.Errorf("the province sent nothing, but lists %d", len(list))
		}
	}, jobs.Migrate)
}

func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		count := func() (n int) {
			db.QueryRow(`SELECT COUNT(*) FROM exchange_messages`).Scan(&n)
			return
		}
		_, good := w.document(t, office, province)
		env, _ := w.document(t, office, province)
		unsignedXML := mustUnsign(t, env)
		stranger := newSigner(t, "kẻ lạ")
		byStranger, err := edxml.Sign(unsignedXML, stranger.key, stranger.cert)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, sender string
			body         []byte
			kind         error
			says         string
		}{
			{"tampered", office, []byte(strings.Replace(string(good), "Về việc", "Về việc khác", 1)), egov.ErrInvalid, "bị thay đổi"},
			{"unsigned", office, unsignedXML, egov.ErrInvalid, "chưa được ký số"},
			{"someone else's key", office, byStranger, egov.ErrForbidden, "không thuộc chứng thư số"},
			{"another member's account", commune, good, egov.ErrForbidden, "được gửi bằng tài khoản của " + commune},
			{"not edXML", office, []byte("<html><body>hello</body></html>"), egov.ErrInvalid, "Không phải văn bản edXML"},
			{"garbage", office, []byte("\x00\x01 not xml"), egov.ErrInvalid, "Không phải văn bản edXML"},
		}
		for _, c := range cases {
			_, _, err := w.svc.Submit(ctx, c.sender, c.body, "")
			var xe *exchange.Error
			if !errors.Is(err, c.kind) || !errors.As(err, &xe) || !strings.Contains(xe.Msg, c.says) {
				t.Errorf("%s: %v, want %v saying %q", c.name, err, c.kind, c.says)
			}
		}
		if n := count(); n != 0 {
			t.Errorf("%d messages stored from refused submissions", n)
		}
		var refused int
		db.QueryRow(`SELECT COUNT(*) FROM exchange_log WHERE action = 'refused'`).Scan(&refused)
		if refused != len(cases) {
			t.Errorf("%d refusals in the message log, want %d", refused, len(cases))
		}
		// A revoked key signs nothing new.
		if err := w.svc.RevokeKey(ctx, admin, exchange.Fingerprint(w.signers[office].cert), identity.Request{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.Submit(ctx, office, good, ""); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("signed by a revoked key: %v", err)
		}
		// Only the system administrator registers.
		clerk := &identity.Account{ID: 9, Kind: identity.KindOfficial, AgencyCode: office, Roles: []identity.Role{identity.RoleAgencyAdmin}}
		if _, err := w.svc.AddKey(ctx, clerk, office, stranger.pem(), identity.Request{}); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("an agency administrator added a key: %v", err)
		}
		if _, err := w.svc.AddKey(ctx, admin, office, []byte("not a certificate"), identity.Request{}); err == nil {
			t.Error("a key that is no certificate was accepted")
		}
	}, jobs.Migrate)
}

// TestEd25519Member: members whose signing certificates have Ed25519 keys
// send documents and receipts like any other, and what is changed after
// signing, or signed with a key they did not register, is refused with the
// reason.
func TestEd25519Member(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		for _, code := range []string{office, province} {
			ed := newEd25519Signer(t, code+" (Ed25519)")
			k, err := w.svc.AddKey(ctx, admin, code, ed.pem(), identity.Request{})
			if err != nil {
				t.Fatalf("AddKey of an Ed25519 certificate for %s: %v", code, err)
			}
			if k.Algorithm != "ed25519" || k.Fingerprint != exchange.Fingerprint(ed.cert) {
				t.Errorf("key = %+v", k)
			}
			w.signers[code] = ed // from now on, they sign with Ed25519
		}
		member, err := w.svc.Member(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		var algorithms []string
		for _, k := range member.Keys {
			algorithms = append(algorithms, k.Algorithm)
		}
		if !slices.Contains(algorithms, "ed25519") || !slices.Contains(algorithms, "ecdsa") {
			t.Errorf("the office's keys: %v", algorithms)
		}

		// A document, signed with Ed25519, goes through.
		env, body := w.document(t, office, province)
		if !strings.Contains(string(body), `Algorithm="http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"`) {
			t.Fatalf("the document is not signed with eddsa-ed25519:\n%s", body)
		}
		m := w.submit(t, office, body)
		if m.Signer != exchange.Fingerprint(w.signers[office].cert) {
			t.Errorf("signer %q, want the Ed25519 certificate's fingerprint", m.Signer)
		}
		inbox, err := w.svc.Inbox(ctx, province, 0, 0)
		if err != nil || len(inbox) != 1 || inbox[0].MessageID != env.MessageID {
			t.Fatalf("inbox = %+v, %v", inbox, err)
		}
		if _, err := edxml.Verify(inbox[0].Body, []*x509.Certificate{w.signers[office].cert}); err != nil {
			t.Errorf("the recipient cannot check the Ed25519 signature: %v", err)
		}
		if err := w.svc.Ack(ctx, province, inbox[0].DeliveryID, ""); err != nil {
			t.Fatal(err)
		}
		// The receipt, signed with Ed25519 too, comes back.
		w.submit(t, province, w.status(t, province, env, edxml.StatusFinished))
		back, _ := w.svc.Inbox(ctx, office, 0, 0)
		if len(back) != 1 || back[0].Kind != exchange.KindStatus {
			t.Fatalf("the sender's inbox = %+v", back)
		}
		if got, _ := w.svc.Message(ctx, office, env.MessageID); got.Deliveries[0].StatusCode != edxml.StatusFinished {
			t.Errorf("deliveries %+v, want status %s", got.Deliveries, edxml.StatusFinished)
		}

		// What was changed after signing, or signed with another Ed25519
		// key, is refused, and the refusal logged with the reason.
		_, good := w.document(t, office, province)
		status := w.status(t, province, env, edxml.StatusAccepted)
		stranger := newEd25519Signer(t, "kẻ lạ (Ed25519)")
		other, _ := w.document(t, office, province)
		byStranger, err := edxml.Sign(mustUnsign(t, other), stranger.key, stranger.cert)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, sender string
			body         []byte
			kind         error
			says, logged string
		}{
			{"tampered document", office, []byte(strings.Replace(string(good), "Về việc", "Về việc khác", 1)), egov.ErrInvalid,
				"bị thay đổi", "the digest of the message does not match"},
			{"tampered receipt", province, []byte(strings.Replace(string(status), edxml.StatusCodes[edxml.StatusAccepted], "Bị từ chối", 1)), egov.ErrInvalid,
				"bị thay đổi", "the digest of the message does not match"},
			{"someone else's Ed25519 key", office, byStranger, egov.ErrForbidden, "không thuộc chứng thư số", "is not trusted"},
		}
		for _, c := range cases {
			if bytes.Equal(c.body, good) || bytes.Equal(c.body, status) {
				t.Fatalf("%s: nothing changed", c.name)
			}
			_, _, err := w.svc.Submit(ctx, c.sender, c.body, "")
			var xe *exchange.Error
			if !errors.Is(err, c.kind) || !errors.As(err, &xe) || !strings.Contains(xe.Msg, c.says) {
				t.Errorf("%s: %v, want %v saying %q", c.name, err, c.kind, c.says)
			}
		}
		rows, err := db.Query(`SELECT details FROM exchange_log WHERE action = 'refused' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		var logged []string
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				t.Fatal(err)
			}
			logged = append(logged, d)
		}
		rows.Close()
		if len(logged) != len(cases) {
			t.Fatalf("%d refusals in the message log, want %d: %v", len(logged), len(cases), logged)
		}
		for i, c := range cases {
			if !strings.Contains(logged[i], c.logged) {
				t.Errorf("%s: logged %s, want the reason %q", c.name, logged[i], c.logged)
			}
		}
		// The untampered ones still go through; a revoked Ed25519 key signs
		// nothing new.
		w.submit(t, office, good)
		w.submit(t, province, status)
		if err := w.svc.RevokeKey(ctx, admin, exchange.Fingerprint(w.signers[office].cert), identity.Request{}); err != nil {
			t.Fatal(err)
		}
		_, after := w.document(t, office, province)
		if _, _, err := w.svc.Submit(ctx, office, after, ""); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("signed by a revoked Ed25519 key: %v", err)
		}
		if rep, err := w.svc.VerifyLog(ctx); err != nil || rep.FirstBad != nil {
			t.Errorf("message log: %+v %v", rep, err)
		}
	}, jobs.Migrate)
}

// mustUnsign is e written without a signature.
func mustUnsign(t *testing.T, e *edxml.Envelope) []byte {
	t.Helper()
	b, err := edxml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		_, body := w.document(t, office, province)
		first := w.submit(t, office, body)
		var wg sync.WaitGroup
		dups := make([]bool, 4)
		for i := range dups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, dup, err := w.svc.Submit(ctx, office, body, "")
				if err != nil || m.ID != first.ID {
					t.Errorf("resubmission: %+v %v", m, err)
				}
				dups[i] = dup
			}()
		}
		wg.Wait()
		var messages, deliveries int
		db.QueryRow(`SELECT COUNT(*) FROM exchange_messages`).Scan(&messages)
		db.QueryRow(`SELECT COUNT(*) FROM exchange_deliveries`).Scan(&deliveries)
		if messages != 1 || deliveries != 1 || dups[0] != true {
			t.Errorf("%d messages, %d deliveries after five submissions; duplicate %v", messages, deliveries, dups)
		}
	}, jobs.Migrate)
}

// recipient is an agency system's endpoint that can be down, and records
// what it receives.
type recipient struct {
	mu   sync.Mutex
	down bool
	got  []string // message IDs, in the order received
	srv  *httptest.Server
}

func newRecipient(t *testing.T) *recipient {
	r := &recipient{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.down {
			http.Error(w, "bảo trì", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(req.Body)
		env, err := edxml.Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if env.MessageID != req.Header.Get(exchange.MessageIDHeader) {
			http.Error(w, "message id header", http.StatusBadRequest)
			return
		}
		r.got = append(r.got, env.MessageID)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recipient) setDown(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }
func (r *recipient) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestPushWhileDownThenInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rcv := newRecipient(t)
		w := newWorld(t, db, map[string]string{province: rcv.srv.URL})
		rcv.setDown(true)
		var want []string
		for i := range 6 {
			from := office
			if i%3 == 2 {
				from = commune
			}
			env, body := w.document(t, from, province)
			w.submit(t, from, body)
			want = append(want, env.MessageID)
		}
		var jobsQueued int
		db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'exchange_push'`).Scan(&jobsQueued)
		if jobsQueued != 1 {
			t.Errorf("%d push jobs queued for one recipient, want 1", jobsQueued)
		}
		for range 3 { // the job's retries while the endpoint is down
			if n, err := w.svc.Push(ctx, province); err == nil || n != 0 {
				t.Fatalf("push to a recipient that is down: %d, %v", n, err)
			}
		}
		var attempts int
		db.QueryRow(`SELECT attempts FROM exchange_deliveries ORDER BY id LIMIT 1`).Scan(&attempts)
		if attempts != 3 || len(rcv.received()) != 0 {
			t.Errorf("attempts %d, received %d while down", attempts, len(rcv.received()))
		}
		rcv.setDown(false)
		n, err := w.svc.Push(ctx, province)
		if err != nil || n != 6 {
			t.Fatalf("push once back: %d, %v", n, err)
		}
		if got := rcv.received(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("received %v, want %v in order", got, want)
		}
		if n, _ := w.svc.Push(ctx, province); n != 0 || len(rcv.received()) != 6 {
			t.Errorf("a second push delivered %d again", n)
		}
		acts := w.logActions(t, office, want[0])
		if strings.Join(acts, " ") != "received delivery_failed delivery_failed delivery_failed delivered" {
			t.Errorf("trail = %v", acts)
		}
	}, jobs.Migrate)
}

func TestRecall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rcv := newRecipient(t)
		w := newWorld(t, db, map[string]string{province: rcv.srv.URL})
		rcv.setDown(true)
		env, body := w.document(t, office, province, commune)
		w.submit(t, office, body)
		// The commune pulls it before the recall; the province is down.
		inbox, _ := w.svc.Inbox(ctx, commune, 0, 0)
		if err := w.svc.Ack(ctx, commune, inbox[0].DeliveryID, ""); err != nil {
			t.Fatal(err)
		}
		// Only the sender recalls.
		if _, _, err := w.svc.Submit(ctx, commune, w.status(t, commune, env, edxml.StatusRecallRequested), ""); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("a recipient recalled: %v", err)
		}
		w.submit(t, office, w.status(t, office, env, edxml.StatusRecallRequested))
		rcv.setDown(false)
		if n, err := w.svc.Push(ctx, province); err != nil || n != 0 || len(rcv.received()) != 0 {
			t.Errorf("a recalled document was pushed: %d %v", n, err)
		}
		m, _ := w.svc.Message(ctx, office, env.MessageID)
		states := map[string]string{}
		for _, d := range m.Deliveries {
			states[d.Recipient] = d.State
		}
		if m.RecalledAt == nil || states[province] != exchange.DeliveryRecalled || states[commune] != exchange.DeliveryDelivered {
			t.Errorf("after the recall: %+v", m)
		}
		// The commune, which has it, is asked to give it back.
		inbox, _ = w.svc.Inbox(ctx, commune, 0, 0)
		if len(inbox) != 1 || inbox[0].Kind != exchange.KindStatus {
			t.Errorf("the commune's inbox after the recall: %+v", inbox)
		}
	}, jobs.Migrate)
}

func TestGiveUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rcv := newRecipient(t)
		w := newWorld(t, db, map[string]string{province: rcv.srv.URL})
		rcv.setDown(true)
		_, body := w.document(t, office, province)
		w.submit(t, office, body)
		w.svc.Push(ctx, province)
		*w.now = w.now.Add(2 * time.Hour) // past GiveUpAfter
		if n, err := w.svc.Push(ctx, province); err != nil || n != 0 {
			t.Errorf("push after the limit: %d %v", n, err)
		}
		var state string
		var alerts int
		db.QueryRow(`SELECT state FROM exchange_deliveries`).Scan(&state)
		db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'notify_email' AND CAST(args AS TEXT) LIKE '%quantri@example.gov.vn%'`).Scan(&alerts)
		if state != exchange.DeliveryGivenUp || alerts != 1 {
			t.Errorf("state %s, %d alerts, want given_up and one alert to the administrator", state, alerts)
		}
	}, jobs.Migrate)
}

func TestClientCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		id, secret, err := w.svc.AddClient(ctx, admin, province, identity.Request{})
		if err != nil {
			t.Fatal(err)
		}
		token, life, err := w.svc.IssueToken(ctx, id, secret)
		if err != nil || life != time.Hour {
			t.Fatal(err)
		}
		if agency, err := w.svc.Authenticate(ctx, token); err != nil || agency != province {
			t.Errorf("token of %q: %v", agency, err)
		}
		for _, c := range [][2]string{{id, secret + "x"}, {"edx-nobody", secret}, {"", ""}} {
			if _, _, err := w.svc.IssueToken(ctx, c[0], c[1]); !errors.Is(err, exchange.ErrBadClient) {
				t.Errorf("token for %v: %v", c, err)
			}
		}
		*w.now = w.now.Add(2 * time.Hour)
		if _, err := w.svc.Authenticate(ctx, token); !errors.Is(err, exchange.ErrBadClient) {
			t.Errorf("an expired token: %v", err)
		}
	}, jobs.Migrate)
}

func TestReplacement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		old, body := w.document(t, office, province)
		w.submit(t, office, body)
		repl, _ := w.document(t, office, province)
		repl.Business = edxml.Business{DocType: edxml.BusinessReplacement, Reason: "Sai số liệu ở mục 2", ReplacedDocumentID: old.DocumentID}
		w.submit(t, office, w.sign(t, office, func() ([]byte, error) { return edxml.Marshal(repl) }))
		inbox, _ := w.svc.Inbox(ctx, province, 0, 0)
		if len(inbox) != 1 || inbox[0].MessageID != repl.MessageID {
			t.Errorf("the province's inbox after the replacement: %+v", inbox)
		}
		// Another member cannot replace the office's document.
		forged, _ := w.document(t, commune, province)
		forged.Business = edxml.Business{DocType: edxml.BusinessRevocation, Reason: "x", DocumentID: repl.DocumentID}
		if _, _, err := w.svc.Submit(ctx, commune, w.sign(t, commune, func() ([]byte, error) { return edxml.Marshal(forged) }), ""); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("a revocation by another member: %v", err)
		}
	}, jobs.Migrate)
}

// TestReviewedAttacks: what an independent review tried against the axis.
func TestReviewedAttacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		// Another member reuses the office's DocumentId: receipts and
		// recalls still find the office's document.
		env, body := w.document(t, office, province)
		w.submit(t, office, body)
		copycat, _ := w.document(t, commune, province)
		copycat.DocumentID = env.DocumentID
		w.submit(t, commune, w.sign(t, commune, func() ([]byte, error) { return edxml.Marshal(copycat) }))
		w.submit(t, province, w.status(t, province, env, edxml.StatusAssigned))
		got, _ := w.svc.Message(ctx, office, env.MessageID)
		if got.Deliveries[0].StatusCode != edxml.StatusAssigned {
			t.Errorf("the receipt missed the office's document: %+v", got.Deliveries)
		}
		w.submit(t, office, w.status(t, office, env, edxml.StatusRecallRequested))
		if got, _ := w.svc.Message(ctx, office, env.MessageID); got.RecalledAt == nil {
			t.Error("the office could not recall its document behind the copy")
		}
		// Another member's message ID, or the same ID with other content.
		taken, _ := w.document(t, commune, province)
		taken.MessageID = env.MessageID
		if _, _, err := w.svc.Submit(ctx, commune, w.sign(t, commune, func() ([]byte, error) { return edxml.Marshal(taken) }), ""); !errors.Is(err, egov.ErrConflict) {
			t.Errorf("another member's message ID: %v", err)
		}
		// A receipt with a code the standard does not have.
		bad := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: office, DocumentID: env.DocumentID},
			From: edxml.Organ{OrganID: province, OrganName: "x"}, StatusCode: "99", Description: "?", Timestamp: time.Now()}
		if b, err := edxml.MarshalStatus(bad); err == nil {
			signed, _ := edxml.Sign(b, w.signers[province].key, w.signers[province].cert)
			if _, _, err := w.svc.Submit(ctx, province, signed, ""); !errors.Is(err, egov.ErrInvalid) {
				t.Errorf("status 99: %v", err)
			}
		}
		// An update leaves the document standing.
		first, b1 := w.document(t, office, province)
		w.submit(t, office, b1)
		upd, _ := w.document(t, office, province)
		upd.Business = edxml.Business{DocType: edxml.BusinessUpdate, Reason: "Sửa lỗi chính tả", DocumentID: first.DocumentID}
		w.submit(t, office, w.sign(t, office, func() ([]byte, error) { return edxml.Marshal(upd) }))
		if got, _ := w.svc.Message(ctx, office, first.MessageID); got.RecalledAt != nil || got.Deliveries[0].State != exchange.DeliveryPending {
			t.Errorf("an update took back the document: %+v", got)
		}
		// Millions of empty elements are refused before the signature
		// check builds a tree of them.
		bomb := []byte(`<edXML>` + strings.Repeat("<a/>", 30_000) + `</edXML>`)
		if _, _, err := w.svc.Submit(ctx, office, bomb, ""); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("an element bomb: %v", err)
		}
		// A recall that overtakes the acknowledgement: the recipient has
		// the document after all, and is asked to give it back.
		late, b2 := w.document(t, office, commune)
		w.submit(t, office, b2)
		inbox, _ := w.svc.Inbox(ctx, commune, 0, 0)
		w.submit(t, office, w.status(t, office, late, edxml.StatusRecallRequested))
		var delivery int64
		for _, it := range inbox {
			if it.MessageID == late.MessageID {
				delivery = it.DeliveryID
			}
		}
		if err := w.svc.Ack(ctx, commune, delivery, ""); err != nil {
			t.Fatal(err)
		}
		got, _ = w.svc.Message(ctx, office, late.MessageID)
		after, _ := w.svc.Inbox(ctx, commune, delivery, 0)
		if got.Deliveries[0].State != exchange.DeliveryDelivered || len(after) != 1 || after[0].Kind != exchange.KindStatus {
			t.Errorf("after a recall overtaken by the ack: %+v, inbox %+v", got.Deliveries, after)
		}
		// A revoked client's tokens stop at once.
		id, secret, _ := w.svc.AddClient(ctx, admin, commune, identity.Request{})
		token, _, _ := w.svc.IssueToken(ctx, id, secret)
		if err := w.svc.RevokeClient(ctx, admin, id, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Authenticate(ctx, token); !errors.Is(err, exchange.ErrBadClient) {
			t.Errorf("a revoked client's token: %v", err)
		}
		if _, _, err := w.svc.IssueToken(ctx, id, secret); !errors.Is(err, exchange.ErrBadClient) {
			t.Errorf("a revoked client got a token: %v", err)
		}
		if rep, err := w.svc.VerifyLog(ctx); err != nil || rep.FirstBad != nil {
			t.Errorf("message log: %+v %v", rep, err)
		}
	}, jobs.Migrate)
}

// TestSendTx: what egov sends for the agencies it runs goes out only for
// members that registered egov's certificate.
func TestSendTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		platform := newSigner(t, "egov")
		svc := exchange.NewService(db, nil, exchange.Config{Key: platform.key, Certificate: platform.cert}, nil)
		send := func() (bool, error) {
			env, _ := w.document(t, commune, province)
			var sent bool
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				sent, err = svc.SendTx(ctx, tx, env)
				return err
			})
			return sent, err
		}
		if sent, err := send(); sent || err != nil {
			t.Errorf("sent without egov's certificate registered: %v %v", sent, err)
		}
		if _, err := w.svc.AddKey(ctx, admin, commune, platform.pem(), identity.Request{}); err != nil {
			t.Fatal(err)
		}
		if sent, err := send(); !sent || err != nil {
			t.Fatalf("not sent: %v %v", sent, err)
		}
		inbox, _ := w.svc.Inbox(ctx, province, 0, 0)
		if len(inbox) != 1 {
			t.Errorf("the province's inbox: %d messages", len(inbox))
		}
		if sent, err := exchange.NewService(db, nil, exchange.Config{}, nil).SendTx(ctx, nil, &edxml.Envelope{}); sent || err != nil {
			t.Errorf("without a key: %v %v", sent, err)
		}
	}, jobs.Migrate)
}
