package web_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	edx "github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// axisMember is a member system as the tests drive it: its signing key
// and an HTTP client that gets and sends its OAuth2 token by itself.
type axisMember struct {
	code   string
	key    *ecdsa.PrivateKey
	cert   *x509.Certificate
	client *http.Client
}

func (w *world) joinAxis(t *testing.T, c openAPIChecker, code string) axisMember {
	t.Helper()
	m := axisMember{code: code}
	c.check(t, w.exchange(t, sysAdmin, "PUT", "/api/v1/exchange/members/"+code, nil, `{"name":"Cơ quan `+code+`"}`), 200)
	var err error
	if m.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: code},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, m.key.Public(), m.key)
	if err != nil {
		t.Fatal(err)
	}
	m.cert, _ = x509.ParseCertificate(der)
	body, _ := json.Marshal(map[string]string{"certificate": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))})
	c.check(t, w.exchange(t, sysAdmin, "POST", "/api/v1/exchange/members/"+code+"/keys", nil, string(body)), 201)
	x := w.exchange(t, sysAdmin, "POST", "/api/v1/exchange/members/"+code+"/clients", nil, `{}`)
	c.check(t, x, 201)
	var cl struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	json.Unmarshal(x.body, &cl)
	cc := clientcredentials.Config{ClientID: cl.ID, ClientSecret: cl.Secret, TokenURL: w.ts.URL + "/api/v1/exchange/token"}
	m.client = cc.Client(context.Background())
	return m
}

// call sends a request as the member and returns the exchange for the
// OpenAPI checker.
func (m axisMember) call(t *testing.T, w *world, method, path, ctype string, body []byte) exchange {
	t.Helper()
	req, _ := http.NewRequest(method, w.ts.URL+path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := m.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return exchange{req: req, reqBody: body, res: res, body: b}
}

func (m axisMember) document(t *testing.T, to string, n int) (*edxml.Envelope, []byte) {
	t.Helper()
	e := &edxml.Envelope{MessageID: fmt.Sprintf("http-%d-%d", time.Now().UnixNano(), n), DocumentID: fmt.Sprintf("%s,2026/12/04,%d/UBND-VP", m.code, n),
		From: edxml.Organ{OrganID: m.code, OrganName: "Cơ quan " + m.code}, To: []edxml.Organ{{OrganID: to, OrganName: "Cơ quan " + to}},
		Code: edxml.Code{CodeNumber: fmt.Sprint(n), CodeNotation: "UBND-VP"}, Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		DocumentType: edxml.DocumentType{Type: 1, TypeDetail: 2, TypeName: "Công văn"}, Subject: "Về việc cấp bản sao trích lục hộ tịch",
		Signer: edxml.Signer{Position: "Chủ tịch", FullName: "Trần Văn B"}, Traces: []edxml.Trace{{OrganID: m.code, Timestamp: time.Now()}}}
	b, err := edxml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = edxml.Sign(b, m.key, m.cert); err != nil {
		t.Fatal(err)
	}
	return e, b
}

// TestExchangeOverHTTP is an agency system's path through the axis's API
// on both databases: registered by the administrator, it gets OAuth2
// tokens with a standard client, sends a signed document, the recipient
// pulls, checks the signature against the public certificates,
// acknowledges and answers with a receipt; officials read the trail; a
// tampered document, a wrong secret and a revoked key are refused.
func TestExchangeOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		doc, router := openAPI(t)
		c := openAPIChecker{doc: doc, router: router}
		x, y := w.joinAxis(t, c, agencyX), w.joinAxis(t, c, agencyY)
		env, body := x.document(t, agencyY, 101)

		sent := x.call(t, w, "POST", "/api/v1/exchange/messages", "application/xml", body)
		checkAgainstOpenAPI(t, c.doc, c.router, sent.req, sent.res, sent.body)
		if sent.res.StatusCode != 201 {
			t.Fatalf("send: %d %s", sent.res.StatusCode, sent.body)
		}
		again := x.call(t, w, "POST", "/api/v1/exchange/messages", "application/xml", body)
		if again.res.StatusCode != 200 || !strings.Contains(string(again.body), `"duplicate":true`) {
			t.Errorf("the same message again: %d %s", again.res.StatusCode, again.body)
		}
		inbox := y.call(t, w, "GET", "/api/v1/exchange/inbox", "", nil)
		c.check(t, inbox, 200)
		var items struct {
			Messages []struct {
				DeliveryID int64  `json:"delivery_id"`
				MessageID  string `json:"message_id"`
				Body       []byte `json:"body"`
			} `json:"messages"`
		}
		json.Unmarshal(inbox.body, &items)
		if len(items.Messages) != 1 || items.Messages[0].MessageID != env.MessageID {
			t.Fatalf("inbox: %s", inbox.body)
		}
		// The recipient checks the signature with the sender's published
		// certificate.
		pub := y.call(t, w, "GET", "/api/v1/exchange/members/"+agencyX, "", nil)
		c.check(t, pub, 200)
		var member struct {
			Keys []struct {
				Certificate string `json:"certificate"`
			} `json:"keys"`
		}
		json.Unmarshal(pub.body, &member)
		block, _ := pem.Decode([]byte(member.Keys[0].Certificate))
		published, _ := x509.ParseCertificate(block.Bytes)
		if _, err := edxml.Verify(items.Messages[0].Body, []*x509.Certificate{published}); err != nil {
			t.Errorf("the signature does not check with the published certificate: %v", err)
		}
		ack := y.call(t, w, "POST", fmt.Sprintf("/api/v1/exchange/inbox/%d/ack", items.Messages[0].DeliveryID), "", nil)
		if ack.res.StatusCode != 204 {
			t.Errorf("ack: %d %s", ack.res.StatusCode, ack.body)
		}
		// The receipt goes back to the sender.
		st, _ := edxml.MarshalStatus(&edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: agencyX, DocumentID: env.DocumentID},
			From: edxml.Organ{OrganID: agencyY, OrganName: "Cơ quan " + agencyY}, StatusCode: edxml.StatusArrived, Description: "Đã đến", Timestamp: time.Now()})
		st, _ = edxml.Sign(st, y.key, y.cert)
		if r := y.call(t, w, "POST", "/api/v1/exchange/messages", "application/xml", st); r.res.StatusCode != 201 {
			t.Fatalf("receipt: %d %s", r.res.StatusCode, r.body)
		}
		if back := x.call(t, w, "GET", "/api/v1/exchange/inbox", "", nil); !strings.Contains(string(back.body), `"kind":"status"`) {
			t.Errorf("the sender's inbox: %s", back.body)
		}
		// Officials of the sender read the trail and the signed body.
		c.check(t, w.exchange(t, leaderX, "GET", "/api/v1/exchange/messages?box=outbox&number=101", nil, ""), 200)
		one := w.exchange(t, leaderX, "GET", "/api/v1/exchange/messages/"+url.PathEscape(env.MessageID), nil, "")
		c.check(t, one, 200)
		for _, want := range []string{`"action":"received"`, `"action":"delivered"`, `"action":"status"`, `"status_code":"01"`} {
			if !strings.Contains(string(one.body), want) {
				t.Errorf("message and trail lack %s: %.600s", want, one.body)
			}
		}
		raw := w.exchange(t, leaderX, "GET", "/api/v1/exchange/messages/"+url.PathEscape(env.MessageID)+"/body", nil, "")
		c.binary(t, raw, 200, "application/xml; charset=utf-8")
		if !bytes.Equal(raw.body, body) {
			t.Error("the body served is not the one signed")
		}
		c.check(t, w.exchange(t, leaderX, "GET", "/api/v1/exchange/messages?since=hom-nay", nil, ""), 400)
		// Refusals.
		tampered := []byte(strings.Replace(string(body), "cấp bản sao", "hủy bản sao", 1))
		tampered = []byte(strings.Replace(string(tampered), env.MessageID, env.MessageID+"-x", 1))
		if r := x.call(t, w, "POST", "/api/v1/exchange/messages", "application/xml", tampered); r.res.StatusCode != 400 || !strings.Contains(string(r.body), "bị thay đổi") {
			t.Errorf("tampered: %d %s", r.res.StatusCode, r.body)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"edx-nobody"}, "client_secret": {"x"}}
		res, err := http.PostForm(w.ts.URL+"/api/v1/exchange/token", form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 401 || !strings.Contains(string(b), `"error":"invalid_client"`) {
			t.Errorf("a wrong client: %d %s", res.StatusCode, b)
		}
		fp := edx.Fingerprint(x.cert)
		if r := w.exchange(t, sysAdmin, "DELETE", "/api/v1/exchange/keys/"+fp, nil, ""); r.res.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", r.res.StatusCode, r.body)
		}
		_, later := x.document(t, agencyY, 102)
		if r := x.call(t, w, "POST", "/api/v1/exchange/messages", "application/xml", later); r.res.StatusCode != 403 {
			t.Errorf("signed with a revoked key: %d %s", r.res.StatusCode, r.body)
		}
		if rep, err := w.axis.VerifyLog(context.Background()); err != nil || rep.FirstBad != nil {
			t.Errorf("message log: %+v %v", rep, err)
		}
	}, jobs.Migrate)
}
