package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidctest"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// The people the test provider knows. Their password there is ssoPassword.
const ssoPassword = "mat-khau-vneid"

var (
	ssoAn = oidctest.User{
		Username: "001090012345", Password: ssoPassword, Subject: "vneid-an",
		IDNumber: "001090012345", Name: "Nguyễn Văn An",
		Email: "An.Nguyen@Example.vn", EmailVerified: true,
		Phone: "+84901234567", BirthDate: "1990-05-12", Gender: "male",
	}
	ssoBinh = oidctest.User{
		Username: "079195012346", Password: ssoPassword, Subject: "vneid-binh",
		IDNumber: "079195012346", Name: "Trần Thị Bình",
		Email: "binh.tran@example.vn", EmailVerified: false, BirthDate: "1995-01-02", Gender: "female",
	}
	ssoCuong = oidctest.User{
		Username: "001090099999", Password: ssoPassword, Subject: "vneid-cuong",
		IDNumber: "001090099999", Name: "Lê Văn Cường",
	}
	ssoNoID = oidctest.User{
		Username: "foreigner-01", Password: ssoPassword, Subject: "vneid-noid",
		Name: "John Doe", Email: "john@example.com",
	}
)

// ssoWorld is the real server with single sign-on through a real provider.
type ssoWorld struct {
	ts  *httptest.Server
	db  *store.DB
	ids *identity.Service
	idp *oidctest.Provider
}

func newSSOWorld(t *testing.T, db *store.DB) *ssoWorld {
	t.Helper()
	ctx := context.Background()
	cat, ids := services(t, db)

	// The relying party's redirect URL is known only once its server
	// listens, and the server needs the OIDC client: the listener comes
	// first, with a handler set below.
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	redirectURL := ts.URL + "/dang-nhap/vneid/callback"

	idp := oidctest.Start(t, ssoAn, ssoBinh, ssoCuong, ssoNoID)
	idp.AddRedirectURI(redirectURL)
	rp, err := identity.NewOIDC(ctx, identity.OIDCConfig{
		Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, RedirectURL: redirectURL,
	})
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Identity: ids, OIDC: rp, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	handler = srv
	return &ssoWorld{ts: ts, db: db, ids: ids, idp: idp}
}

func (w *ssoWorld) accounts(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// account returns the account whose username is idNumber and its
// oidc_subject.
func (w *ssoWorld) account(t *testing.T, idNumber string) (identity.Account, string) {
	t.Helper()
	var id int64
	var sub *string
	if err := w.db.QueryRow(`SELECT id, oidc_subject FROM accounts WHERE username = $1`, idNumber).Scan(&id, &sub); err != nil {
		t.Fatalf("account %s: %v", idNumber, err)
	}
	a, err := w.ids.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if sub == nil {
		return a, ""
	}
	return a, *sub
}

// sessionAccount returns the account of the browser's session cookie.
func (w *ssoWorld) sessionAccount(t *testing.T, browser *http.Client) identity.Account {
	t.Helper()
	c := jarCookie(t, browser, w.ts.URL, "egov_session")
	if c == nil {
		t.Fatal("the browser has no session cookie")
	}
	a, err := w.ids.Authenticate(context.Background(), c.Value, identity.SessionWeb)
	if err != nil {
		t.Fatalf("session cookie: %v", err)
	}
	return a
}

func jarCookie(t *testing.T, browser *http.Client, rawURL, name string) *http.Cookie {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range browser.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signIn runs the whole single sign-on in browser, from /dang-nhap/vneid
// with next, and returns where the browser ended and the page there.
func (w *ssoWorld) signIn(t *testing.T, browser *http.Client, next string, u oidctest.User) (*http.Response, string) {
	t.Helper()
	resp := w.idp.Login(t, browser, w.ts.URL+"/dang-nhap/vneid?next="+url.QueryEscape(next), u.Username, u.Password)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// toCallback runs the sign-on in browser up to the provider's redirect to
// the callback, which it returns unfollowed.
func (w *ssoWorld) toCallback(t *testing.T, browser *http.Client, next string, u oidctest.User) *url.URL {
	t.Helper()
	return w.idp.LoginToCallback(t, browser, w.ts.URL+"/dang-nhap/vneid?next="+url.QueryEscape(next), u.Username, u.Password)
}

// noFollow is browser (same cookies) without following redirects.
func noFollow(browser *http.Client) *http.Client {
	return &http.Client{Jar: browser.Jar, Timeout: browser.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// roundTrip is one request of browser, with its cookies, whatever the
// answer's Location (which Go's client would refuse to parse when it holds
// control characters).
func roundTrip(t *testing.T, browser *http.Client, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range browser.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func setsSession(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "egov_session") && c.Value != "" {
			return true
		}
	}
	return false
}

func TestOIDCSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newSSOWorld(t, db)
		ctx := context.Background()
		before := w.accounts(t)

		var an identity.Account
		t.Run("first sign-in creates the citizen", func(t *testing.T) {
			browser := oidctest.NewBrowser(t)
			resp, page := w.signIn(t, browser, "/tai-khoan", ssoAn)
			if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != w.ts.URL+"/tai-khoan" {
				t.Fatalf("ended at %s with %d, want %s/tai-khoan with 200:\n%s", resp.Request.URL, resp.StatusCode, w.ts.URL, page)
			}
			for _, want := range []string{"Nguyễn Văn An", "001090012345"} {
				if !strings.Contains(page, want) {
					t.Errorf("account page lacks %q", want)
				}
			}
			if n := w.accounts(t); n != before+1 {
				t.Fatalf("%d accounts after the first sign-in, want %d", n, before+1)
			}
			var sub string
			an, sub = w.account(t, "001090012345")
			if an.Kind != identity.KindCitizen || an.FullName != "Nguyễn Văn An" || !an.EmailVerified || an.Email != "an.nguyen@example.vn" ||
				an.Phone != "0901234567" || an.DateOfBirth != "1990-05-12" || an.Sex != identity.SexMale || an.Disabled || sub != ssoAn.Subject {
				t.Errorf("account from the claims = %+v, oidc_subject %q", an, sub)
			}
			if got := w.sessionAccount(t, browser); got.ID != an.ID {
				t.Errorf("session of account %d, want %d", got.ID, an.ID)
			}
			if c := jarCookie(t, browser, w.ts.URL+"/dang-nhap/vneid/callback", "egov_oidc"); c != nil {
				t.Errorf("the sign-in cookie outlives the callback: %v", c)
			}
			// Such an account has no password: only single sign-on opens it.
			if _, _, err := w.ids.SignIn(ctx, "001090012345", "", identity.SessionWeb, identity.Request{IP: "127.0.0.1"}); err == nil {
				t.Error("password sign-in with an empty password accepted")
			}
		})
		if an.ID == 0 {
			t.FailNow()
		}

		t.Run("second sign-in reuses the account", func(t *testing.T) {
			browser := oidctest.NewBrowser(t)
			resp, page := w.signIn(t, browser, "/tai-khoan", ssoAn)
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/tai-khoan" || !strings.Contains(page, "Nguyễn Văn An") {
				t.Fatalf("ended at %s with %d", resp.Request.URL, resp.StatusCode)
			}
			if n := w.accounts(t); n != before+1 {
				t.Errorf("%d accounts after the second sign-in, want %d", n, before+1)
			}
			if got := w.sessionAccount(t, browser); got.ID != an.ID {
				t.Errorf("second sign-in opened account %d, want %d", got.ID, an.ID)
			}
		})

		t.Run("registered citizen is matched", func(t *testing.T) {
			reg, err := w.ids.RegisterCitizen(ctx, identity.CitizenRegistration{IDNumber: "079195012346", FullName: "Trần Thị Bình",
				DateOfBirth: "1995-01-02", Sex: "female", Phone: "0987654321", Email: "binh@example.vn", Password: pw}, identity.Request{IP: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			n := w.accounts(t)
			browser := oidctest.NewBrowser(t)
			resp, page := w.signIn(t, browser, "/tai-khoan", ssoBinh)
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/tai-khoan" || !strings.Contains(page, "Trần Thị Bình") || !strings.Contains(page, "079195012346") {
				t.Fatalf("ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, page)
			}
			if got := w.accounts(t); got != n {
				t.Errorf("%d accounts after signing in a registered citizen, want %d", got, n)
			}
			if got := w.sessionAccount(t, browser); got.ID != reg.ID {
				t.Errorf("signed in as account %d, want the registered %d", got.ID, reg.ID)
			}
			a, sub := w.account(t, "079195012346")
			if a.ID != reg.ID || a.Email != "binh@example.vn" || sub != ssoBinh.Subject {
				t.Errorf("registered account after single sign-on = %+v, oidc_subject %q", a, sub)
			}
			// The password still works.
			if _, _, err := w.ids.SignIn(ctx, "079195012346", pw, identity.SessionWeb, identity.Request{IP: "127.0.0.1"}); err != nil {
				t.Errorf("password sign-in after single sign-on: %v", err)
			}
		})

		t.Run("callback sets the session cookie and redirects", func(t *testing.T) {
			browser := oidctest.NewBrowser(t)
			cb := w.toCallback(t, browser, "/tai-khoan", ssoAn)
			if got := cb.Scheme + "://" + cb.Host + cb.Path; got != w.ts.URL+"/dang-nhap/vneid/callback" {
				t.Fatalf("provider sent the browser to %s", cb)
			}
			resp, body := get(t, noFollow(browser), cb.String())
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tai-khoan" {
				t.Fatalf("callback: %d to %q, want 303 to /tai-khoan:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			var session, clear string
			for _, h := range resp.Header.Values("Set-Cookie") {
				switch {
				case strings.HasPrefix(h, "egov_session="):
					session = h
				case strings.HasPrefix(h, "egov_oidc="):
					clear = h
				}
			}
			if session == "" || strings.HasPrefix(session, "egov_session=;") {
				t.Fatalf("callback sets no session cookie: %q", resp.Header.Values("Set-Cookie"))
			}
			for _, want := range []string{"; HttpOnly", "; SameSite=Lax", "; Path=/"} {
				if !strings.Contains(session, want) {
					t.Errorf("session cookie %q lacks %q", session, want)
				}
			}
			if !strings.Contains(clear, "Max-Age=0") {
				t.Errorf("callback does not clear the sign-in cookie: %q", clear)
			}
			if got := w.sessionAccount(t, browser); got.ID != an.ID {
				t.Errorf("session of account %d, want %d", got.ID, an.ID)
			}
			// The code is spent and the sign-in cookie gone: replaying the
			// callback opens nothing.
			resp, _ = get(t, noFollow(browser), cb.String())
			if resp.StatusCode != http.StatusBadRequest || setsSession(resp) {
				t.Errorf("replayed callback: %d, session cookie set: %v", resp.StatusCode, setsSession(resp))
			}
		})

		t.Run("refused callbacks", func(t *testing.T) {
			n := w.accounts(t)
			refused := func(t *testing.T, c *http.Client, u string, msg string) string {
				t.Helper()
				resp, page := get(t, c, u)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("status %d, want 400:\n%s", resp.StatusCode, page)
				}
				if !strings.Contains(page, msg) {
					t.Errorf("page lacks %q:\n%s", msg, page)
				}
				if setsSession(resp) {
					t.Errorf("session cookie set: %q", resp.Header.Values("Set-Cookie"))
				}
				if c.Jar != nil && jarCookie(t, c, w.ts.URL, "egov_session") != nil {
					t.Error("the browser holds a session cookie")
				}
				return page
			}
			const (
				expired  = "Phiên đăng nhập bằng định danh điện tử đã hết hạn"
				failed   = "Không xác thực được với nhà cung cấp định danh"
				declined = "Nhà cung cấp định danh từ chối đăng nhập"
			)

			t.Run("forged state", func(t *testing.T) {
				browser := oidctest.NewBrowser(t)
				cb := w.toCallback(t, browser, "/tai-khoan", ssoAn)
				q := cb.Query()
				q.Set("state", "forged")
				forged := *cb
				forged.RawQuery = q.Encode()
				refused(t, noFollow(browser), forged.String(), failed)
			})

			t.Run("another login's state", func(t *testing.T) {
				victim, attacker := oidctest.NewBrowser(t), oidctest.NewBrowser(t)
				get(t, noFollow(victim), w.ts.URL+"/dang-nhap/vneid?next=/tai-khoan") // the victim's sign-in in progress
				cb := w.toCallback(t, attacker, "/tai-khoan", ssoAn)                  // the attacker's code and state
				refused(t, noFollow(victim), cb.String(), failed)
			})

			t.Run("without the sign-in cookie", func(t *testing.T) {
				browser := oidctest.NewBrowser(t)
				cb := w.toCallback(t, browser, "/tai-khoan", ssoAn)
				refused(t, &http.Client{CheckRedirect: noFollow(browser).CheckRedirect}, cb.String(), expired)
				// The browser that started the sign-in still finishes it.
				resp, _ := get(t, noFollow(browser), cb.String())
				if resp.StatusCode != http.StatusSeeOther || !setsSession(resp) {
					t.Errorf("genuine callback after a cookieless one: %d", resp.StatusCode)
				}
			})

			t.Run("tampered sign-in cookie", func(t *testing.T) {
				browser := oidctest.NewBrowser(t)
				cb := w.toCallback(t, browser, "/tai-khoan", ssoAn)
				u, _ := url.Parse(w.ts.URL + "/dang-nhap/vneid/callback")
				browser.Jar.SetCookies(u, []*http.Cookie{{Name: "egov_oidc", Value: "e30", Path: "/dang-nhap/vneid"}}) // "{}"
				refused(t, noFollow(browser), cb.String(), failed)
				browser.Jar.SetCookies(u, []*http.Cookie{{Name: "egov_oidc", Value: "!!!", Path: "/dang-nhap/vneid"}})
				refused(t, noFollow(browser), cb.String(), expired)
			})

			t.Run("access denied", func(t *testing.T) {
				browser := oidctest.NewBrowser(t)
				resp, _ := get(t, noFollow(browser), w.ts.URL+"/dang-nhap/vneid?next=/tai-khoan")
				loc, err := resp.Location()
				if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), w.idp.Issuer+"/") {
					t.Fatalf("start: %d to %v, want 302 to the provider", resp.StatusCode, loc)
				}
				if c := jarCookie(t, browser, w.ts.URL+"/dang-nhap/vneid/callback", "egov_oidc"); c == nil {
					t.Fatal("start sets no sign-in cookie")
				}
				refused(t, noFollow(browser), w.ts.URL+"/dang-nhap/vneid/callback?error=access_denied&state="+url.QueryEscape(loc.Query().Get("state")), declined)

				// The error parameter is not a way to put text on the portal.
				get(t, noFollow(browser), w.ts.URL+"/dang-nhap/vneid?next=/tai-khoan")
				spoof := "Tài khoản bị khóa, gọi 0900000000"
				page := refused(t, noFollow(browser), w.ts.URL+"/dang-nhap/vneid/callback?error="+url.QueryEscape(spoof), declined)
				if strings.Contains(page, "bị khóa") { // (the layout's language link carries it URL-encoded)
					t.Error("the error parameter's text is shown")
				}
			})

			t.Run("no ID number", func(t *testing.T) {
				browser := oidctest.NewBrowser(t)
				cb := w.toCallback(t, browser, "/tai-khoan", ssoNoID)
				refused(t, noFollow(browser), cb.String(), failed)
			})

			if got := w.accounts(t); got != n {
				t.Errorf("%d accounts after refused callbacks, want %d", got, n)
			}
		})

		t.Run("subject bound to another account", func(t *testing.T) {
			// The provider's subject already opens another citizen account
			// (the person's ID number changed there, say): refused with a
			// message, not a database error.
			other, err := w.ids.RegisterCitizen(ctx, identity.CitizenRegistration{IDNumber: "001090077777", FullName: "Lê Văn Cường",
				DateOfBirth: "1990-01-01", Sex: "male", Phone: "0912000777", Email: "cuong@example.vn", Password: pw}, identity.Request{IP: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.db.Exec(`UPDATE accounts SET oidc_subject = $1 WHERE id = $2`, ssoCuong.Subject, other.ID); err != nil {
				t.Fatal(err)
			}
			n := w.accounts(t)
			browser := oidctest.NewBrowser(t)
			resp, page := w.signIn(t, browser, "/tai-khoan", ssoCuong)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "đã gắn với một tài khoản khác") {
				t.Errorf("ended at %s with %d, want 403 with a message:\n%s", resp.Request.URL, resp.StatusCode, page)
			}
			if jarCookie(t, browser, w.ts.URL, "egov_session") != nil {
				t.Error("the browser holds a session cookie")
			}
			if got := w.accounts(t); got != n {
				t.Errorf("%d accounts, want %d", got, n)
			}
			// Claims without a subject are stored without one, and a second
			// such citizen is no clash.
			for _, c := range []identity.Claims{{IDNumber: "001090066661", FullName: "Phạm Thị Dung"}, {IDNumber: "001090066662", FullName: "Phạm Văn Em"}} {
				if _, a, err := w.ids.SignInWithClaims(ctx, c, identity.Request{IP: "127.0.0.1"}); err != nil || a.Username != c.IDNumber {
					t.Errorf("claims without subject %+v: %+v, %v", c, a, err)
				}
			}
		})

		t.Run("next stays on the portal", func(t *testing.T) {
			for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "evil.example"} {
				browser := oidctest.NewBrowser(t)
				resp, page := w.signIn(t, browser, next, ssoAn)
				if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != w.ts.URL+"/" {
					t.Errorf("next=%q: ended at %s with %d, want %s/:\n%s", next, resp.Request.URL, resp.StatusCode, w.ts.URL, page)
				}
			}
			// Browsers drop tabs and newlines from URLs: "/\t/evil.example"
			// is "//evil.example" to them. Go's client refuses such a
			// Location, so look at it unfollowed.
			for _, next := range []string{"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\t\\evil.example"} {
				browser := oidctest.NewBrowser(t)
				cb := w.toCallback(t, browser, next, ssoAn)
				resp := roundTrip(t, browser, cb.String())
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
					t.Errorf("next=%q: %d to %q, want 303 to /", next, resp.StatusCode, loc)
				}
			}
			// A local next with a query is kept.
			browser := oidctest.NewBrowser(t)
			resp, _ := w.signIn(t, browser, "/thu-tuc?q=khai+sinh", ssoAn)
			if resp.Request.URL.String() != w.ts.URL+"/thu-tuc?q=khai+sinh" {
				t.Errorf("local next: ended at %s", resp.Request.URL)
			}
		})
	}, jobs.Migrate)
}
