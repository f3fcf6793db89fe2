package identity_test

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"

	"github.com/egov-vn/egov/identity"
)

// The test provider is a real OpenID provider (zitadel/oidc's op package over
// the in-memory storage of its example server) on 127.0.0.1, with a tiny
// username/password login page of its own; the relying party's redirect URL
// is another local server.

const (
	testClientID     = "egov-portal"
	testClientSecret = "egov-portal-secret"
	testPassword     = "mat-khau-an-toan"
	citizenUsername  = "001090012345"
	noIDUsername     = "foreigner-01"
)

// citizenProfile is what the provider knows beyond the example's User.
type citizenProfile struct {
	IDNumber   string
	FullName   string
	GivenName  string
	FamilyName string
	BirthDate  string
	Gender     string
}

type testUsers map[string]*storage.User

func (u testUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u testUsers) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (testUsers) ExampleClientID() string { return storage.ServiceUserID }

// vneidStorage is the example storage plus the national-identity claims:
// id_number (with the openid scope) and name/birthdate/gender (profile).
type vneidStorage struct {
	*storage.Storage
	profiles map[string]citizenProfile // by user ID
}

func (s *vneidStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	p, ok := s.profiles[req.GetSubject()]
	if !ok {
		return nil
	}
	for _, scope := range scopes {
		switch scope {
		case zoidc.ScopeOpenID:
			if p.IDNumber != "" {
				ui.AppendClaims("id_number", p.IDNumber)
			}
		case zoidc.ScopeProfile:
			ui.Name, ui.GivenName, ui.FamilyName = p.FullName, p.GivenName, p.FamilyName
			ui.Birthdate, ui.Gender = p.BirthDate, zoidc.Gender(p.Gender)
		}
	}
	return nil
}

// GetClientByClientID makes the provider put the profile/email/phone claims
// into the ID token even though an access token is issued too (the national
// service's behaviour this client relies on).
func (s *vneidStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsInIDTokenClient{c}, nil
}

type claimsInIDTokenClient struct{ op.Client }

func (claimsInIDTokenClient) IDTokenUserinfoClaimsAssertion() bool { return true }

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập</title></head><body>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input name="username"><input type="password" name="password">
<button type="submit">Đăng nhập</button>
</form></body></html>`))

type testProvider struct {
	issuer      string
	redirectURL string
}

func startProvider(t *testing.T) *testProvider {
	t.Helper()

	// The relying party's callback: it only acknowledges; the test reads code
	// and state from the URL the browser ended on.
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth/callback" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "callback received")
	}))
	t.Cleanup(rp.Close)
	redirectURL := rp.URL + "/auth/callback"

	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	issuer := srv.URL

	users := testUsers{
		"u-an": {
			ID: "u-an", Username: citizenUsername, Password: testPassword,
			FirstName: "An", LastName: "Nguyễn Văn",
			Email: "an.nguyen@example.vn", EmailVerified: true,
			Phone: "+84901234567", PhoneVerified: true,
		},
		"u-noid": {
			ID: "u-noid", Username: noIDUsername, Password: testPassword,
			FirstName: "John", LastName: "Doe", Email: "john@example.com",
		},
	}
	client := storage.WebClient(testClientID, testClientSecret, redirectURL)
	st := &vneidStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{testClientID: client}),
		profiles: map[string]citizenProfile{
			"u-an": {
				IDNumber: "001090012345", FullName: "Nguyễn Văn An",
				GivenName: "An", FamilyName: "Nguyễn",
				BirthDate: "1990-05-12", Gender: "male",
			},
			"u-noid": {FullName: "John Doe", BirthDate: "1985-01-01"},
		},
	}

	cfg := &op.Config{CodeMethodS256: true, AuthMethodPost: true}
	if _, err := rand.Read(cfg.CryptoKey[:]); err != nil {
		t.Fatal(err)
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("op.NewProvider: %v", err)
	}
	callback := op.AuthCallbackURL(provider)

	mux := http.NewServeMux()
	// storage.WebClient's LoginURL is /login/username?authRequestID=<id>.
	mux.HandleFunc("GET /login/username", func(w http.ResponseWriter, r *http.Request) {
		csrf := randomString(t)
		http.SetCookie(w, &http.Cookie{Name: "login_csrf", Value: csrf, Path: "/login", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		loginPage.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID"), "CSRF": csrf})
	})
	mux.Handle("POST /login/username", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			id := r.PostFormValue("id")
			c, err := r.Cookie("login_csrf")
			if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
				http.Error(w, "bad login form", http.StatusForbidden)
				return
			}
			if err := st.CheckUsernamePassword(r.PostFormValue("username"), r.PostFormValue("password"), id); err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				loginPage.Execute(w, map[string]string{"ID": id, "CSRF": c.Value, "Error": err.Error()})
				return
			}
			http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
		}))
	mux.Handle("/", provider)
	handler = mux

	return &testProvider{issuer: issuer, redirectURL: redirectURL}
}

func randomString(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

var (
	reFormID   = regexp.MustCompile(`name="id" value="([^"]*)"`)
	reFormCSRF = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	reAction   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
)

// browserLogin plays the user's browser: it opens authURL, follows the
// provider's redirect to its login page, submits the credentials and follows
// the redirects back to the relying party. It returns the callback URL.
func browserLogin(t *testing.T, authURL, username, password string) *url.URL {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}

	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("GET authorization URL: %v", err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/username" {
		t.Fatalf("authorization request ended at %s (%d), want the login page:\n%s", resp.Request.URL, resp.StatusCode, page)
	}
	form := func(re *regexp.Regexp) string {
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("login page lacks %s:\n%s", re, page)
		}
		return m[1]
	}
	action, err := resp.Request.URL.Parse(form(reAction))
	if err != nil {
		t.Fatal(err)
	}
	values := url.Values{
		"id": {form(reFormID)}, "csrf": {form(reFormCSRF)},
		"username": {username}, "password": {password},
	}

	resp, err = browser.PostForm(action.String(), values)
	if err != nil {
		t.Fatalf("POST login form: %v", err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return resp.Request.URL
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type loginResult struct {
	st    identity.OIDCState
	state string
	code  string
}

// login runs Start and the browser part of the flow for username.
func login(t *testing.T, rp *identity.OIDC, p *testProvider, username string) loginResult {
	t.Helper()
	authURL, st, err := rp.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	cb := browserLogin(t, authURL, username, testPassword)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != p.redirectURL {
		t.Fatalf("browser ended at %s, want the redirect URL %s", cb, p.redirectURL)
	}
	q := cb.Query()
	if q.Get("error") != "" || q.Get("code") == "" {
		t.Fatalf("callback without code: %s", cb.RawQuery)
	}
	return loginResult{st: st, state: q.Get("state"), code: q.Get("code")}
}

func newRP(t *testing.T, p *testProvider) *identity.OIDC {
	t.Helper()
	rp, err := identity.NewOIDC(t.Context(), identity.OIDCConfig{
		Issuer:       p.issuer,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURL:  p.redirectURL,
		Scopes:       []string{"openid", "profile", "email", "phone"},
	})
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	return rp
}

func finishCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOIDCCodeFlowPKCE(t *testing.T) {
	p := startProvider(t)
	rp := newRP(t, p)

	authURL, st, err := rp.Start()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"response_type":         "code",
		"client_id":             testClientID,
		"redirect_uri":          p.redirectURL,
		"state":                 st.State,
		"nonce":                 st.Nonce,
		"code_challenge_method": "S256",
		"code_challenge":        oauth2.S256ChallengeFromVerifier(st.Verifier),
	} {
		if got := q.Get(k); got != want {
			t.Errorf("auth URL %s = %q, want %q", k, got, want)
		}
	}
	if strings.Contains(authURL, st.Verifier) {
		t.Error("auth URL leaks the PKCE verifier")
	}
	for name, v := range map[string]string{"state": st.State, "nonce": st.Nonce, "verifier": st.Verifier} {
		if len(v) != 43 {
			t.Errorf("%s %q: want 32 random bytes in base64url (43 chars)", name, v)
		}
	}
	if _, st2, _ := rp.Start(); st2 == st || st2.State == st.State {
		t.Error("Start returned the same values twice")
	}

	// A wrong password leaves the user on the login page.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	action, _ := resp.Request.URL.Parse("/login/username")
	resp, err = browser.PostForm(action.String(), url.Values{
		"id": {reFormID.FindStringSubmatch(page)[1]}, "csrf": {reFormCSRF.FindStringSubmatch(page)[1]},
		"username": {citizenUsername}, "password": {"wrong"},
	})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || resp.Request.URL.Query().Get("code") != "" {
		t.Fatalf("wrong password: status %d at %s, want 401 on the login page", resp.StatusCode, resp.Request.URL)
	}

	// The real login, same authorization request.
	cb := browserLogin(t, authURL, citizenUsername, testPassword)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != p.redirectURL {
		t.Fatalf("browser ended at %s, want %s", cb, p.redirectURL)
	}
	if cb.Query().Get("state") != st.State {
		t.Fatalf("callback state %q, want %q", cb.Query().Get("state"), st.State)
	}
	code := cb.Query().Get("code")

	claims, err := rp.Finish(finishCtx(t), st, cb.Query().Get("state"), code)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want := identity.Claims{
		Subject:       "u-an",
		IDNumber:      "001090012345",
		FullName:      "Nguyễn Văn An",
		Email:         "an.nguyen@example.vn",
		EmailVerified: true,
		Phone:         "+84901234567",
		BirthDate:     "1990-05-12",
		Gender:        "male",
	}
	if claims != want {
		t.Fatalf("claims\n got %+v\nwant %+v", claims, want)
	}

	// The code is single-use.
	if _, err := rp.Finish(finishCtx(t), st, st.State, code); err == nil {
		t.Fatal("replayed code accepted")
	} else {
		t.Logf("replayed code: %v", err)
	}
}

func TestOIDCFinishRejects(t *testing.T) {
	p := startProvider(t)
	rp := newRP(t, p)

	t.Run("wrong state", func(t *testing.T) {
		l := login(t, rp, p, citizenUsername)
		for _, got := range []string{"", "forged", l.st.State + "x"} {
			if _, err := rp.Finish(finishCtx(t), l.st, got, l.code); err == nil || !strings.Contains(err.Error(), "state") {
				t.Errorf("state %q: err = %v, want a state mismatch", got, err)
			}
		}
		// Another login's state (login CSRF / mix-up) is refused too.
		other := login(t, rp, p, citizenUsername)
		if _, err := rp.Finish(finishCtx(t), l.st, other.state, other.code); err == nil || !strings.Contains(err.Error(), "state") {
			t.Errorf("other login's state: err = %v, want a state mismatch", err)
		}
		if _, err := rp.Finish(finishCtx(t), identity.OIDCState{}, "", l.code); err == nil {
			t.Error("empty OIDCState accepted")
		}
	})

	t.Run("tampered and replayed code", func(t *testing.T) {
		l := login(t, rp, p, citizenUsername)
		last := l.code[len(l.code)-1]
		flip := byte('A')
		if last == 'A' {
			flip = 'B'
		}
		for _, bad := range []string{l.code[:len(l.code)-1] + string(flip), "x" + l.code, ""} {
			if _, err := rp.Finish(finishCtx(t), l.st, l.state, bad); err == nil {
				t.Errorf("tampered code %q accepted", bad)
			}
		}
		if _, err := rp.Finish(finishCtx(t), l.st, l.state, l.code); err != nil {
			t.Fatalf("genuine code after tampered attempts: %v", err)
		}
		_, err := rp.Finish(finishCtx(t), l.st, l.state, l.code)
		if err == nil || !strings.Contains(err.Error(), "exchange") {
			t.Fatalf("replayed code: err = %v, want the token endpoint to refuse it", err)
		}
	})

	t.Run("PKCE enforced", func(t *testing.T) {
		l := login(t, rp, p, citizenUsername)
		wrong := l.st
		wrong.Verifier = randomString(t)
		_, err := rp.Finish(finishCtx(t), wrong, l.state, l.code)
		if err == nil || !strings.Contains(err.Error(), "invalid code_verifier") {
			t.Fatalf("wrong verifier: err = %v, want the token endpoint to refuse the verifier", err)
		}
		// Another login's verifier is refused too; only the right one redeems the code.
		other := login(t, rp, p, citizenUsername)
		wrong.Verifier = other.st.Verifier
		if _, err := rp.Finish(finishCtx(t), wrong, l.state, l.code); err == nil {
			t.Fatal("another login's verifier accepted")
		}
		if _, err := rp.Finish(finishCtx(t), l.st, l.state, l.code); err != nil {
			t.Fatalf("right verifier: %v", err)
		}
	})

	t.Run("nonce mismatch", func(t *testing.T) {
		l := login(t, rp, p, citizenUsername)
		wrong := l.st
		wrong.Nonce = randomString(t)
		_, err := rp.Finish(finishCtx(t), wrong, l.state, l.code)
		if err == nil || !strings.Contains(err.Error(), "nonce") {
			t.Fatalf("nonce mismatch: err = %v, want a nonce error", err)
		}
	})

	t.Run("missing id number", func(t *testing.T) {
		l := login(t, rp, p, noIDUsername)
		_, err := rp.Finish(finishCtx(t), l.st, l.state, l.code)
		if err == nil || !strings.Contains(err.Error(), `no "id_number" claim`) {
			t.Fatalf("user without ID number: err = %v, want a missing id_number claim error", err)
		}
	})

	t.Run("custom id number claim", func(t *testing.T) {
		rp2, err := identity.NewOIDC(t.Context(), identity.OIDCConfig{
			Issuer: p.issuer, ClientID: testClientID, ClientSecret: testClientSecret,
			RedirectURL: p.redirectURL, IDNumberClaim: "so_dinh_danh",
		})
		if err != nil {
			t.Fatal(err)
		}
		l := login(t, rp2, p, citizenUsername)
		if _, err := rp2.Finish(finishCtx(t), l.st, l.state, l.code); err == nil || !strings.Contains(err.Error(), `"so_dinh_danh"`) {
			t.Fatalf("err = %v, want the configured claim reported missing", err)
		}
	})
}

func TestOIDCNewOIDCErrors(t *testing.T) {
	if _, err := identity.NewOIDC(t.Context(), identity.OIDCConfig{ClientID: "c", RedirectURL: "http://127.0.0.1/cb"}); err == nil {
		t.Error("missing issuer accepted")
	}
	p := startProvider(t)
	// Discovery must report exactly the configured issuer.
	if _, err := identity.NewOIDC(t.Context(), identity.OIDCConfig{
		Issuer: p.issuer + "/", ClientID: testClientID, RedirectURL: p.redirectURL,
	}); err == nil {
		t.Error("issuer mismatch at discovery accepted")
	}
}
