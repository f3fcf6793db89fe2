package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// Members of the tests, agencies of the demo data.
const (
	axisOffice   = "000.00.00.G22" // Government Office: sends
	axisProvince = "000.00.00.H41" // Nghệ An: receives by pull
)

// axisWorld is the real server, in-process, with two members.
type axisWorld struct {
	srv     http.Handler
	ts      *httptest.Server
	svc     *exchange.Service
	members map[string]*axisCreds
}

// axisCreds is what the administrator gives a member system: its client,
// and the key and certificate files it signs with.
type axisCreds struct {
	code, clientID, secret, key, cert string
	signer                            crypto.Signer
	certificate                       *x509.Certificate
}

func newAxisWorld(t *testing.T) *axisWorld {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t, jobs.Migrate)
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db, nil, identity.Config{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}, nil)
	svc := exchange.NewService(db, nil, exchange.Config{}, nil) // no queue: members pull
	srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Identity: ids, Exchange: svc, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	w := &axisWorld{srv: srv, ts: httptest.NewServer(srv), svc: svc, members: map[string]*axisCreds{}}
	t.Cleanup(w.ts.Close)
	admin := &identity.Account{ID: 1, Kind: identity.KindOfficial, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}}
	dir := t.TempDir()
	for code, pemKey := range map[string]func(crypto.Signer) *pem.Block{
		// The sender's key in PKCS#8, the receiver's an RSA key in PKCS#1.
		axisOffice: func(k crypto.Signer) *pem.Block {
			b, _ := x509.MarshalPKCS8PrivateKey(k)
			return &pem.Block{Type: "PRIVATE KEY", Bytes: b}
		},
		axisProvince: func(k crypto.Signer) *pem.Block {
			return &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))}
		},
	} {
		if _, err := svc.SaveMember(ctx, admin, exchange.Member{AgencyCode: code, Name: "Cơ quan " + code}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		var key crypto.Signer
		if code == axisProvince {
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		} else {
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			t.Fatal(err)
		}
		c := &axisCreds{code: code, signer: key, certificate: selfSigned(t, key, code),
			key: filepath.Join(dir, code+".key.pem"), cert: filepath.Join(dir, code+".cert.pem")}
		writePEM(t, c.key, pemKey(key))
		writePEM(t, c.cert, &pem.Block{Type: "CERTIFICATE", Bytes: c.certificate.Raw})
		certPEM, _ := os.ReadFile(c.cert)
		if _, err := svc.AddKey(ctx, admin, code, certPEM, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		if c.clientID, c.secret, err = svc.AddClient(ctx, admin, code, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		w.members[code] = c
	}
	return w
}

func selfSigned(t *testing.T, key crypto.Signer, cn string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writePEM(t *testing.T, path string, blocks ...*pem.Block) {
	t.Helper()
	var b []byte
	for _, bl := range blocks {
		b = append(b, pem.EncodeToMemory(bl)...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// as runs egov exchange as the member system, against server.
func (w *axisWorld) as(t *testing.T, code, server string, args ...string) (string, error) {
	t.Helper()
	c := w.members[code]
	t.Setenv("EGOV_EXCHANGE_CLIENT_SECRET", c.secret)
	return egov(t, "", append([]string{"exchange", args[0], "--server=" + server, "--client-id=" + c.clientID}, args[1:]...)...)
}

func (w *axisWorld) send(t *testing.T, file string, extra ...string) (string, error) {
	t.Helper()
	c := w.members[axisOffice]
	args := append([]string{"send", file, "--to", axisProvince, "--from", axisOffice, "--key", c.key, "--cert", c.cert,
		"--number", "12", "--notation", "VPCP-TTĐT", "--subject", "Về việc thử nghiệm trục liên thông", "--place", "Hà Nội",
		"--signer-name", "Nguyễn Văn A", "--signer-position", "Chánh Văn phòng", "--date", "2026-12-04"}, extra...)
	return w.as(t, axisOffice, w.ts.URL, args...)
}

func (w *axisWorld) receive(t *testing.T, server, out string) (string, error) {
	t.Helper()
	c := w.members[axisProvince]
	return w.as(t, axisProvince, server, "receive", "--out", out, "--from", axisProvince, "--key", c.key, "--cert", c.cert)
}

func (w *axisWorld) inbox(t *testing.T, code string) []exchange.InboxItem {
	t.Helper()
	items, err := w.svc.Inbox(context.Background(), code, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

var newMessageLine = regexp.MustCompile(`(?m)^new message ([0-9a-f-]{36}): 1[234]/VPCP-TTĐT "Về việc thử nghiệm trục liên thông" to ` + regexp.QuoteMeta(axisProvince) + `$`)

// sendNew sends the file and returns the new message's ID.
func (w *axisWorld) sendNew(t *testing.T, file string, extra ...string) string {
	t.Helper()
	out, err := w.send(t, file, extra...)
	m := newMessageLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	return m[1]
}

func subdirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestExchangeSendReceive: one member sends a file, the other receives
// it, checked, written and acknowledged, with a receipt back; the same
// file sent again is a new message; a run stopped before its
// acknowledgement is finished by the next without rewriting; a tampered
// message is refused and left in the inbox.
func TestExchangeSendReceive(t *testing.T) {
	w := newAxisWorld(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "Công văn số 12.pdf")
	content := append([]byte("%PDF-1.4\n"), make([]byte, 3000)...)
	rand.Read(content[9:])
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "den")

	// Sent, received, acknowledged, answered.
	id1 := w.sendNew(t, file)
	got, err := w.receive(t, w.ts.URL, out)
	if err != nil || !strings.Contains(got, "document "+id1+" from "+axisOffice+`: 12/VPCP-TTĐT "Về việc thử nghiệm trục liên thông", 1 file(s) in `) ||
		!strings.Contains(got, "; receipt 01 sent") {
		t.Fatalf("receive: %v\n%s", err, got)
	}
	if b, err := os.ReadFile(filepath.Join(out, id1, "Công văn số 12.pdf")); err != nil || !bytes.Equal(b, content) {
		t.Errorf("the attachment did not arrive intact: %v", err)
	}
	body, err := os.ReadFile(filepath.Join(out, id1, "message.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := edxml.Verify(body, []*x509.Certificate{w.members[axisOffice].certificate}); err != nil {
		t.Errorf("the signed XML written does not verify: %v", err)
	}
	if env, err := edxml.Parse(body); err != nil || env.DocumentID != axisOffice+",2026/12/04,12/VPCP-TTĐT" || env.MessageID != id1 ||
		len(env.Traces) != 1 || env.Traces[0].OrganID != axisOffice || env.DocumentType.TypeName != "Công văn" ||
		env.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("envelope = %+v, %v", env, err)
	}
	if items := w.inbox(t, axisProvince); len(items) != 0 {
		t.Errorf("not acknowledged: %+v", items)
	}
	receipts := w.inbox(t, axisOffice)
	if len(receipts) != 1 || receipts[0].Kind != exchange.KindStatus || receipts[0].Sender != axisProvince {
		t.Fatalf("the sender's inbox = %+v", receipts)
	}
	if st, err := edxml.ParseStatus(receipts[0].Body); err != nil || st.StatusCode != edxml.StatusArrived ||
		st.ResponseFor.DocumentID != axisOffice+",2026/12/04,12/VPCP-TTĐT" {
		t.Errorf("receipt = %+v, %v", st, err)
	}

	// The same file again: a new message (numbered 13, a document of its
	// own). Sent again with its ID: a duplicate.
	id2 := w.sendNew(t, file, "--number", "13")
	if id2 == id1 {
		t.Fatalf("the second send reused the message ID %s", id1)
	}
	if got, err := w.send(t, file, "--number", "13", "--message-id", id2); err != nil || !strings.Contains(got, "duplicate message "+id2+": the axis already had") {
		t.Errorf("send with the same --message-id: %v\n%s", err, got)
	}

	// A run that stops before its acknowledgement (here the axis fails
	// it): the message is written, receipt sent, left in the inbox.
	var acks atomic.Int32
	failAck := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/ack") {
			acks.Add(1)
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusServiceUnavailable)
			rw.Write([]byte(`{"error":{"code":"unavailable","message":"Hệ thống đang bảo trì."}}`))
			return
		}
		w.srv.ServeHTTP(rw, r)
	}))
	defer failAck.Close()
	got, err = w.receive(t, failAck.URL, out)
	if err == nil || !strings.Contains(err.Error(), "Hệ thống đang bảo trì.") || acks.Load() != 1 {
		t.Fatalf("receive with a failing ack: %v (%d acks)\n%s", err, acks.Load(), got)
	}
	written := filepath.Join(out, id2, "message.xml")
	before, err := os.Stat(written)
	if err != nil {
		t.Fatalf("message %s not written: %v", id2, err)
	}
	if items := w.inbox(t, axisProvince); len(items) != 1 || items[0].MessageID != id2 {
		t.Fatalf("inbox after the failed ack: %+v", items)
	}
	// The next run acknowledges it without writing it again, and its
	// receipt reaches the sender once.
	got, err = w.receive(t, w.ts.URL, out)
	if err != nil || !strings.Contains(got, "already received "+id2+" from "+axisOffice) || !strings.Contains(got, "acknowledged again, not rewritten; receipt 01 already on the axis") {
		t.Fatalf("receive again: %v\n%s", err, got)
	}
	if after, err := os.Stat(written); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("message %s rewritten: %v", id2, err)
	}
	if items := w.inbox(t, axisProvince); len(items) != 0 {
		t.Errorf("not acknowledged: %+v", items)
	}
	if receipts := w.inbox(t, axisOffice); len(receipts) != 2 {
		t.Errorf("the sender has %d receipts, want one per document", len(receipts))
	}
	// Nothing left: nothing written.
	if got, err := w.receive(t, w.ts.URL, out); err != nil || !strings.Contains(got, "no messages waiting for "+axisProvince) {
		t.Errorf("empty inbox: %v\n%s", err, got)
	}
	if d := subdirs(t, out); len(d) != 2 {
		t.Errorf("out = %v, want the two messages", d)
	}

	// A tampered message, served by a fake axis: refused, not written,
	// not acknowledged.
	id3 := w.sendNew(t, file, "--number", "14")
	acks.Store(0)
	tampered := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/exchange/inbox":
			items := w.inbox(t, axisProvince)
			for i := range items {
				items[i].Body = bytes.Replace(items[i].Body, []byte("thử nghiệm"), []byte("thu hồi"), 1)
			}
			json.NewEncoder(rw).Encode(map[string]any{"messages": items})
		case strings.HasSuffix(r.URL.Path, "/ack"):
			acks.Add(1)
			rw.WriteHeader(http.StatusNoContent)
		default:
			w.srv.ServeHTTP(rw, r)
		}
	}))
	defer tampered.Close()
	got, err = w.receive(t, tampered.URL, out)
	if err == nil || !strings.Contains(got, "refused "+id3+" from "+axisOffice+": the signature does not match: the message was changed after it was signed") ||
		!strings.Contains(got, "not written, not acknowledged") {
		t.Errorf("tampered message: %v\n%s", err, got)
	}
	if acks.Load() != 0 {
		t.Errorf("a tampered message was acknowledged")
	}
	if _, err := os.Stat(filepath.Join(out, id3)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a tampered message was written: %v", err)
	}
	if d := subdirs(t, out); len(d) != 2 {
		t.Errorf("out = %v after the refusal", d)
	}
	if items := w.inbox(t, axisProvince); len(items) != 1 || items[0].MessageID != id3 {
		t.Errorf("inbox after the refusal: %+v", items)
	}

	// The sender's own run: its inbox has the receipts, status messages
	// written without receipts of their own.
	sender := filepath.Join(dir, "sender")
	got, err = w.as(t, axisOffice, w.ts.URL, "receive", "--out", sender, "--from", axisOffice)
	if err != nil || strings.Count(got, "status status-") != 2 || !strings.Contains(got, ": 01 Đã đến for "+axisOffice+",2026/12/04,12/VPCP-TTĐT") ||
		!strings.Contains(got, ": 01 Đã đến for "+axisOffice+",2026/12/04,13/VPCP-TTĐT") {
		t.Errorf("the sender's receive: %v\n%s", err, got)
	}
	for _, d := range subdirs(t, sender) {
		if _, err := os.Stat(filepath.Join(sender, d, "message.xml")); err != nil {
			t.Errorf("status %s: %v", d, err)
		}
	}
}

// TestExchangeReceiveUnsafeNames: a signed document whose attachments are
// named to escape the directory, or to replace the signed XML, is written
// inside its directory under safe names.
func TestExchangeReceiveUnsafeNames(t *testing.T) {
	w := newAxisWorld(t)
	c := w.members[axisOffice]
	e := &edxml.Envelope{MessageID: "../../thoat", DocumentID: axisOffice + ",2026/12/04,13/VPCP",
		From: edxml.Organ{OrganID: axisOffice, OrganName: "Văn phòng"}, To: []edxml.Organ{{OrganID: axisProvince, OrganName: "Nghệ An"}},
		Code: edxml.Code{CodeNumber: "13", CodeNotation: "VPCP"}, Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		DocumentType: edxml.DocumentType{Type: 1, TypeName: "Công văn"}, Subject: "Tên tệp lạ", Signer: edxml.Signer{Position: "Chánh Văn phòng", FullName: "A"},
		Traces: []edxml.Trace{{OrganID: axisOffice, Timestamp: time.Now()}},
		Attachments: []edxml.Attachment{
			{ContentID: "a1", ContentType: "text/plain", Name: "../../evil.sh", Data: []byte("1")},
			{ContentID: "a2", ContentType: "text/plain", Name: "message.xml", Data: []byte("2")},
			{ContentID: "a3", ContentType: "text/plain", Name: `C:\Văn bản\..`, Data: []byte("3")},
			{ContentID: "a4", ContentType: "text/plain", Name: "cv\u202etxt.exe", Data: []byte("4")},
			{ContentID: "a5", ContentType: "text/plain", Name: "EVIL.sh", Data: []byte("5")},
		}}
	b, err := edxml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = edxml.Sign(b, c.signer, c.certificate); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.Submit(context.Background(), axisOffice, b, ""); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	out := filepath.Join(root, "a", "b")
	if got, err := w.receive(t, w.ts.URL, out); err != nil {
		t.Fatalf("receive: %v\n%s", err, got)
	}
	if d := subdirs(t, root); len(d) != 1 || d[0] != "a" {
		t.Fatalf("written outside --out: %v", d)
	}
	msgs := subdirs(t, out)
	if len(msgs) != 1 || strings.ContainsAny(msgs[0], `/\`) || !strings.HasPrefix(msgs[0], "_._thoat-") {
		t.Fatalf("out = %v", msgs)
	}
	files := map[string]string{}
	for _, f := range subdirs(t, filepath.Join(out, msgs[0])) {
		b, _ := os.ReadFile(filepath.Join(out, msgs[0], f))
		files[f] = string(b)
	}
	for name, data := range map[string]string{"evil.sh": "1", "message-2.xml": "2", "attachment-3": "3", "cv_txt.exe": "4", "EVIL-2.sh": "5",
		"message.xml": string(b)} {
		if files[name] != data {
			t.Errorf("%s = %q, want %q (files: %v)", name, files[name], data, files)
		}
	}
}

func TestExchangeRefusedBySender(t *testing.T) {
	w := newAxisWorld(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "cv.txt")
	os.WriteFile(file, []byte("Kính gửi"), 0o600)
	// A key whose certificate the axis does not have.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kb, _ := x509.MarshalECPrivateKey(key)
	c := w.members[axisOffice]
	c.key, c.cert = filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	writePEM(t, c.key, &pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}, &pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	writePEM(t, c.cert, &pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t, key, "khác").Raw})
	got, err := w.send(t, file)
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "HTTP 403") ||
		!strings.Contains(err.Error(), "Chữ ký số không thuộc chứng thư số còn hiệu lực nào của cơ quan "+axisOffice) {
		t.Errorf("unregistered certificate: %v\n%s", err, got)
	}
	// Unknown recipient, wrong secret.
	if got, err := w.send(t, file, "--to", "000.00.00.X99"); err == nil || !strings.Contains(err.Error(), "000.00.00.X99 is not a member of the axis") {
		t.Errorf("unknown recipient: %v\n%s", err, got)
	}
	w.members[axisProvince].secret = "sai"
	if got, err := w.receive(t, w.ts.URL, filepath.Join(dir, "out")); err == nil || !strings.Contains(err.Error(), "invalid_client") ||
		!strings.Contains(err.Error(), "check --client-id and EGOV_EXCHANGE_CLIENT_SECRET") {
		t.Errorf("wrong secret: %v\n%s", err, got)
	}
}

func TestExchangeUsage(t *testing.T) {
	for _, name := range []string{"EGOV_EXCHANGE_CLIENT_ID", "EGOV_EXCHANGE_CLIENT_SECRET", "EGOV_EXCHANGE_FROM", "EGOV_EXCHANGE_KEY", "EGOV_EXCHANGE_CERT", "EGOV_EXCHANGE_OUT"} {
		t.Setenv(name, "")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "cv.pdf")
	os.WriteFile(file, []byte("%PDF-1.4"), 0o600)
	full := []string{"exchange", "send", file, "--to=000.00.00.H41", "--from=000.00.00.G22", "--key=k.pem", "--cert=c.pem", "--number=1",
		"--notation=UBND", "--subject=Về việc", "--place=Hà Nội", "--signer-name=A", "--signer-position=B", "--client-id=edx-1"}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"exchange"}, []string{"usage:", "egov exchange send FILE"}},
		{[]string{"exchange", "fetch"}, []string{`unknown exchange command "fetch"`}},
		{[]string{"exchange", "send"}, []string{"missing: FILE", "--to (", "--from (", "--key (", "--cert (", "--number (", "--notation (",
			"--subject (", "--place (", "--signer-name (", "--signer-position (", "--client-id (", "EGOV_EXCHANGE_CLIENT_SECRET (the client's secret: from the environment only"}},
		{append(full[:len(full)-1:len(full)-1], "--subject= "), []string{"missing: --subject (the document's subject, trích yếu); --client-id", "EGOV_EXCHANGE_CLIENT_SECRET"}},
		{append(full, file), []string{"one FILE to send, got 2"}},
		{append(full, "--date=04/12/2026"), []string{"missing: EGOV_EXCHANGE_CLIENT_SECRET"}},
		{[]string{"exchange", "receive"}, []string{"missing: --out (", "--from (", "--client-id (", "EGOV_EXCHANGE_CLIENT_SECRET ("}},
		{[]string{"exchange", "receive", "--out=x", "--from=y", "--client-id=z", "--key=k.pem"}, []string{"--key and --cert go together"}},
		{[]string{"exchange", "receive", "extra"}, []string{"receive takes no arguments"}},
	} {
		out, err := egov(t, "", c.args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error\n%s", c.args, err, out)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: %q lacks %q", c.args, err, want)
			}
		}
	}

	t.Setenv("EGOV_EXCHANGE_CLIENT_SECRET", "s")
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(full, "--date=04/12/2026"), `invalid --date "04/12/2026": use YYYY-MM-DD`},
		{append(full, "--to=,"), "--to names no agency"},
		{append(full, "--server=localhost:8080"), `invalid --server "localhost:8080"`},
		{append(full, "--priority=-1"), "invalid --priority -1"},
	} {
		out, err := egov(t, "", c.args...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error saying %q\n%s", c.args, err, c.want, out)
		}
	}
}

// TestExchangeKeyFiles: the key files are read before anything is sent,
// and what is wrong with them is said.
func TestExchangeKeyFiles(t *testing.T) {
	t.Setenv("EGOV_EXCHANGE_CLIENT_SECRET", "s")
	dir := t.TempDir()
	file := filepath.Join(dir, "cv.pdf")
	os.WriteFile(file, []byte("%PDF-1.4"), 0o600)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecCert := selfSigned(t, ec, "ec")
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	pkcs8 := func(k any) *pem.Block {
		b, _ := x509.MarshalPKCS8PrivateKey(k)
		return &pem.Block{Type: "PRIVATE KEY", Bytes: b}
	}
	certBlock := &pem.Block{Type: "CERTIFICATE", Bytes: ecCert.Raw}
	write := func(name string, blocks ...*pem.Block) string {
		p := filepath.Join(dir, name)
		writePEM(t, p, blocks...)
		return p
	}
	goodKey, goodCert := write("good.key", pkcs8(ec)), write("good.crt", certBlock)
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("MIIB..."), 0o600)
	for _, c := range []struct {
		key, cert, want string
	}{
		{filepath.Join(dir, "none.pem"), goodCert, "--key: cannot read the signing key"},
		{goodKey, filepath.Join(dir, "none.pem"), "--cert: cannot read the certificate"},
		{notPEM, goodCert, "not a PEM file"},
		{write("ed.key", pkcs8(ed)), goodCert, "is not the certificate of the key in --key"},
		{write("small.key", pkcs8(small)), goodCert, "an RSA key of 1024 bits"},
		{goodCert, goodCert, "this is a certificate, not a private key: give it to --cert"},
		{goodKey, goodKey, "this is a private key, not a certificate: give it to --key"},
		{write("enc.key", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), goodCert, "encrypted with a passphrase"},
		{write("other.key", pkcs8(other)), goodCert, "is not the certificate of the key in --key"},
	} {
		out, err := egov(t, "", "exchange", "send", file, "--to=000.00.00.H41", "--from=000.00.00.G22", "--key="+c.key, "--cert="+c.cert,
			"--number=1", "--notation=UBND", "--subject=Về việc", "--place=Hà Nội", "--signer-name=A", "--signer-position=B",
			"--client-id=edx-1", "--server=http://127.0.0.1:1")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--key %s --cert %s: %v, want %q\n%s", filepath.Base(c.key), filepath.Base(c.cert), err, c.want, out)
		}
	}
	if _, err := loadSigningKey(goodKey, goodCert); err != nil {
		t.Errorf("a PKCS#8 ECDSA key: %v", err)
	}
	edCert := selfSigned(t, ed, "ed")
	if _, err := loadSigningKey(write("ed2.key", pkcs8(ed)), write("ed.crt", &pem.Block{Type: "CERTIFICATE", Bytes: edCert.Raw})); err != nil {
		t.Errorf("a PKCS#8 Ed25519 key: %v", err)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"cv.pdf":                          "cv.pdf",
		"Công văn số 12.pdf":              "Công văn số 12.pdf",
		"..":                              "def",
		"../../etc/passwd":                "_._etc_passwd",
		"a..b":                            "a.b",
		".bashrc":                         "bashrc",
		"a\x00b\nc.txt":                   "a_b_c.txt",
		"x\u202egpj.exe":                  "x_gpj.exe",
		"con.txt":                         "_con.txt",
		"a:b*c?.doc":                      "a_b_c_.doc",
		"\xff\xfe.pdf":                    "_.pdf",
		strings.Repeat("ă", 100) + ".pdf": strings.Repeat("ă", 73) + ".pdf",
	} {
		if got := fileName(in, "def"); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := baseName(`C:\Văn bản\cv.pdf`); got != "cv.pdf" {
		t.Errorf("baseName = %q", got)
	}
	a, b := dirName("status:x,2026/12/04,1/A:y:01:t"), dirName("status:x,2026/12/04,1_A:y:01:t")
	if a == b || strings.ContainsAny(a, `/\:`) {
		t.Errorf("dirName: %q, %q", a, b)
	}
	if got := dirName("3f2a-01"); got != "3f2a-01" {
		t.Errorf("dirName of a safe ID = %q", got)
	}
}
