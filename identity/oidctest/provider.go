// Package oidctest runs a real OpenID provider for tests: zitadel/oidc's op
// package over the in-memory storage of its example server, on 127.0.0.1,
// with a tiny username/password login page of its own and the national
// identity claims (id_number with the openid scope; name, birthdate and
// gender with profile) in the ID token.
//
// It is a normal (non-test) package so that the tests of other packages can
// import it; nothing in production code should.
package oidctest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The client registered at every Provider: a confidential web client.
const (
	ClientID     = "egov-portal"
	ClientSecret = "egov-portal-secret"
)

// LoginPath is the path of the provider's login page (the example storage's
// login URL): GET shows the form, POST checks the credentials.
const LoginPath = "/login/username"

// User is a person the provider knows.
type User struct {
	Username, Password string
	// Subject is the "sub" claim; empty means Username.
	Subject string
	// IDNumber is the 12-digit personal identification number, sent as the
	// id_number claim with the openid scope; empty sends no such claim.
	IDNumber string
	// Name is the full name, family name first ("Nguyễn Văn An"); its first
	// word is sent as family_name and its last as given_name.
	Name          string
	Email         string
	EmailVerified bool
	Phone         string // sent as phone_number, verified when not empty
	BirthDate     string // YYYY-MM-DD
	Gender        string // "male", "female", ...
}

// Provider is a running test provider. Its server stops at the end of the
// test that started it.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string

	mu           sync.Mutex
	redirectURIs []string
	users        map[string]User // by subject
}

// Start runs a provider with users and the client ClientID/ClientSecret,
// which has no redirect URI until AddRedirectURI registers one.
func Start(t testing.TB, users ...User) *Provider {
	t.Helper()

	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	p := &Provider{Issuer: srv.URL, ClientID: ClientID, ClientSecret: ClientSecret, users: map[string]User{}}
	for _, u := range users {
		if u.Subject == "" {
			u.Subject = u.Username
		}
		if _, dup := p.users[u.Subject]; dup {
			t.Fatalf("oidctest: two users with subject %q", u.Subject)
		}
		p.users[u.Subject] = u
	}

	// The client's redirect URIs are read from p at each request (see
	// client.RedirectURIs), so the list given here does not matter; it only
	// keeps WebClient from installing its default.
	st := &vneidStorage{
		Storage: storage.NewStorageWithClients(userStore{p},
			map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, "http://127.0.0.1/unused")}),
		p: p,
	}

	cfg := &op.Config{CodeMethodS256: true, AuthMethodPost: true}
	if _, err := rand.Read(cfg.CryptoKey[:]); err != nil {
		t.Fatal(err)
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("oidctest: op.NewProvider: %v", err)
	}
	callback := op.AuthCallbackURL(provider)

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LoginPath, func(w http.ResponseWriter, r *http.Request) {
		csrf := rand.Text()
		http.SetCookie(w, &http.Cookie{Name: "login_csrf", Value: csrf, Path: "/login", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		loginPage.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID"), "CSRF": csrf})
	})
	mux.Handle("POST "+LoginPath, op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(
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
	return p
}

// AddRedirectURI registers uri (exact match, as the provider compares them)
// as a redirect URI of the client.
func (p *Provider) AddRedirectURI(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.redirectURIs, uri) {
		p.redirectURIs = append(p.redirectURIs, uri)
	}
}

func (p *Provider) redirects() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.redirectURIs)
}

// isRedirectURI reports whether u, without its query, is a registered
// redirect URI.
func (p *Provider) isRedirectURI(u *url.URL) bool {
	bare := *u
	bare.RawQuery, bare.ForceQuery, bare.Fragment, bare.RawFragment = "", false, "", ""
	return slices.Contains(p.redirects(), bare.String())
}

func (p *Provider) user(subject string) (User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[subject]
	return u, ok
}

// NewBrowser returns an HTTP client with a cookie jar, following redirects,
// as Login and LoginToCallback need.
func NewBrowser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// Login plays the user's browser: client (which must have a cookie jar;
// nil means a new NewBrowser) opens startURL (the provider's authorization
// URL, or a relying-party page that redirects there), which must end on the
// provider's login page; the form is submitted with username and password,
// and the redirects are followed as client does: back to the relying party's
// callback and wherever it sends the browser. The answer's body has been
// read and is buffered, so the caller need not close it; resp.Request.URL is
// where the browser ended.
//
// Login does not judge that last answer: a wrong password, say, ends on the
// login page with 401.
func (p *Provider) Login(t testing.TB, client *http.Client, startURL, username, password string) *http.Response {
	t.Helper()
	return p.login(t, client, startURL, username, password, false)
}

// LoginToCallback is Login stopping at the relying party: the redirect to a
// registered redirect URI is not followed, and that URL (with its code and
// state, or error) is returned. It fails the test if the flow does not reach
// a registered redirect URI.
func (p *Provider) LoginToCallback(t testing.TB, client *http.Client, startURL, username, password string) *url.URL {
	t.Helper()
	resp := p.login(t, client, startURL, username, password, true)
	loc, err := resp.Location()
	if err != nil || !p.isRedirectURI(loc) {
		t.Fatalf("oidctest: login ended at %s (%d), not at a redirect URI of the client %q:\n%s",
			resp.Request.URL, resp.StatusCode, p.redirects(), readAll(t, resp))
	}
	return loc
}

func (p *Provider) login(t testing.TB, client *http.Client, startURL, username, password string, stop bool) *http.Response {
	t.Helper()
	if client == nil {
		client = NewBrowser(t)
	}
	if client.Jar == nil {
		t.Fatal("oidctest: the browser needs a cookie jar (the login form is protected by a cookie)")
	}
	if stop {
		c := *client
		next := client.CheckRedirect
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if p.isRedirectURI(req.URL) {
				return http.ErrUseLastResponse
			}
			if next != nil {
				return next(req, via)
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}
		client = &c
	}

	resp, err := client.Get(startURL)
	if err != nil {
		t.Fatalf("oidctest: GET %s: %v", startURL, err)
	}
	page := readAll(t, resp)
	issuer, _ := url.Parse(p.Issuer)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Host != issuer.Host || resp.Request.URL.Path != LoginPath {
		t.Fatalf("oidctest: %s ended at %s (%d), want the provider's login page:\n%s", startURL, resp.Request.URL, resp.StatusCode, page)
	}
	field := func(re *regexp.Regexp) string {
		t.Helper()
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("oidctest: login page lacks %s:\n%s", re, page)
		}
		return html.UnescapeString(m[1])
	}
	action, err := resp.Request.URL.Parse(field(reAction))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.PostForm(action.String(), url.Values{
		"id": {field(reFormID)}, "csrf": {field(reFormCSRF)},
		"username": {username}, "password": {password},
	})
	if err != nil {
		t.Fatalf("oidctest: POST login form: %v", err)
	}
	body := readAll(t, resp)
	resp.Body = io.NopCloser(strings.NewReader(body))
	return resp
}

var (
	reFormID   = regexp.MustCompile(`name="id" value="([^"]*)"`)
	reFormCSRF = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	reAction   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
)

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("oidctest: read %s: %v", resp.Request.URL, err)
	}
	return b.String()
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập</title></head><body>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input name="username"><input type="password" name="password">
<button type="submit">Đăng nhập</button>
</form></body></html>`))

// userStore is the example storage's view of p's users.
type userStore struct{ p *Provider }

func (s userStore) GetUserByID(id string) *storage.User {
	u, ok := s.p.user(id)
	if !ok {
		return nil
	}
	return exampleUser(u)
}

func (s userStore) GetUserByUsername(name string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	for _, u := range s.p.users {
		if u.Username == name {
			return exampleUser(u)
		}
	}
	return nil
}

func (userStore) ExampleClientID() string { return storage.ServiceUserID }

func exampleUser(u User) *storage.User {
	given, family := nameParts(u.Name)
	return &storage.User{
		ID: u.Subject, Username: u.Username, Password: u.Password,
		FirstName: given, LastName: family,
		Email: u.Email, EmailVerified: u.EmailVerified,
		Phone: u.Phone, PhoneVerified: u.Phone != "",
	}
}

// nameParts splits a Vietnamese full name into the given name (last word)
// and the family name (first word).
func nameParts(name string) (given, family string) {
	f := strings.Fields(name)
	if len(f) == 0 {
		return "", ""
	}
	return f[len(f)-1], f[0]
}

// vneidStorage is the example storage plus the national-identity claims and
// the provider's dynamic redirect URIs.
type vneidStorage struct {
	*storage.Storage
	p *Provider
}

func (s *vneidStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	u, ok := s.p.user(req.GetSubject())
	if !ok {
		return nil
	}
	for _, scope := range scopes {
		switch scope {
		case zoidc.ScopeOpenID:
			if u.IDNumber != "" {
				ui.AppendClaims("id_number", u.IDNumber)
			}
		case zoidc.ScopeProfile:
			ui.Name = u.Name
			ui.GivenName, ui.FamilyName = nameParts(u.Name)
			ui.Birthdate, ui.Gender = u.BirthDate, zoidc.Gender(u.Gender)
		}
	}
	return nil
}

// GetClientByClientID makes the provider put the profile/email/phone claims
// into the ID token even though an access token is issued too (the national
// service's behaviour the relying party relies on), and gives the client
// the redirect URIs registered with AddRedirectURI.
func (s *vneidStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, p: s.p}, nil
}

type client struct {
	op.Client
	p *Provider
}

func (client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) RedirectURIs() []string             { return c.p.redirects() }
