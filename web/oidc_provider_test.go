package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidcop"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
	"github.com/egov-vn/egov/web"
)

// TestOIDCProviderSignsInAConnectedPortal runs a portal's relying party
// (identity.OIDC) against this instance's OpenID provider: the citizen
// signs in on the national portal's page, and the portal gets an ID token
// with their ID number and name; the code works once; an unknown redirect
// URI and a request without PKCE are refused.
func TestOIDCProviderSignsInAConnectedPortal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat, ids := services(t, db)
		ts := httptest.NewUnstartedServer(nil)
		issuer := "http://" + ts.Listener.Addr().String() + oidcop.Prefix
		idp, err := oidcop.New(ctx, db, ids, oidcop.Config{Issuer: issuer})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := web.NewServer(web.Config{DB: db, Catalog: cat, Identity: ids, OIDCProvider: idp})
		if err != nil {
			t.Fatal(err)
		}
		ts.Config.Handler = srv
		ts.Start()
		defer ts.Close()
		if _, err := ids.RegisterCitizen(ctx, identity.CitizenRegistration{IDNumber: "001090012345", FullName: "Nguyễn Văn An",
			DateOfBirth: "1990-05-12", Sex: "male", Phone: "0912345678", Email: "an@example.vn", Password: "mật khẩu thử nghiệm dài"},
			identity.Request{}); err != nil {
			t.Fatal(err)
		}
		admin := &identity.Account{Kind: identity.KindOfficial, Roles: []identity.Role{identity.RoleSystemAdmin}}
		const callback = "https://portal.example.vn/dang-nhap/vneid/callback"
		if _, _, err := idp.AddClient(ctx, nil, "x", []string{callback}, identity.Request{}); err == nil {
			t.Fatal("a client added by nobody")
		}
		id, secret, err := idp.AddClient(ctx, admin, "Cổng Hà Nội", []string{callback}, identity.Request{})
		if err != nil {
			t.Fatal(err)
		}
		rp, err := identity.NewOIDC(ctx, identity.OIDCConfig{Issuer: issuer, ClientID: id, ClientSecret: secret, RedirectURL: callback})
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), callback) {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		authURL, st, err := rp.Start()
		if err != nil {
			t.Fatal(err)
		}
		res, err := browser.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Request.URL.Path != "/dang-nhap" || !strings.HasPrefix(res.Request.URL.Query().Get("next"), oidcop.LoginPath) {
			t.Fatalf("authorize ended at %s (%d), want the sign-in page", res.Request.URL, res.StatusCode)
		}
		res, err = browser.PostForm(ts.URL+"/dang-nhap", url.Values{"username": {"001090012345"}, "password": {"mật khẩu thử nghiệm dài"},
			"next": {res.Request.URL.Query().Get("next")}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := res.Location()
		if err != nil || !strings.HasPrefix(loc.String(), callback) {
			t.Fatalf("after sign-in: %d %v %v", res.StatusCode, loc, err)
		}
		claims, err := rp.Finish(ctx, st, loc.Query().Get("state"), loc.Query().Get("code"))
		if err != nil {
			t.Fatalf("finish: %v", err)
		}
		if claims.IDNumber != "001090012345" || claims.FullName != "Nguyễn Văn An" || claims.Email != "an@example.vn" || claims.BirthDate != "1990-05-12" {
			t.Errorf("claims: %+v", claims)
		}
		if _, err := rp.Finish(ctx, st, loc.Query().Get("state"), loc.Query().Get("code")); err == nil {
			t.Error("the code worked twice")
		}
		// A redirect URI that is not the client's, and no PKCE.
		for _, bad := range []string{
			strings.Replace(authURL, url.QueryEscape(callback), url.QueryEscape("https://evil.example/cb"), 1),
			regexpRemove(authURL, "code_challenge"),
		} {
			res, err := browser.Get(bad)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc, _ := res.Location(); res.StatusCode == http.StatusFound && loc != nil && strings.Contains(loc.RawQuery, "code=") {
				t.Errorf("%s gave a code: %s", bad, loc)
			}
			if res.Request.URL.Path == "/dang-nhap" {
				t.Errorf("%s reached the sign-in page", bad)
			}
		}
	})
}

// regexpRemove drops the query parameters of u whose name starts with name.
func regexpRemove(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		panic(errors.New("bad URL"))
	}
	q := p.Query()
	for k := range q {
		if strings.HasPrefix(k, name) {
			q.Del(k)
		}
	}
	p.RawQuery = q.Encode()
	return p.String()
}
