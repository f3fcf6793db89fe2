package identity_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidctest"
)

// The test provider is a real OpenID provider (identity/oidctest: zitadel/oidc's
// op package over the in-memory storage of its example server) on
// 127.0.0.1, with a tiny username/password login page of its own; the
// relying party's redirect URL is another local server.

const (
	testClientID     = oidctest.ClientID
	testClientSecret = oidctest.ClientSecret
	testPassword     = "mat-khau-an-toan"
	citizenUsername  = "001090012345"
	noIDUsername     = "foreigner-01"
)

type testProvider struct {
	*oidctest.Provider
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

	p := oidctest.Start(t,
		oidctest.User{
			Subject: "u-an", Username: citizenUsername, Password: testPassword,
			IDNumber: "001090012345", Name: "Nguyễn Văn An",
			Email: "an.nguyen@example.vn", EmailVerified: true,
			Phone: "+84901234567", BirthDate: "1990-05-12", Gender: "male",
		},
		oidctest.User{
			Subject: "u-noid", Username: noIDUsername, Password: testPassword,
			Name: "John Doe", Email: "john@example.com", BirthDate: "1985-01-01",
		},
	)
	p.AddRedirectURI(redirectURL)
	return &testProvider{Provider: p, issuer: p.Issuer, redirectURL: redirectURL}
}

func randomString(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// browserLogin plays the user's browser: it opens authURL, follows the
// provider's redirect to its login page, submits the credentials and follows
// the redirects back to the relying party. It returns the callback URL.
func browserLogin(t *testing.T, p *testProvider, authURL, username, password string) *url.URL {
	t.Helper()
	resp := p.Login(t, oidctest.NewBrowser(t), authURL, username, password)
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("login ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return resp.Request.URL
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
	cb := browserLogin(t, p, authURL, username, testPassword)
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
	resp := p.Login(t, oidctest.NewBrowser(t), authURL, citizenUsername, "wrong")
	if resp.StatusCode != http.StatusUnauthorized || resp.Request.URL.Query().Get("code") != "" || resp.Request.URL.Path != oidctest.LoginPath {
		t.Fatalf("wrong password: status %d at %s, want 401 on the login page", resp.StatusCode, resp.Request.URL)
	}

	// The real login, same authorization request.
	cb := browserLogin(t, p, authURL, citizenUsername, testPassword)
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
	// The access token is the provider's to choose; it must be there, for
	// the documents that follow the citizen (web's federation documents).
	if claims.AccessToken == "" {
		t.Error("no access token with the claims")
	}
	claims.AccessToken = ""
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
