// Package oidcop is the OpenID Connect provider of a national instance: the
// portals connected to it (provincial one-stop systems) sign their citizens
// in through it, so that a citizen has one account everywhere. It is
// zitadel/oidc's op package over egov's own accounts and sessions: the
// citizen signs in on the national portal's own sign-in page, and the ID
// token carries the personal identification number (claim id_number), the
// name, birth date and sex (scope profile), e-mail and phone, which
// identity.OIDC, the relying party of the connected portals, reads.
//
// Only the authorization code flow with PKCE (S256) is offered, to
// confidential web clients registered by the system administrator. Sign-ins
// in progress, codes and access tokens are in the database (their SHA-256
// where they are secrets), so that every replica answers and a restart
// loses nothing; so is the signing key, made at first start.
package oidcop

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/store"
)

// Prefix is where the provider is served: its issuer is the public URL
// followed by Prefix.
const Prefix = "/oidc"

// LoginPath is the page a sign-in through the provider passes by: the
// citizen signs in on the portal (if not yet) and comes back here.
const LoginPath = "/dang-nhap/oidc"

// Config tunes the provider.
type Config struct {
	// Issuer is the provider's issuer: the portal's public URL + Prefix.
	Issuer string
	// AccessTokenLifetime is how long an access token lasts; 15 minutes
	// by default.
	AccessTokenLifetime time.Duration
	// Logger logs the provider's errors.
	Logger *slog.Logger
}

// Provider is the OpenID Connect provider.
type Provider struct {
	db      *store.DB
	ids     *identity.Service
	audit   *audit.Log
	cfg     Config
	op      op.OpenIDProvider
	handler http.Handler
	key     *rsa.PrivateKey
	keyID   string
}

// New builds the provider over db, making its signing key on first use.
func New(ctx context.Context, db *store.DB, ids *identity.Service, cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("oidc provider: issuer is required")
	}
	if cfg.AccessTokenLifetime <= 0 {
		cfg.AccessTokenLifetime = 15 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{db: db, ids: ids, audit: audit.New(db), cfg: cfg}
	cryptoKey, err := p.loadKey(ctx)
	if err != nil {
		return nil, err
	}
	opCfg := &op.Config{CryptoKey: cryptoKey, CodeMethodS256: true, AuthMethodPost: true, DefaultLogoutRedirectURI: "/"}
	opts := []op.Option{op.WithLogger(cfg.Logger)}
	if strings.HasPrefix(cfg.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure()) // development and tests on the loopback interface
	}
	provider, err := op.NewProvider(opCfg, &storage{p: p}, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc provider: %w", err)
	}
	p.op = provider
	p.handler = http.StripPrefix(Prefix, provider)
	return p, nil
}

// AccountOfToken returns the account an access token of this provider was
// issued for, while it is valid: connected portals call the national
// instance's document API with it (see web's federation documents).
func (p *Provider) AccountOfToken(ctx context.Context, token string) (int64, error) {
	plain, err := p.op.Crypto().Decrypt(token)
	if err != nil {
		return 0, fmt.Errorf("oidc token: %w", egov.ErrNotFound)
	}
	id, subject, ok := strings.Cut(plain, ":")
	if !ok {
		return 0, fmt.Errorf("oidc token: %w", egov.ErrNotFound)
	}
	var account int64
	err = p.db.QueryRowContext(ctx, `SELECT account_id FROM oidc_tokens WHERE id = $1 AND expires_at > $2`, id, time.Now().UTC()).Scan(&account)
	if errors.Is(err, sql.ErrNoRows) || err == nil && strconv.FormatInt(account, 10) != subject {
		return 0, fmt.Errorf("oidc token: %w", egov.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("oidc token: %w", err)
	}
	return account, nil
}

// Handler serves the provider's endpoints (discovery, authorize, token,
// keys, userinfo...) under Prefix.
func (p *Provider) Handler() http.Handler { return p.handler }

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// loadKey reads the signing key, or makes it: the first replica to start
// wins, the others read its key.
func (p *Provider) loadKey(ctx context.Context) ([32]byte, error) {
	var ck [32]byte
	var pemKey, cryptoHex string
	err := p.db.QueryRowContext(ctx, `SELECT private_key, crypto_key FROM oidc_keys WHERE id = 'main'`).Scan(&pemKey, &cryptoHex)
	if errors.Is(err, sql.ErrNoRows) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return ck, fmt.Errorf("oidc provider key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return ck, fmt.Errorf("oidc provider key: %w", err)
		}
		var fresh [32]byte
		if _, err := rand.Read(fresh[:]); err != nil {
			return ck, fmt.Errorf("oidc provider key: %w", err)
		}
		if _, err := p.db.ExecContext(ctx, `INSERT INTO oidc_keys (id, private_key, crypto_key, created_at) VALUES ('main', $1, $2, $3)
			ON CONFLICT (id) DO NOTHING`, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), hex.EncodeToString(fresh[:]),
			time.Now().UTC()); err != nil {
			return ck, fmt.Errorf("oidc provider key: %w", err)
		}
		err = p.db.QueryRowContext(ctx, `SELECT private_key, crypto_key FROM oidc_keys WHERE id = 'main'`).Scan(&pemKey, &cryptoHex)
		if err != nil {
			return ck, fmt.Errorf("oidc provider key: %w", err)
		}
	} else if err != nil {
		return ck, fmt.Errorf("oidc provider key: %w", err)
	}
	block, _ := pem.Decode([]byte(pemKey))
	if block == nil {
		return ck, errors.New("oidc provider key: not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return ck, fmt.Errorf("oidc provider key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return ck, errors.New("oidc provider key: not RSA")
	}
	b, err := hex.DecodeString(cryptoHex)
	if err != nil || len(b) != 32 {
		return ck, errors.New("oidc provider key: bad crypto key")
	}
	copy(ck[:], b)
	p.key = rk
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&rk.PublicKey))
	p.keyID = hex.EncodeToString(sum[:8])
	return ck, nil
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// AddClient registers a portal that signs its citizens in through the
// provider, with its redirect URIs (compared exactly). The secret is shown
// once; only its SHA-256 is kept.
func (p *Provider) AddClient(ctx context.Context, actor *identity.Account, name string, redirectURIs []string, req identity.Request) (clientID, secret string, err error) {
	if actor == nil || !actor.IsSystemAdmin() {
		return "", "", &identity.Error{Msg: "Chỉ quản trị hệ thống đăng ký cổng kết nối đăng nhập một lần.", Kind: egov.ErrForbidden}
	}
	fe := egov.FieldErrors{}
	if strings.TrimSpace(name) == "" {
		fe["name"] = "Nhập tên cổng, ví dụ Cổng dịch vụ công thành phố Hà Nội."
	}
	if len(redirectURIs) == 0 {
		fe["redirect_uris"] = "Nhập địa chỉ nhận kết quả đăng nhập của cổng, ví dụ https://dichvucong.hanoi.gov.vn/dang-nhap/vneid/callback."
	}
	for _, u := range redirectURIs {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.Fragment != "" {
			fe["redirect_uris"] = "«" + u + "» không phải một URL http hoặc https đầy đủ."
		}
	}
	if len(fe) > 0 {
		return "", "", fe
	}
	uris, err := json.Marshal(redirectURIs)
	if err != nil {
		return "", "", fmt.Errorf("oidc client: %w", err)
	}
	clientID, secret = "sso-"+strings.ToLower(rand.Text()[:16]), rand.Text()+rand.Text()
	err = p.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_clients (client_id, secret_hash, name, redirect_uris, created_at) VALUES ($1, $2, $3, $4, $5)`,
			clientID, digest(secret), strings.TrimSpace(name), string(uris), time.Now().UTC()); err != nil {
			return fmt.Errorf("oidc client: %w", err)
		}
		_, err := p.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "oidc.client_added",
			Subject: "oidc_client:" + clientID, Details: map[string]any{"name": name, "redirect_uris": redirectURIs}})
		return err
	})
	return clientID, secret, err
}

// Continue is the login page's part of a sign-in through the provider:
// once the citizen a has signed in on the portal, the sign-in request id is
// theirs, and the browser goes on to the provider's callback, which sends
// it back to the portal that asked, with a code. Only citizens sign in
// this way.
func (p *Provider) Continue(ctx context.Context, id string, a *identity.Account, req identity.Request) (string, error) {
	if a == nil || a.Kind != identity.KindCitizen {
		return "", &identity.Error{Msg: "Chỉ công dân đăng nhập một lần vào các cổng kết nối bằng tài khoản này.", Kind: egov.ErrForbidden}
	}
	var clientID string
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT client_id FROM oidc_auth_requests WHERE id = $1 AND account_id IS NULL AND created_at > $2`,
			id, time.Now().UTC().Add(-authRequestLifetime)).Scan(&clientID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &identity.Error{Msg: "Yêu cầu đăng nhập đã hết hạn hoặc đã dùng; hãy quay lại cổng dịch vụ công và đăng nhập lại.", Kind: egov.ErrNotFound}
			}
			return fmt.Errorf("oidc sign-in %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET account_id = $1, auth_time = $2 WHERE id = $3`, a.ID, time.Now().UTC(), id); err != nil {
			return fmt.Errorf("oidc sign-in %s: %w", id, err)
		}
		_, err := p.audit.Append(ctx, tx, audit.Entry{Actor: a.Actor(), ActorIP: req.IP, Action: "oidc.signed_in",
			Subject: fmt.Sprintf("account:%d", a.ID), Details: map[string]any{"client_id": clientID}})
		return err
	})
	if err != nil {
		return "", err
	}
	return op.AuthCallbackURL(p.op)(op.ContextWithIssuer(ctx, p.cfg.Issuer), id), nil
}

// authRequestLifetime bounds a sign-in in progress.
const authRequestLifetime = 10 * time.Minute

// ---- op.Storage ----

type storage struct{ p *Provider }

type storedRequest struct {
	RedirectURI  string              `json:"redirect_uri"`
	Scopes       []string            `json:"scopes"`
	State        string              `json:"state"`
	Nonce        string              `json:"nonce"`
	ResponseType oidc.ResponseType   `json:"response_type"`
	ResponseMode oidc.ResponseMode   `json:"response_mode,omitempty"`
	Challenge    *oidc.CodeChallenge `json:"code_challenge,omitempty"`
}

type authRequest struct {
	id, clientID string
	r            storedRequest
	accountID    int64
	authTime     time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.r.Challenge }
func (a *authRequest) GetNonce() string                      { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.r.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.r.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.r.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.r.Scopes }
func (a *authRequest) GetState() string                      { return a.r.State }
func (a *authRequest) Done() bool                            { return a.accountID > 0 }
func (a *authRequest) GetSubject() string {
	if a.accountID == 0 {
		return ""
	}
	return strconv.FormatInt(a.accountID, 10)
}

func (s *storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if slices.Contains(r.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	if r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	}
	a := &authRequest{id: rand.Text(), clientID: r.ClientID, r: storedRequest{RedirectURI: r.RedirectURI, Scopes: r.Scopes, State: r.State,
		Nonce: r.Nonce, ResponseType: r.ResponseType, ResponseMode: r.ResponseMode,
		Challenge: &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}}}
	b, err := json.Marshal(a.r)
	if err != nil {
		return nil, fmt.Errorf("oidc sign-in: %w", err)
	}
	now := time.Now().UTC()
	if _, err := s.p.db.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, request, created_at) VALUES ($1, $2, $3, $4)`,
		a.id, a.clientID, string(b), now); err != nil {
		return nil, fmt.Errorf("oidc sign-in: %w", err)
	}
	// Sign-ins abandoned long ago are of no use; clearing them here keeps
	// the table small without a job.
	if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE created_at < $1`, now.Add(-time.Hour)); err != nil {
		s.p.cfg.Logger.Warn("clearing old oidc sign-ins", "err", err)
	}
	return a, nil
}

func (s *storage) authRequestWhere(ctx context.Context, where string, arg any) (op.AuthRequest, error) {
	a := &authRequest{}
	var req string
	var account sql.NullInt64
	var at sql.NullTime
	err := s.p.db.QueryRowContext(ctx, `SELECT id, client_id, request, account_id, auth_time FROM oidc_auth_requests WHERE `+where+` AND created_at > $2`,
		arg, time.Now().UTC().Add(-authRequestLifetime)).Scan(&a.id, &a.clientID, &req, &account, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oidc.ErrInvalidRequest().WithDescription("sign-in request unknown or expired")
	}
	if err != nil {
		return nil, fmt.Errorf("oidc sign-in: %w", err)
	}
	if err := json.Unmarshal([]byte(req), &a.r); err != nil {
		return nil, fmt.Errorf("oidc sign-in: %w", err)
	}
	a.accountID, a.authTime = account.Int64, at.Time.UTC()
	return a, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.authRequestWhere(ctx, "id = $1", id)
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.authRequestWhere(ctx, "code_hash = $1", digest(code))
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	if _, err := s.p.db.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = $1 WHERE id = $2`, digest(code), id); err != nil {
		return fmt.Errorf("oidc code: %w", err)
	}
	return nil
}

// DeleteAuthRequest is called once the code is redeemed: a code works once.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, id); err != nil {
		return fmt.Errorf("oidc sign-in: %w", err)
	}
	return nil
}

func (s *storage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	account, err := strconv.ParseInt(r.GetSubject(), 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("oidc token: subject %q", r.GetSubject())
	}
	clientID := ""
	if a, ok := r.(*authRequest); ok {
		clientID = a.clientID
	} else if aud := r.GetAudience(); len(aud) > 0 {
		clientID = aud[0]
	}
	id := rand.Text()
	exp := time.Now().UTC().Add(s.p.cfg.AccessTokenLifetime)
	if _, err := s.p.db.ExecContext(ctx, `INSERT INTO oidc_tokens (id, client_id, account_id, scopes, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		id, clientID, account, strings.Join(r.GetScopes(), " "), exp); err != nil {
		return "", time.Time{}, fmt.Errorf("oidc token: %w", err)
	}
	if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE expires_at < $1`, time.Now().UTC()); err != nil {
		s.p.cfg.Logger.Warn("clearing expired oidc tokens", "err", err)
	}
	return id, exp, nil
}

var errNoRefresh = errors.New("oidc provider: refresh tokens are not offered")

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNoRefresh
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	account, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return nil // no such account: nothing to end
	}
	if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE account_id = $1 AND client_id = $2`, account, clientID); err != nil {
		return fmt.Errorf("oidc end session: %w", err)
	}
	return nil
}

func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE id = $1 AND client_id = $2`, tokenOrID, clientID); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.p.keyID, s.p.key}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.p.keyID, s.p.key}}}, nil
}

type client struct {
	id       string
	redirect []string
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirect }
func (c *client) PostLogoutRedirectURIs() []string    { return []string{} }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string           { return LoginPath + "?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return 5 * time.Minute }
func (c *client) DevMode() bool                       { return false }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	var uris string
	err := s.p.db.QueryRowContext(ctx, `SELECT redirect_uris FROM oidc_clients WHERE client_id = $1 AND revoked_at IS NULL`, id).Scan(&uris)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	if err != nil {
		return nil, fmt.Errorf("oidc client %s: %w", id, err)
	}
	c := &client{id: id}
	if err := json.Unmarshal([]byte(uris), &c.redirect); err != nil {
		return nil, fmt.Errorf("oidc client %s: %w", id, err)
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	var hash string
	err := s.p.db.QueryRowContext(ctx, `SELECT secret_hash FROM oidc_clients WHERE client_id = $1 AND revoked_at IS NULL`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) || err == nil && subtle.ConstantTimeCompare([]byte(hash), []byte(digest(secret))) != 1 {
		return oidc.ErrInvalidClient().WithDescription("unknown client or wrong secret")
	}
	if err != nil {
		return fmt.Errorf("oidc client %s: %w", id, err)
	}
	return nil
}

// SetUserinfoFromScopes puts in the ID token (and the userinfo answer)
// what the scopes ask of the citizen's account: the ID number always
// (claim id_number), the name, birth date and sex with profile, the e-mail
// with email, the phone with phone.
func (s *storage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, _ string, scopes []string) error {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return fmt.Errorf("oidc userinfo: subject %q", userID)
	}
	a, err := s.p.ids.Account(ctx, id)
	if err != nil {
		return fmt.Errorf("oidc userinfo: %w", err)
	}
	ui.Subject = userID
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeOpenID:
			if a.Kind == identity.KindCitizen {
				ui.AppendClaims("id_number", a.Username)
			}
		case oidc.ScopeProfile:
			ui.Name = a.FullName
			if f := strings.Fields(a.FullName); len(f) > 0 {
				ui.FamilyName, ui.GivenName = f[0], f[len(f)-1]
			}
			ui.Birthdate = a.DateOfBirth
			switch a.Sex {
			case identity.SexMale:
				ui.Gender = "male"
			case identity.SexFemale:
				ui.Gender = "female"
			}
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = a.Email, oidc.Bool(a.EmailVerified)
		case oidc.ScopePhone:
			ui.PhoneNumber = a.Phone
		}
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	var account int64
	var scopes string
	err := s.p.db.QueryRowContext(ctx, `SELECT account_id, scopes FROM oidc_tokens WHERE id = $1 AND expires_at > $2`, tokenID, time.Now().UTC()).
		Scan(&account, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("oidc userinfo: token unknown or expired")
	}
	if err != nil {
		return fmt.Errorf("oidc userinfo: %w", err)
	}
	return s.SetUserinfoFromScopes(ctx, ui, strconv.FormatInt(account, 10), "", strings.Fields(scopes))
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	var owner, scopes string
	var exp time.Time
	err := s.p.db.QueryRowContext(ctx, `SELECT client_id, scopes, expires_at FROM oidc_tokens WHERE id = $1 AND expires_at > $2`, tokenID, time.Now().UTC()).
		Scan(&owner, &scopes, &exp)
	if err != nil || owner != clientID {
		return errors.New("oidc introspection: token unknown, expired or of another client")
	}
	ui := new(oidc.UserInfo)
	if err := s.SetUserinfoFromScopes(ctx, ui, subject, clientID, strings.Fields(scopes)); err != nil {
		return err
	}
	in.SetUserInfo(ui)
	in.Scope, in.ClientID, in.Expiration = strings.Fields(scopes), owner, oidc.FromTime(exp)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("oidc provider: JWT profile is not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("oidc provider: JWT profile is not offered")
}

func (s *storage) Health(ctx context.Context) error { return s.p.db.PingContext(ctx) }
