package web_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	edx "github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// clerkKey is a member's signing key and its self-signed certificate.
type clerkKey struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// clerkMembers registers agencies X and Y on the axis, as the system
// administrator does, each with a signing certificate.
func (w *world) clerkMembers(t *testing.T) map[string]clerkKey {
	t.Helper()
	ctx := context.Background()
	admin := &identity.Account{Kind: identity.KindOfficial, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}}
	keys := map[string]clerkKey{}
	for _, code := range []string{agencyX, agencyY} {
		if _, err := w.axis.SaveMember(ctx, admin, edx.Member{AgencyCode: code, Name: "Thành viên " + code}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: code},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		if _, err := w.axis.AddKey(ctx, admin, code, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), identity.Request{}); err != nil {
			t.Fatal(err)
		}
		keys[code] = clerkKey{key, cert}
	}
	return keys
}

// clerkDocument is a signed official letter from one member to another.
func clerkDocument(t *testing.T, k clerkKey, from, to, messageID, number string) (*edxml.Envelope, []byte) {
	t.Helper()
	e := &edxml.Envelope{
		MessageID:    messageID,
		DocumentID:   from + ",2026/12/04," + number + "/UBND-VP",
		From:         edxml.Organ{OrganID: from, OrganName: "Cơ quan " + from},
		To:           []edxml.Organ{{OrganID: to, OrganName: "Cơ quan " + to}},
		Code:         edxml.Code{CodeNumber: number, CodeNotation: "UBND-VP"},
		Promulgation: edxml.Promulgation{Place: "Nghệ An", Date: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		DocumentType: edxml.DocumentType{Type: 1, TypeDetail: 2, TypeName: "Công văn"},
		Subject:      "Về việc phối hợp giải quyết hồ sơ liên thông số " + number,
		Signer:       edxml.Signer{Competence: "TM. ỦY BAN NHÂN DÂN", Position: "Chủ tịch", FullName: "Trần Văn Bình"},
		Traces:       []edxml.Trace{{OrganID: from, Timestamp: time.Now()}},
	}
	b, err := edxml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := edxml.Sign(b, k.key, k.cert)
	if err != nil {
		t.Fatal(err)
	}
	return e, signed
}

func TestExchangePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		keys := w.clerkMembers(t)
		// An ID with characters a path must escape.
		id := "nghe-an/2026/0125?lan=1"
		env, body := clerkDocument(t, keys[agencyY], agencyY, agencyX, id, "125")
		if _, _, err := w.axis.Submit(ctx, agencyY, body, ""); err != nil {
			t.Fatal(err)
		}
		link := "/lien-thong/" + url.PathEscape(id)

		// X's receiver sees it in the inbox, waiting to be fetched.
		res, page := w.browse(t, receiverX, "GET", "/lien-thong", nil)
		if res.StatusCode != 200 {
			t.Fatalf("inbox: %d %.300s", res.StatusCode, page)
		}
		for _, want := range []string{"Văn bản đến", "125/UBND-VP", "Về việc phối hợp giải quyết hồ sơ liên thông số 125", "Nghệ An",
			"Đang chuyển", "Báo trạng thái: chưa có", `href="` + strings.ReplaceAll(link, "&", "&amp;") + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the inbox lacks %q", want)
			}
		}

		// X's system fetches it and answers that it is accepted.
		inbox, err := w.axis.Inbox(ctx, agencyX, 0, 0)
		if err != nil || len(inbox) != 1 {
			t.Fatalf("X's inbox: %v %v", inbox, err)
		}
		if err := w.axis.Ack(ctx, agencyX, inbox[0].DeliveryID, ""); err != nil {
			t.Fatal(err)
		}
		st := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: agencyY, DocumentID: env.DocumentID},
			From: edxml.Organ{OrganID: agencyX, OrganName: "Cơ quan " + agencyX}, StatusCode: edxml.StatusAccepted,
			Description: "Văn thư đã vào sổ", Timestamp: time.Now()}
		b, err := edxml.MarshalStatus(st)
		if err != nil {
			t.Fatal(err)
		}
		receipt, err := edxml.Sign(b, keys[agencyX].key, keys[agencyX].cert)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.axis.Submit(ctx, agencyX, receipt, ""); err != nil {
			t.Fatal(err)
		}

		// The message's page: facts, deliveries, the trail in order.
		res, page = w.browse(t, receiverX, "GET", link, nil)
		if res.StatusCode != 200 {
			t.Fatalf("message page: %d %.300s", res.StatusCode, page)
		}
		for _, want := range []string{"125/UBND-VP", "04/12/2026", "Đã chuyển đến", "Đã tiếp nhận", "Nhật ký thông điệp",
			"Tải văn bản điện tử đã ký số (edXML)"} {
			if !strings.Contains(page, want) {
				t.Errorf("the message page lacks %q", want)
			}
		}
		received, delivered, status := strings.Index(page, "Trục nhận văn bản"), strings.Index(page, "đã lấy văn bản về"), strings.Index(page, "báo: Đã tiếp nhận")
		if received < 0 || delivered < received || status < delivered {
			t.Errorf("the trail is not received, delivered, status in order: %d %d %d", received, delivered, status)
		}

		// Y's official sees it in the outbox with X's delivery and receipt,
		// and not in Y's inbox.
		res, page = w.browse(t, officialY, "GET", "/lien-thong?box=outbox", nil)
		if res.StatusCode != 200 || !strings.Contains(page, "125/UBND-VP") || !strings.Contains(page, "Đã chuyển đến") || !strings.Contains(page, "Đã tiếp nhận") {
			t.Errorf("Y's outbox: %d, lacks the document, its delivery or its receipt", res.StatusCode)
		}
		if _, page = w.browse(t, officialY, "GET", "/lien-thong", nil); strings.Contains(page, "125/UBND-VP") || !strings.Contains(page, "Chưa có văn bản đến") {
			t.Errorf("Y's inbox shows its own document, or no empty state")
		}
		// The system administrator picks the agency.
		if res, page = w.browse(t, sysAdmin, "GET", "/lien-thong?co-quan="+agencyX, nil); res.StatusCode != 200 || !strings.Contains(page, "125/UBND-VP") {
			t.Errorf("the system administrator on X's inbox: %d", res.StatusCode)
		}

		// Citizens are refused; anonymous callers are sent to sign in.
		for _, u := range []string{"/lien-thong", link, link + "/xml"} {
			if res, _ := w.browse(t, citizenA, "GET", u, nil); res.StatusCode != 403 {
				t.Errorf("a citizen on %s: %d", u, res.StatusCode)
			}
			if res, _ := w.browse(t, anonymous, "GET", u, nil); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/dang-nhap") {
				t.Errorf("anonymous on %s: %d %s", u, res.StatusCode, res.Header.Get("Location"))
			}
		}

		// The search: by number, by state, by day; bad values show the
		// error summary, keyed by the filter's names.
		for u, found := range map[string]bool{
			"/lien-thong?number=125":                        true,
			"/lien-thong?number=ubnd-vp":                    true,
			"/lien-thong?number=999":                        false,
			"/lien-thong?state=delivered":                   true,
			"/lien-thong?state=pending":                     false,
			"/lien-thong?since=2020-01-01&until=2099-12-31": true,
			"/lien-thong?until=2020-01-01":                  false,
		} {
			res, page := w.browse(t, receiverX, "GET", u, nil)
			if res.StatusCode != 200 || strings.Contains(page, "125/UBND-VP") != found {
				t.Errorf("%s: %d, found %v, want %v", u, res.StatusCode, !found, found)
			}
			if !found && !strings.Contains(page, "Không có văn bản nào khớp") {
				t.Errorf("%s: no empty state of a search", u)
			}
		}
		for u, key := range map[string]string{
			"/lien-thong?since=04%2F12%2F2026":              "since",
			"/lien-thong?until=2026-02-30":                  "until",
			"/lien-thong?state=lost":                        "state",
			"/lien-thong?box=trash":                         "box",
			"/lien-thong?since=2026-12-05&until=2026-12-04": "until",
		} {
			res, page := w.browse(t, receiverX, "GET", u, nil)
			if res.StatusCode != 400 || !strings.Contains(page, "error-summary") || !strings.Contains(page, `href="#f-`+key+`"`) {
				t.Errorf("%s: %d, want 400 with the error of %s", u, res.StatusCode, key)
			}
		}

		// The download is the signed body, as an attachment.
		res, xml := w.browse(t, receiverX, "GET", link+"/xml", nil)
		if res.StatusCode != 200 || xml != string(body) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
			t.Errorf("download: %d %q %q, same body %v", res.StatusCode, res.Header.Get("Content-Disposition"), res.Header.Get("Content-Type"), xml == string(body))
		}
		if res, xml = w.browse(t, officialY, "GET", link+"/xml", nil); res.StatusCode != 200 || xml != string(body) {
			t.Errorf("the sender's download: %d", res.StatusCode)
		}

		// A message the agency neither sent nor receives is not found.
		_, other := clerkDocument(t, keys[agencyY], agencyY, agencyY, "nghe-an/2026/0126", "126")
		if _, _, err := w.axis.Submit(ctx, agencyY, other, ""); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"/lien-thong/" + url.PathEscape("nghe-an/2026/0126"), "/lien-thong/" + url.PathEscape("nghe-an/2026/0126") + "/xml", "/lien-thong/nothing"} {
			if res, _ := w.browse(t, receiverX, "GET", u, nil); res.StatusCode != 404 {
				t.Errorf("X on %s: %d, want 404", u, res.StatusCode)
			}
		}

		// English second.
		req, _ := http.NewRequest("GET", w.ts.URL+"/lien-thong?box=outbox", nil)
		req.AddCookie(&http.Cookie{Name: "egov_session", Value: w.cookies[officialY]})
		req.AddCookie(&http.Cookie{Name: "lang", Value: "en"})
		res, b = w.roundTrip(t, req)
		if res.StatusCode != 200 || !strings.Contains(string(b), "Outgoing") || !strings.Contains(string(b), "Accepted") {
			t.Errorf("the outbox in English: %d", res.StatusCode)
		}
	}, jobs.Migrate)
}
