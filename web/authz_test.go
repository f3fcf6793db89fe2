package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/dossier"
	edx "github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidcop"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// The kinds of caller of the authorization table.
const (
	anonymous   = "anonymous"
	citizenA    = "citizen A"
	citizenB    = "citizen B"
	business    = "business"
	receiverX   = "receiver X"
	specialistX = "specialist X"
	leaderX     = "leader X"
	adminX      = "admin X"
	officialY   = "admin Y"
	sysAdmin    = "system admin"
)

var callers = []string{anonymous, citizenA, citizenB, business, receiverX, specialistX, leaderX, adminX, officialY, sysAdmin}

const (
	agencyX = "000.00.40.H26" // a commune of Hà Nội
	agencyY = "000.00.00.H41" // Nghệ An
	pw      = "mật khẩu thử nghiệm dài"
)

// world is a server with one account of each kind, signed in both on the
// web (cookie) and on the API (bearer token).
type world struct {
	ts      *httptest.Server
	srv     *web.Server
	cab     *cabinet.Service
	pay     *payment.Sandbox // the payment gateway, served by the same server
	svc     *dossier.Service
	axis    *edx.Service
	cookies map[string]string
	tokens  map[string]string
	ids     map[string]int64
}

// platformKey and platformCert are what egov signs with on the document
// axis for the agencies it runs, in every world.
var platformKey, platformCert = func() (*ecdsa.PrivateKey, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "egov"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}()

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	cat, id := services(t, db)
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Payments go through the sandbox gateway, mounted on the server
	// under test as in a demo, so its IPN is a real HTTP call back.
	ts := httptest.NewUnstartedServer(nil)
	origin := "http://" + ts.Listener.Addr().String()
	sandbox, err := payment.NewSandbox(payment.SandboxConfig{Prefix: "/sandbox/vnpay", TmnCode: "EGOVTEST", HashSecret: "test-hash-secret",
		IPNURL: origin + "/api/v1/payments/vnpay/ipn"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sandbox.Close() })
	// The axis signs transfers with egov's own key; an agency gets them
	// once it is a member with egov's certificate (see platformCert).
	axis := edx.NewService(db, queue, edx.Config{Key: platformKey, Certificate: platformCert}, nil)
	dossiers, cal := dossierServices(t, db, cat, queue, func(c *dossier.Config) {
		c.Gateway, c.PaymentReturnURL = sandbox.VNPay(origin), origin+"/thanh-toan/ket-qua"
		c.Axis = axis
	})
	cabinetFiles, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cab := cabinet.NewService(db, queue, cabinetFiles, cabinet.Config{PublicURL: "https://dichvucong.example.vn"}, nil)
	idp, err := oidcop.New(ctx, db, id, oidcop.Config{Issuer: origin + oidcop.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Identity: id, Dossiers: dossiers, Calendar: cal, Cabinet: cab,
		Registry: prometheus.NewRegistry(), PaymentSandbox: sandbox, Exchange: axis, Federation: federation.NewService(db, nil, federation.Config{}, nil),
		OIDCProvider: idp})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	w := &world{ts: ts, srv: srv, cab: cab, pay: sandbox, svc: dossiers, axis: axis, cookies: map[string]string{}, tokens: map[string]string{}, ids: map[string]int64{}}
	t.Cleanup(w.ts.Close)
	req := identity.Request{IP: "127.0.0.1"}
	usernames := map[string]string{}
	for name, reg := range map[string]identity.CitizenRegistration{
		citizenA: {IDNumber: "001090012345", FullName: "Nguyễn Văn An", DateOfBirth: "1990-05-12", Sex: "male", Phone: "0912345678", Email: "an@example.vn", Password: pw},
		citizenB: {IDNumber: "079195012346", FullName: "Trần Thị Bình", DateOfBirth: "1995-01-02", Sex: "female", Phone: "0987654321", Email: "binh@example.vn", Password: pw},
	} {
		a, err := id.RegisterCitizen(ctx, reg, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.ids[name], usernames[name] = a.ID, a.Username
	}
	a, _ := id.Account(ctx, w.ids[citizenA])
	b, err := id.RegisterBusiness(ctx, &a, identity.BusinessRegistration{TaxCode: "0100109106", Name: "Công ty Thử Nghiệm", Address: "Hà Nội",
		Phone: "0912000111", Email: "ketoan@thunghiem.vn", Password: pw}, req)
	if err != nil {
		t.Fatal(err)
	}
	w.ids[business], usernames[business] = b.ID, b.Username
	for name, o := range map[string]identity.NewOfficial{
		receiverX:   {AgencyCode: agencyX, Username: "x.tiepnhan", Roles: []identity.Role{identity.RoleReceiver}},
		specialistX: {AgencyCode: agencyX, Username: "x.chuyenvien", Roles: []identity.Role{identity.RoleSpecialist}},
		leaderX:     {AgencyCode: agencyX, Username: "x.lanhdao", Roles: []identity.Role{identity.RoleLeader}},
		adminX:      {AgencyCode: agencyX, Username: "x.quantri", Roles: []identity.Role{identity.RoleAgencyAdmin}},
		officialY:   {AgencyCode: agencyY, Username: "y.quantri", Roles: []identity.Role{identity.RoleAgencyAdmin}},
		sysAdmin:    {AgencyCode: agencyY, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}},
	} {
		o.FullName, o.Password = "Cán Bộ", pw
		acct, err := id.AddOfficial(ctx, nil, o, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.ids[name], usernames[name] = acct.ID, acct.Username
	}
	for name, user := range usernames {
		s, _, err := id.SignIn(ctx, user, pw, identity.SessionWeb, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.cookies[name] = s.Token
		s, _, err = id.SignIn(ctx, user, pw, identity.SessionAPI, req)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[name] = s.Token
	}
	return w
}

func (w *world) do(t *testing.T, who, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, w.ts.URL+path, strings.NewReader(body))
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Content-Type", "application/json")
		if tok := w.tokens[who]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c := w.cookies[who]; c != "" {
			req.AddCookie(&http.Cookie{Name: "egov_session", Value: c})
		}
	}
	res, b := w.roundTrip(t, req)
	return res.StatusCode, string(b)
}

// roundTrip sends req as a browser that shows every redirect rather than
// following it, and reads the whole answer.
func (w *world) roundTrip(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	client := *w.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client.Timeout = 30 * time.Second
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// rule is one route of the authorization table: its request, the answer
// for everybody, and the exceptions by caller.
type rule struct {
	route  string // the pattern, as registered
	path   string // a concrete path; {who} is replaced by a per-caller value
	body   string
	all    int
	except map[string]int
}

func TestAuthorizationTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		recX := fmt.Sprint(w.ids[receiverX])
		anonAPI := map[string]int{anonymous: 401}
		anonPage := map[string]int{anonymous: 303}
		with := func(base map[string]int, more map[string]int) map[string]int {
			out := map[string]int{}
			for k, v := range base {
				out[k] = v
			}
			for k, v := range more {
				out[k] = v
			}
			return out
		}
		// Citizen A has a submitted dossier at X, with papers, and a draft.
		res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, "",
			part{field: "dossier", content: []byte(fillBirthForm(t, w))},
			part{field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai")},
			part{field: "file.TP2", name: "chung-sinh.png", content: testPNG(t)})
		if res.StatusCode != 201 {
			t.Fatalf("dossier: %d %s", res.StatusCode, body)
		}
		submitted := decodeDossier(t, body)
		res, body = w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, `{"procedure_code":"1.001193"}`)
		if res.StatusCode != 201 {
			t.Fatalf("draft: %d %s", res.StatusCode, body)
		}
		draft := fmt.Sprint(decodeDossier(t, body).ID)
		code := submitted.Code
		paper := fmt.Sprint(submitted.Papers[0].DocumentID)
		handlersOfX := map[string]int{anonymous: 401, citizenA: 200, receiverX: 200, specialistX: 200, leaderX: 200, sysAdmin: 200}
		aConflicts := map[string]int{anonymous: 401, citizenA: 409}
		pageHandlersOfX := map[string]int{anonymous: 303, citizenA: 200, receiverX: 200, specialistX: 200, leaderX: 200, sysAdmin: 200}
		pageConflicts := map[string]int{anonymous: 303, citizenA: 409}
		// A body of X: the leader chairs, the specialist is a member, the
		// receiver is the secretary; X's administrator is a guest of the
		// meeting.
		cw := w.cabinet(t)
		cbody, meeting, ballot, cdoc := fmt.Sprint(cw.body), fmt.Sprint(cw.meeting), fmt.Sprint(cw.ballot), fmt.Sprint(cw.document)
		invited := map[string]int{anonymous: 401, receiverX: 200, specialistX: 200, leaderX: 200, adminX: 200}
		asked := map[string]int{anonymous: 401, receiverX: 200, specialistX: 200, leaderX: 200}
		secretaryOnly := func(ok int, page bool) map[string]int {
			anon := 401
			if page {
				anon = 303
			}
			return map[string]int{anonymous: anon, receiverX: ok, specialistX: 403, leaderX: 403, adminX: 403}
		}
		// The body's forms: its secretary; the others who see the body
		// (members, the agency's administrator, system administrators) are
		// refused; anyone else does not find it.
		secretaryForms := func(ok int) map[string]int {
			return map[string]int{anonymous: 303, receiverX: ok, specialistX: 403, leaderX: 403, adminX: 403, sysAdmin: 403}
		}
		pageOf := func(api map[string]int) map[string]int {
			out := with(api, map[string]int{anonymous: 303})
			return out
		}
		// Officials read their agency's exchange; citizens and businesses
		// have none.
		exchangeReaders := map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}
		// Their pages: officials of a member agency (Y is not one), and
		// system administrators for the agency they pick.
		exchangePages := map[string]int{anonymous: 303, citizenA: 403, citizenB: 403, business: 403}
		if _, err := w.axis.SaveMember(context.Background(), &identity.Account{Kind: identity.KindOfficial, Roles: []identity.Role{identity.RoleSystemAdmin}},
			edx.Member{AgencyCode: agencyX, Name: "UBND phường Hoàn Kiếm"}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		officialsOfX := with(anonAPI, map[string]int{citizenA: 403, citizenB: 403, business: 403, receiverX: 403, specialistX: 403, leaderX: 403, officialY: 403})
		rules := []rule{
			{route: "GET /healthz", path: "/healthz", all: 200},
			{route: "GET /readyz", path: "/readyz", all: 200},
			{route: "GET /metrics", path: "/metrics", all: 200},
			{route: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json", all: 200},
			{route: "GET /api/v1/agencies", path: "/api/v1/agencies", all: 200},
			{route: "GET /api/v1/agencies/{code}", path: "/api/v1/agencies/" + agencyX, all: 200},
			{route: "GET /api/v1/procedures", path: "/api/v1/procedures?q=khai+sinh", all: 200},
			{route: "GET /api/v1/procedures/{code}", path: "/api/v1/procedures/1.001193", all: 200},
			{route: "GET /api/v1/fields", path: "/api/v1/fields", all: 200},
			{route: "GET /api/v1/life-events", path: "/api/v1/life-events", all: 200},
			// Registering is open to all; this body is invalid, so 400 shows the
			// request reached validation without creating anything.
			{route: "POST /api/v1/accounts", path: "/api/v1/accounts", body: `{"id_number":"1"}`, all: 400},
			{route: "POST /api/v1/auth/token", path: "/api/v1/auth/token", body: `{"username":"nobody{who}","password":"wrong password"}`, all: 401},
			{route: "GET /api/v1/me", path: "/api/v1/me", all: 200, except: anonAPI},
			{route: "PUT /api/v1/me/contact", path: "/api/v1/me/contact", body: `{"address":"Số 1, Hà Nội"}`, all: 200, except: anonAPI},
			// Only a citizen represents a business; a valid citizen request
			// with a bad tax code gets 400 (allowed, then validated).
			{route: "POST /api/v1/businesses", path: "/api/v1/businesses", body: `{"tax_code":"123"}`, all: 403,
				except: with(anonAPI, map[string]int{citizenA: 400, citizenB: 400})},
			{route: "GET /api/v1/agencies/{code}/officials", path: "/api/v1/agencies/" + agencyX + "/officials", all: 200, except: officialsOfX},
			{route: "POST /api/v1/agencies/{code}/officials", path: "/api/v1/agencies/" + agencyX + "/officials",
				body: `{"username":"{who}","full_name":"Cán Bộ Mới","roles":["receiver"],"password":"` + pw + `"}`, all: 201, except: officialsOfX},
			// Officials of another agency are not even found.
			{route: "PUT /api/v1/officials/{id}/roles", path: "/api/v1/officials/" + recX + "/roles", body: `{"roles":["receiver","specialist"]}`,
				all: 404, except: map[string]int{anonymous: 401, adminX: 200, sysAdmin: 200}},

			// Statistics and open data are public; dashboards are for
			// report viewers and leaders of the agency or one above it, and
			// system administrators (TestReportsOverHTTP has the viewers).
			{route: "GET /thong-ke", path: "/thong-ke", all: 200},
			{route: "GET /du-lieu-mo", path: "/du-lieu-mo", all: 200},
			{route: "GET /api/v1/open/{dataset}", path: "/api/v1/open/agencies.csv", all: 200},
			{route: "GET /api/v1/rankings/{kind}", path: "/api/v1/rankings/province", all: 200},
			{route: "GET /bao-cao", path: "/bao-cao", all: 403, except: map[string]int{anonymous: 303, leaderX: 303, sysAdmin: 303}},
			{route: "GET /bao-cao/{scope}", path: "/bao-cao/" + agencyX, all: 403, except: map[string]int{anonymous: 303, leaderX: 200, sysAdmin: 200}},
			{route: "GET /bao-cao/{scope}/{table}", path: "/bao-cao/" + agencyX + "/linh-vuc.csv", all: 403, except: map[string]int{anonymous: 303, leaderX: 200, sysAdmin: 200}},
			{route: "GET /api/v1/reports/{scope}", path: "/api/v1/reports/" + agencyX, all: 403, except: map[string]int{anonymous: 401, leaderX: 200, sysAdmin: 200}},

			{route: "GET /api/v1/calendar/add-working-days", path: "/api/v1/calendar/add-working-days?from=2026-02-13&days=3", all: 200},
			{route: "GET /api/v1/calendar/holidays", path: "/api/v1/calendar/holidays?year=2026", all: 200},
			{route: "PUT /api/v1/calendar/days/{date}", path: "/api/v1/calendar/days/2030-01-02", body: `{"kind":"off","name":"Ngày nghỉ thử"}`,
				all: 403, except: map[string]int{anonymous: 401, sysAdmin: 204}},
			{route: "DELETE /api/v1/calendar/days/{date}", path: "/api/v1/calendar/days/2030-01-02", all: 403, except: map[string]int{anonymous: 401, sysAdmin: 204}},
			{route: "GET /api/v1/tracking/{code}", path: "/api/v1/tracking/" + code, all: 200},
			// A JSON body where a file is expected: allowed, then refused.
			{route: "POST /api/v1/documents", path: "/api/v1/documents", all: 400, except: anonAPI},
			{route: "GET /api/v1/documents", path: "/api/v1/documents", all: 200, except: anonAPI},
			{route: "GET /api/v1/documents/{id}", path: "/api/v1/documents/" + paper, all: 404, except: handlersOfX},
			// Only citizens and businesses apply online; this one names no
			// real procedure.
			{route: "POST /api/v1/dossiers", path: "/api/v1/dossiers", body: `{"procedure_code":"1.999999"}`, all: 403,
				except: map[string]int{anonymous: 401, citizenA: 400, citizenB: 400, business: 400}},
			{route: "GET /api/v1/dossiers", path: "/api/v1/dossiers", all: 200, except: anonAPI},
			{route: "GET /api/v1/dossiers/{ref}", path: "/api/v1/dossiers/" + code, all: 404, except: handlersOfX},
			{route: "GET /api/v1/dossiers/{ref}/receipt", path: "/api/v1/dossiers/" + code + "/receipt", all: 404, except: handlersOfX},
			{route: "GET /api/v1/dossiers/{ref}/result", path: "/api/v1/dossiers/" + code + "/result", all: 404, except: anonAPI},
			// Changes by the applicant: others do not find the dossier; the
			// applicant gets 409 because the state or the version does not
			// allow it, so the table changes nothing.
			{route: "PUT /api/v1/dossiers/{ref}", path: "/api/v1/dossiers/" + draft, body: `{"version":999}`, all: 404, except: aConflicts},
			{route: "DELETE /api/v1/dossiers/{ref}", path: "/api/v1/dossiers/" + code, all: 404, except: aConflicts},
			{route: "POST /api/v1/dossiers/{ref}/papers", path: "/api/v1/dossiers/" + draft + "/papers", all: 404, except: map[string]int{anonymous: 401, citizenA: 400}},
			{route: "POST /api/v1/dossiers/{ref}/submit", path: "/api/v1/dossiers/" + code + "/submit", all: 404, except: aConflicts},
			{route: "POST /api/v1/dossiers/{ref}/withdraw", path: "/api/v1/dossiers/" + code + "/withdraw", body: `{"reason":"x","version":999}`, all: 404, except: aConflicts},
			{route: "POST /api/v1/dossiers/{ref}/supplement", path: "/api/v1/dossiers/" + code + "/supplement", body: `{"comment":"x"}`, all: 404, except: aConflicts},
			{route: "POST /api/v1/dossiers/{ref}/rating", path: "/api/v1/dossiers/" + code + "/rating", body: `{"score":5}`, all: 404, except: aConflicts},
			// Officials of X may act, but forward is not a reception action;
			// citizens are refused; other officials do not find it.
			{route: "POST /api/v1/dossiers/{ref}/actions", path: "/api/v1/dossiers/" + code + "/actions", body: `{"action":"forward"}`, all: 404,
				except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403, receiverX: 409, specialistX: 409, leaderX: 409, sysAdmin: 409}},
			// The document axis: member systems with their own tokens
			// (none here: 401), officials read their agency's messages,
			// the system administrator registers.
			{route: "POST /api/v1/exchange/token", path: "/api/v1/exchange/token", all: 400},
			{route: "POST /api/v1/exchange/messages", path: "/api/v1/exchange/messages", all: 401},
			{route: "GET /api/v1/exchange/inbox", path: "/api/v1/exchange/inbox", all: 401},
			{route: "POST /api/v1/exchange/inbox/{id}/ack", path: "/api/v1/exchange/inbox/1/ack", all: 401},
			{route: "GET /api/v1/exchange/messages", path: "/api/v1/exchange/messages?box=inbox", all: 200, except: exchangeReaders},
			{route: "GET /api/v1/exchange/messages/{id}", path: "/api/v1/exchange/messages/nothing", all: 404, except: exchangeReaders},
			{route: "GET /api/v1/exchange/messages/{id}/body", path: "/api/v1/exchange/messages/nothing/body", all: 404, except: exchangeReaders},
			{route: "GET /api/v1/exchange/members/{code}", path: "/api/v1/exchange/members/" + agencyX, all: 200},
			{route: "PUT /api/v1/exchange/members/{code}", path: "/api/v1/exchange/members/" + agencyX, body: `{"name":"UBND phường"}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 200}},
			{route: "POST /api/v1/exchange/members/{code}/keys", path: "/api/v1/exchange/members/" + agencyX + "/keys", body: `{"certificate":"x"}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 400}},
			{route: "POST /api/v1/exchange/members/{code}/clients", path: "/api/v1/exchange/members/" + agencyX + "/clients", body: `{}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 201}},
			{route: "DELETE /api/v1/exchange/keys/{fingerprint}", path: "/api/v1/exchange/keys/00", all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 404}},
			{route: "DELETE /api/v1/exchange/clients/{id}", path: "/api/v1/exchange/clients/edx-nobody", all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 404}},
			// Federation: connected systems by their own tokens only; the
			// registry is the system administrator's.
			{route: "POST /api/v1/federation/token", path: "/api/v1/federation/token", all: 400},
			{route: "POST /api/v1/federation/dossiers", path: "/api/v1/federation/dossiers", body: `{}`, all: 401},
			{route: "GET /api/v1/statistics/dossiers", path: "/api/v1/statistics/dossiers?agency=" + agencyX, all: 200},
			{route: "GET /api/v1/federation/catalog", path: "/api/v1/federation/catalog", all: 401},
			// Only tokens of this instance's OpenID provider open a
			// citizen's documents to a connected portal; no session does.
			{route: "GET /api/v1/federation/documents", path: "/api/v1/federation/documents", all: 401},
			{route: "GET /api/v1/federation/documents/{id}", path: "/api/v1/federation/documents/1", all: 401},
			{route: "GET /api/v1/federation/dossiers/{code}", path: "/api/v1/federation/dossiers/" + agencyX + "-261128-0001", all: 401},
			{route: "GET /api/v1/federation/systems/{id}", path: "/api/v1/federation/systems/ha-noi", all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 404}},
			{route: "PUT /api/v1/federation/systems/{id}", path: "/api/v1/federation/systems/ha-noi", body: `{"name":"Một cửa Hà Nội","agencies":["000.00.00.H26"]}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 200}},
			{route: "POST /api/v1/federation/systems/{id}/clients", path: "/api/v1/federation/systems/nobody/clients", body: `{}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 404}},
			// Payments: the birth registration has no fee, so its applicant
			// is told there is nothing to pay; the IPN answers every caller
			// in the gateway's protocol (here: bad checksum).
			{route: "GET /api/v1/dossiers/{ref}/payments", path: "/api/v1/dossiers/" + code + "/payments", all: 404, except: handlersOfX},
			{route: "POST /api/v1/dossiers/{ref}/payments", path: "/api/v1/dossiers/" + code + "/payments", body: "{}", all: 404, except: aConflicts},
			{route: "GET /api/v1/payments/vnpay/ipn", path: "/api/v1/payments/vnpay/ipn?vnp_TxnRef=x", all: 200},
			{route: "GET /sandbox/vnpay/", path: "/sandbox/vnpay/paymentv2/vpcpay.html?vnp_TxnRef=x", all: 400},
			{route: "POST /sandbox/vnpay/", path: "/sandbox/vnpay/paymentv2/pay", body: "token=x", all: 400},
			{route: "GET /api/v1/dossiers/{ref}/apology", path: "/api/v1/dossiers/" + code + "/apology", all: 404, except: anonAPI},
			{route: "GET /api/v1/agencies/{code}/dossiers", path: "/api/v1/agencies/" + agencyX + "/dossiers?queue=all", all: 403,
				except: map[string]int{anonymous: 401, receiverX: 200, specialistX: 200, leaderX: 200, sysAdmin: 200}},
			// Counter intake: receivers of X only; this body names no real
			// procedure, so nothing is stored.
			{route: "POST /api/v1/agencies/{code}/dossiers", path: "/api/v1/agencies/" + agencyX + "/dossiers", body: `{"procedure_code":"1.999999"}`,
				all: 403, except: map[string]int{anonymous: 401, receiverX: 400, sysAdmin: 400}},
			// Assigning at reception is not an action of that step: allowed,
			// then refused dossier by dossier in the answer.
			{route: "POST /api/v1/agencies/{code}/dossiers/assign", path: "/api/v1/agencies/" + agencyX + "/dossiers/assign",
				body: `{"codes":["` + code + `"],"assignee_id":1}`, all: 403,
				except: map[string]int{anonymous: 401, receiverX: 200, specialistX: 200, leaderX: 200, sysAdmin: 200}},
			// Processes: the agency's officials read them; only its
			// administrators change them. This body is refused by validation,
			// so the table changes nothing; going back to the default is harmless.
			{route: "GET /api/v1/agencies/{code}/processes/{procedure}", path: "/api/v1/agencies/" + agencyX + "/processes/1.010038", all: 403,
				except: map[string]int{anonymous: 401, receiverX: 200, specialistX: 200, leaderX: 200, adminX: 200, sysAdmin: 200}},
			{route: "PUT /api/v1/agencies/{code}/processes/{procedure}", path: "/api/v1/agencies/" + agencyX + "/processes/1.010038", body: `{"steps":[]}`,
				all: 403, except: map[string]int{anonymous: 401, adminX: 400, sysAdmin: 400}},
			{route: "DELETE /api/v1/agencies/{code}/processes/{procedure}", path: "/api/v1/agencies/" + agencyX + "/processes/1.010038",
				all: 403, except: map[string]int{anonymous: 401, adminX: 204, sysAdmin: 204}},
			{route: "GET /api/v1/cabinet/agenda", path: "/api/v1/cabinet/agenda", all: 200, except: anonAPI},
			{route: "GET /api/v1/cabinet/bodies", path: "/api/v1/cabinet/bodies", all: 200, except: anonAPI},
			{route: "POST /api/v1/cabinet/bodies", path: "/api/v1/cabinet/bodies", body: `{"agency_code":"` + agencyX + `","name":""}`,
				all: 403, except: map[string]int{anonymous: 401, adminX: 400, sysAdmin: 400}},
			{route: "PUT /api/v1/cabinet/bodies/{id}/members", path: "/api/v1/cabinet/bodies/" + cbody + "/members",
				body: `{"members":[{"account_id":1,"role":"boss"}]}`, all: 403, except: map[string]int{anonymous: 401, adminX: 400, sysAdmin: 400}},
			// Secretaries prepare; members are refused; strangers find nothing.
			{route: "POST /api/v1/cabinet/bodies/{id}/meetings", path: "/api/v1/cabinet/bodies/" + cbody + "/meetings", body: `{"title":""}`,
				all: 404, except: map[string]int{anonymous: 401, receiverX: 400, specialistX: 403, leaderX: 403}},
			{route: "POST /api/v1/cabinet/bodies/{id}/ballots", path: "/api/v1/cabinet/bodies/" + cbody + "/ballots", body: `{"question":""}`,
				all: 404, except: map[string]int{anonymous: 401, receiverX: 400, specialistX: 403, leaderX: 403}},
			{route: "GET /api/v1/cabinet/meetings/{id}", path: "/api/v1/cabinet/meetings/" + meeting, all: 404, except: invited},
			{route: "POST /api/v1/cabinet/meetings/{id}/documents", path: "/api/v1/cabinet/meetings/" + meeting + "/documents", all: 404, except: secretaryOnly(400, false)},
			{route: "PUT /api/v1/cabinet/meetings/{id}/attendance", path: "/api/v1/cabinet/meetings/" + meeting + "/attendance", body: `{"attended":{}}`,
				all: 404, except: secretaryOnly(200, false)},
			{route: "POST /api/v1/cabinet/meetings/{id}/minutes", path: "/api/v1/cabinet/meetings/" + meeting + "/minutes", all: 404, except: secretaryOnly(400, false)},
			{route: "GET /api/v1/cabinet/ballots/{id}", path: "/api/v1/cabinet/ballots/" + ballot, all: 404, except: asked},
			{route: "POST /api/v1/cabinet/ballots/{id}/documents", path: "/api/v1/cabinet/ballots/" + ballot + "/documents", all: 404,
				except: map[string]int{anonymous: 401, receiverX: 400, specialistX: 403, leaderX: 403}},
			// Only those asked vote: this choice is invalid, so nothing is stored.
			{route: "PUT /api/v1/cabinet/ballots/{id}/vote", path: "/api/v1/cabinet/ballots/" + ballot + "/vote", body: `{"choice":"maybe"}`,
				all: 404, except: map[string]int{anonymous: 401, receiverX: 403, specialistX: 400, leaderX: 400}},
			{route: "POST /api/v1/cabinet/ballots/{id}/close", path: "/api/v1/cabinet/ballots/" + ballot + "/close", body: `{"summary":"x"}`,
				all: 404, except: map[string]int{anonymous: 401, receiverX: 409, specialistX: 403, leaderX: 403}},
			{route: "GET /api/v1/cabinet/documents/{id}", path: "/api/v1/cabinet/documents/" + cdoc, all: 404, except: invited},
			// The national reporting system: the reporting officials of an
			// agency (leaders, administrators, report viewers) and system
			// administrators; other officials of the agency are refused;
			// nobody finds a duty that does not exist; only system
			// administrators pass to validation of templates, and duties
			// for X need an administrator above X.
			{route: "GET /api/v1/report-templates", path: "/api/v1/report-templates", all: 200,
				except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}},
			{route: "PUT /api/v1/report-templates/{code}", path: "/api/v1/report-templates/BC-{who}", body: `{"name":"","indicators":[]}`, all: 403,
				except: map[string]int{anonymous: 401, sysAdmin: 400}},
			{route: "GET /api/v1/report-duties", path: "/api/v1/report-duties", all: 403,
				except: map[string]int{anonymous: 401, leaderX: 200, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "POST /api/v1/report-duties", path: "/api/v1/report-duties", body: `{"template_code":"","agency_code":"` + agencyX + `","period":"month","due_day":31}`,
				all: 403, except: map[string]int{anonymous: 401, sysAdmin: 400}},
			{route: "GET /api/v1/report-duties/overdue", path: "/api/v1/report-duties/overdue", all: 403,
				except: map[string]int{anonymous: 401, leaderX: 200, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "GET /api/v1/report-duties/aggregate", path: "/api/v1/report-duties/aggregate?template=BC-NONE&period=2026-11", all: 403,
				except: map[string]int{anonymous: 401, leaderX: 404, adminX: 404, officialY: 404, sysAdmin: 404}},
			{route: "GET /api/v1/report-duties/{duty}/{period}", path: "/api/v1/report-duties/999/2026-11", all: 404, except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}},
			{route: "PUT /api/v1/report-duties/{duty}/{period}", path: "/api/v1/report-duties/999/2026-11", body: `{"values":{}}`, all: 404,
				except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}},
			{route: "POST /api/v1/report-duties/{duty}/{period}/submit", path: "/api/v1/report-duties/999/2026-11/submit", body: `{"values":{}}`, all: 404,
				except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}},
			{route: "POST /api/v1/report-duties/{duty}/{period}/review", path: "/api/v1/report-duties/999/2026-11/review", body: `{"decision":"approve"}`, all: 404,
				except: map[string]int{anonymous: 401, citizenA: 403, citizenB: 403, business: 403}},
			// Last of the API: it revokes the tokens the rows above use.
			{route: "DELETE /api/v1/auth/token", path: "/api/v1/auth/token", all: 204, except: anonAPI},

			{route: "GET /static/", path: "/static/site.css", all: 200},
			{route: "GET /{$}", path: "/", all: 200},
			{route: "GET /thu-tuc", path: "/thu-tuc?q=ket+hon", all: 200},
			{route: "GET /thu-tuc/{code}", path: "/thu-tuc/1.000894", all: 200},
			{route: "GET /linh-vuc", path: "/linh-vuc", all: 200},
			{route: "GET /co-quan", path: "/co-quan", all: 200},
			{route: "GET /co-quan/{code}", path: "/co-quan/" + agencyY, all: 200},
			{route: "GET /su-kien/{code}", path: "/su-kien/birth", all: 200},
			{route: "GET /ngon-ngu/{lang}", path: "/ngon-ngu/vi", all: 303},
			{route: "GET /dang-ky", path: "/dang-ky", all: 200},
			{route: "POST /dang-ky", path: "/dang-ky", body: "id_number=1", all: 400},
			{route: "GET /dang-nhap", path: "/dang-nhap", all: 200},
			{route: "POST /dang-nhap", path: "/dang-nhap", body: "username=nobody{who}&password=wrong+password", all: 401},
			{route: "GET /dang-nhap/vneid", path: "/dang-nhap/vneid", all: 404}, // no provider configured here
			{route: "GET /dang-nhap/vneid/callback", path: "/dang-nhap/vneid/callback", all: 404},
			// This instance as the OpenID provider of connected portals:
			// its endpoints are public (the token endpoint authenticates
			// the portal); only citizens go on from its login page.
			{route: "GET /oidc/", path: "/oidc/.well-known/openid-configuration", all: 200},
			{route: "POST /oidc/", path: "/oidc/oauth/token", all: 400},
			{route: "GET /dang-nhap/oidc", path: "/dang-nhap/oidc?id=nothing", all: 403,
				except: map[string]int{anonymous: 303, citizenA: 404, citizenB: 404}},
			{route: "GET /xac-thuc-email", path: "/xac-thuc-email?token=abc", all: 200},
			{route: "POST /xac-thuc-email", path: "/xac-thuc-email", body: "token=abc", all: 400},
			{route: "GET /quen-mat-khau", path: "/quen-mat-khau", all: 200},
			{route: "POST /quen-mat-khau", path: "/quen-mat-khau", body: "username=nobody", all: 200},
			{route: "GET /dat-lai-mat-khau", path: "/dat-lai-mat-khau?token=abc", all: 200},
			{route: "POST /dat-lai-mat-khau", path: "/dat-lai-mat-khau", body: "token=abc&password=x&password2=x", all: 400},
			{route: "GET /tai-khoan", path: "/tai-khoan", all: 200, except: anonPage},
			{route: "POST /tai-khoan/lien-he", path: "/tai-khoan/lien-he", body: "address=S%E1%BB%91+2", all: 303},
			{route: "POST /tai-khoan/mat-khau", path: "/tai-khoan/mat-khau", body: "current_password=wrong&password=a&password2=b", all: 400, except: anonPage},
			{route: "GET /tai-khoan/doanh-nghiep", path: "/tai-khoan/doanh-nghiep", all: 200, except: anonPage},
			{route: "POST /tai-khoan/doanh-nghiep", path: "/tai-khoan/doanh-nghiep", body: "tax_code=1", all: 403,
				except: map[string]int{anonymous: 303, citizenA: 400, citizenB: 400}},
			{route: "GET /quan-tri/can-bo", path: "/quan-tri/can-bo", all: 403,
				except: map[string]int{anonymous: 303, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "POST /quan-tri/can-bo", path: "/quan-tri/can-bo", body: "username=p{who}&full_name=C%C3%A1n+B%E1%BB%99&roles=receiver&password=" + url.QueryEscape(pw),
				all: 403, except: map[string]int{anonymous: 303, adminX: 303, officialY: 303, sysAdmin: 303}},
			{route: "POST /quan-tri/can-bo/{id}/vai-tro", path: "/quan-tri/can-bo/" + recX + "/vai-tro", body: "roles=receiver",
				all: 404, except: map[string]int{anonymous: 303, adminX: 303, sysAdmin: 303}},
			{route: "GET /tra-cuu", path: "/tra-cuu?ma=" + code, all: 200},
			{route: "GET /nop-ho-so/{code}", path: "/nop-ho-so/1.001193", all: 403, except: map[string]int{anonymous: 303, citizenA: 200, citizenB: 200, business: 200}},
			// Refreshing the pickers stores nothing.
			{route: "POST /nop-ho-so/{code}", path: "/nop-ho-so/1.001193", body: "action=refresh", all: 403,
				except: map[string]int{anonymous: 303, citizenA: 200, citizenB: 200, business: 200}},
			{route: "GET /ho-so", path: "/ho-so", all: 200, except: anonPage},
			{route: "GET /ho-so/{ref}", path: "/ho-so/" + code, all: 404, except: pageHandlersOfX},
			{route: "GET /ho-so/{ref}/sua", path: "/ho-so/" + draft + "/sua", all: 404, except: map[string]int{anonymous: 303, citizenA: 200}},
			{route: "POST /ho-so/{ref}/sua", path: "/ho-so/" + draft + "/sua", body: "action=refresh", all: 404, except: map[string]int{anonymous: 303, citizenA: 200}},
			{route: "POST /ho-so/{ref}/xoa", path: "/ho-so/" + code + "/xoa", all: 404, except: pageConflicts},
			{route: "POST /ho-so/{ref}/rut", path: "/ho-so/" + code + "/rut", body: "version=999", all: 404, except: pageConflicts},
			{route: "POST /ho-so/{ref}/bo-sung", path: "/ho-so/" + code + "/bo-sung", body: "comment=x", all: 404, except: pageConflicts},
			{route: "POST /ho-so/{ref}/danh-gia", path: "/ho-so/" + code + "/danh-gia", body: "score=5", all: 404, except: pageConflicts},
			{route: "POST /ho-so/{ref}/xu-ly", path: "/ho-so/" + code + "/xu-ly", body: "action=forward", all: 404,
				except: map[string]int{anonymous: 303, citizenA: 403, receiverX: 409, specialistX: 409, leaderX: 409, sysAdmin: 409}},
			{route: "GET /ho-so/{ref}/giay-tiep-nhan", path: "/ho-so/" + code + "/giay-tiep-nhan", all: 404, except: pageHandlersOfX},
			{route: "GET /ho-so/{ref}/ket-qua", path: "/ho-so/" + code + "/ket-qua", all: 404, except: anonPage},
			{route: "POST /ho-so/{ref}/thanh-toan", path: "/ho-so/" + code + "/thanh-toan", all: 404, except: pageConflicts},
			{route: "GET /thanh-toan/ket-qua", path: "/thanh-toan/ket-qua?vnp_TxnRef=x", all: 400, except: anonPage},
			{route: "GET /kho-giay-to", path: "/kho-giay-to", all: 200, except: anonPage},
			{route: "POST /kho-giay-to", path: "/kho-giay-to", all: 400, except: anonPage},
			{route: "GET /giay-to/{id}", path: "/giay-to/" + paper, all: 404, except: pageHandlersOfX},
			{route: "GET /ho-so/{ref}/phieu-xin-loi", path: "/ho-so/" + code + "/phieu-xin-loi", all: 404, except: anonPage},
			{route: "GET /mot-cua", path: "/mot-cua", all: 403, except: map[string]int{anonymous: 303, receiverX: 200, specialistX: 200, leaderX: 200, sysAdmin: 200}},
			{route: "POST /mot-cua/phan-cong", path: "/mot-cua/phan-cong", body: "code=" + code, all: 403,
				except: map[string]int{anonymous: 303, receiverX: 400, specialistX: 400, leaderX: 400, sysAdmin: 400}},
			// Payment reconciliation: leaders and administrators of the
			// collecting agency (Y's administrator sees Y's).
			{route: "GET /mot-cua/doi-soat", path: "/mot-cua/doi-soat", all: 403,
				except: map[string]int{anonymous: 303, leaderX: 200, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "POST /mot-cua/doi-soat", path: "/mot-cua/doi-soat", body: "ngay=hom-qua", all: 403,
				except: map[string]int{anonymous: 303, leaderX: 400, adminX: 400, officialY: 400, sysAdmin: 400}},
			// The national reporting system's pages (the API is above).
			{route: "GET /bao-cao-dinh-ky", path: "/bao-cao-dinh-ky", all: 403,
				except: map[string]int{anonymous: 303, leaderX: 200, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "GET /bao-cao-dinh-ky/tre-han", path: "/bao-cao-dinh-ky/tre-han", all: 403,
				except: map[string]int{anonymous: 303, leaderX: 200, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "GET /bao-cao-dinh-ky/tong-hop", path: "/bao-cao-dinh-ky/tong-hop?mau=BC-NONE&ky=2026-11", all: 403,
				except: map[string]int{anonymous: 303, leaderX: 404, adminX: 404, officialY: 404, sysAdmin: 404}},
			{route: "GET /bao-cao-dinh-ky/{duty}/{period}", path: "/bao-cao-dinh-ky/999/2026-11", all: 404, except: map[string]int{anonymous: 303, citizenA: 403, citizenB: 403, business: 403}},
			{route: "POST /bao-cao-dinh-ky/{duty}/{period}", path: "/bao-cao-dinh-ky/999/2026-11", body: "action=luu", all: 404,
				except: map[string]int{anonymous: 303, citizenA: 403, citizenB: 403, business: 403}},
			{route: "POST /bao-cao-dinh-ky/{duty}/{period}/duyet", path: "/bao-cao-dinh-ky/999/2026-11/duyet", body: "action=duyet", all: 404,
				except: map[string]int{anonymous: 303, citizenA: 403, citizenB: 403, business: 403}},
			{route: "GET /quan-tri/bao-cao-dinh-ky", path: "/quan-tri/bao-cao-dinh-ky", all: 403,
				except: map[string]int{anonymous: 303, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "POST /quan-tri/bao-cao-dinh-ky/mau", path: "/quan-tri/bao-cao-dinh-ky/mau", body: "code=", all: 403,
				except: map[string]int{anonymous: 303, sysAdmin: 400}},
			{route: "POST /quan-tri/bao-cao-dinh-ky/nhiem-vu", path: "/quan-tri/bao-cao-dinh-ky/nhiem-vu", body: "due_day=31&agency_code=" + agencyX, all: 403,
				except: map[string]int{anonymous: 303, sysAdmin: 400}},
			{route: "GET /mot-cua/tiep-nhan", path: "/mot-cua/tiep-nhan?thu-tuc=1.001193", all: 403, except: map[string]int{anonymous: 303, receiverX: 200, sysAdmin: 200}},
			{route: "POST /mot-cua/tiep-nhan", path: "/mot-cua/tiep-nhan", all: 403, except: map[string]int{anonymous: 303, receiverX: 200, sysAdmin: 200}},
			// The process editor: administrators of X, and system
			// administrators for X; Y's administrator gets Y, which does
			// not handle this commune procedure. Adding a step stores nothing.
			{route: "GET /quan-tri/quy-trinh", path: "/quan-tri/quy-trinh", all: 403,
				except: map[string]int{anonymous: 303, adminX: 200, officialY: 200, sysAdmin: 200}},
			{route: "GET /quan-tri/quy-trinh/{procedure}", path: "/quan-tri/quy-trinh/1.010038?co-quan=" + agencyX, all: 403,
				except: map[string]int{anonymous: 303, adminX: 200, officialY: 404, sysAdmin: 200}},
			{route: "POST /quan-tri/quy-trinh/{procedure}", path: "/quan-tri/quy-trinh/1.010038?co-quan=" + agencyX, body: "steps=0&action=add_step", all: 403,
				except: map[string]int{anonymous: 303, adminX: 200, officialY: 404, sysAdmin: 200}},
			{route: "GET /noi-cac", path: "/noi-cac", all: 200, except: map[string]int{anonymous: 303, citizenA: 403, citizenB: 403, business: 403}},
			{route: "GET /noi-cac/hop/{id}", path: "/noi-cac/hop/" + meeting, all: 404, except: pageOf(invited)},
			{route: "POST /noi-cac/hop/{id}/diem-danh", path: "/noi-cac/hop/" + meeting + "/diem-danh", all: 404, except: secretaryOnly(303, true)},
			{route: "POST /noi-cac/hop/{id}/bien-ban", path: "/noi-cac/hop/" + meeting + "/bien-ban", all: 404, except: secretaryOnly(400, true)},
			{route: "GET /noi-cac/phieu/{id}", path: "/noi-cac/phieu/" + ballot, all: 404, except: pageOf(asked)},
			{route: "POST /noi-cac/phieu/{id}/tra-loi", path: "/noi-cac/phieu/" + ballot + "/tra-loi", body: "choice=maybe", all: 404,
				except: map[string]int{anonymous: 303, receiverX: 403, specialistX: 400, leaderX: 400}},
			{route: "POST /noi-cac/phieu/{id}/tong-hop", path: "/noi-cac/phieu/" + ballot + "/tong-hop", body: "summary=x", all: 404,
				except: map[string]int{anonymous: 303, receiverX: 409, specialistX: 403, leaderX: 403}},
			{route: "GET /noi-cac/tai-lieu/{id}", path: "/noi-cac/tai-lieu/" + cdoc, all: 404, except: pageOf(invited)},
			{route: "GET /noi-cac/co-quan/{id}/phieu-moi", path: "/noi-cac/co-quan/" + cbody + "/phieu-moi", all: 404, except: secretaryForms(200)},
			{route: "POST /noi-cac/co-quan/{id}/phieu-moi", path: "/noi-cac/co-quan/" + cbody + "/phieu-moi", body: "question=", all: 404, except: secretaryForms(400)},
			{route: "GET /noi-cac/co-quan/{id}/hop-moi", path: "/noi-cac/co-quan/" + cbody + "/hop-moi", all: 404, except: secretaryForms(200)},
			{route: "POST /noi-cac/co-quan/{id}/hop-moi", path: "/noi-cac/co-quan/" + cbody + "/hop-moi", body: "title=", all: 404, except: secretaryForms(400)},
			{route: "POST /noi-cac/hop/{id}/tai-lieu", path: "/noi-cac/hop/" + meeting + "/tai-lieu", all: 404, except: secretaryOnly(400, true)},
			{route: "POST /noi-cac/phieu/{id}/tai-lieu", path: "/noi-cac/phieu/" + ballot + "/tai-lieu", all: 404,
				except: map[string]int{anonymous: 303, receiverX: 400, specialistX: 403, leaderX: 403}},
			// The document axis's pages for the clerk: X's officials see X's
			// documents; Y is no member; nobody has a message "nothing".
			{route: "GET /lien-thong", path: "/lien-thong?co-quan=" + agencyX, all: 403,
				except: map[string]int{anonymous: 303, receiverX: 200, specialistX: 200, leaderX: 200, adminX: 200, sysAdmin: 200}},
			{route: "GET /lien-thong/{id}", path: "/lien-thong/nothing?co-quan=" + agencyX, all: 404, except: exchangePages},
			{route: "GET /lien-thong/{id}/xml", path: "/lien-thong/nothing/xml?co-quan=" + agencyX, all: 404, except: exchangePages},
			{route: "POST /dang-xuat", path: "/dang-xuat", all: 303},
			{route: "POST /tai-khoan/dang-xuat-tat-ca", path: "/tai-khoan/dang-xuat-tat-ca", all: 303},
		}
		covered := map[string]bool{}
		for _, r := range rules {
			covered[r.route] = true
		}
		for _, route := range w.srv.Routes() {
			if route == "/" || route == "/api/" {
				continue // the not-found handlers
			}
			if !covered[route] {
				t.Errorf("route %s is missing from the authorization table", route)
			}
		}
		for _, r := range rules {
			for _, who := range callers {
				want := r.all
				if code, ok := r.except[who]; ok {
					want = code
				}
				nick := strings.NewReplacer(" ", "", "A", "a", "B", "b", "X", "x", "Y", "y").Replace(who)
				method, _, _ := strings.Cut(r.route, " ")
				got, body := w.do(t, who, method, strings.ReplaceAll(r.path, "{who}", nick), strings.ReplaceAll(r.body, "{who}", nick))
				if got != want {
					t.Errorf("%s %s as %s: %d, want %d; %.200s", method, r.path, who, got, want, body)
				}
			}
		}
	}, jobs.Migrate)
}
