package identity

// Single sign-on through an outside OpenID Connect provider (the national
// identity service, VNeID-style): authorization-code flow with PKCE (S256),
// state and nonce, ID token verification through go-oidc.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcDefaultIDNumberClaim is the ID token claim that carries the citizen's
// 12-digit personal identification number when OIDCConfig.IDNumberClaim is
// empty.
const oidcDefaultIDNumberClaim = "id_number"

// defaultOIDCHTTPTimeout bounds every call to the provider (discovery, JWKS,
// token endpoint) when the caller's context does not bring its own
// *http.Client (see oidc.ClientContext).
const defaultOIDCHTTPTimeout = 15 * time.Second

// OIDCConfig configures the relying party.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; discovery is done at
	// Issuer + "/.well-known/openid-configuration" and the discovered issuer
	// must be exactly this value.
	Issuer string
	// ClientID and ClientSecret are the credentials registered at the provider
	// (a confidential client; the secret may be empty for a public client).
	ClientID, ClientSecret string
	// RedirectURL is the callback registered at the provider.
	RedirectURL string
	// Scopes requested; "openid" is always added. Empty means
	// openid, profile, email, phone.
	Scopes []string
	// IDNumberClaim is the claim that carries the 12-digit personal
	// identification number; default "id_number".
	IDNumberClaim string
}

// OIDC is an OpenID Connect relying party bound to one provider and client.
// It is safe for concurrent use.
type OIDC struct {
	oauth         oauth2.Config
	verifier      *oidc.IDTokenVerifier
	client        *http.Client
	idNumberClaim string
}

// OIDCState is the per-login secret material produced by Start. The caller
// keeps it server-side (its session store, or a short-lived signed and
// HttpOnly cookie) and passes it back to Finish; it must never be sent to the
// provider as is (only State travels in the URL, with the nonce and the PKCE
// challenge derived from Verifier).
type OIDCState struct {
	State    string
	Nonce    string
	Verifier string
}

// Claims is the identity asserted by the provider's ID token.
type Claims struct {
	Subject       string
	IDNumber      string
	FullName      string
	Email         string
	EmailVerified bool
	Phone         string
	BirthDate     string // YYYY-MM-DD, as sent by the provider
	Gender        string
	// AccessToken is the provider's access token of the sign-in, with
	// which a national instance's provider lets the portal fetch the
	// citizen's documents; never stored.
	AccessToken string
}

// NewOIDC discovers the provider at cfg.Issuer and prepares the client.
// The HTTP client used for discovery, for the key set and for the token
// exchange is the one carried by ctx (oidc.ClientContext), else a client with
// a 15 s timeout.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("identity: oidc: issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("identity: oidc: client ID is required")
	case cfg.RedirectURL == "":
		return nil, errors.New("identity: oidc: redirect URL is required")
	}
	client, ok := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if !ok || client == nil {
		client = &http.Client{Timeout: defaultOIDCHTTPTimeout}
		ctx = oidc.ClientContext(ctx, client)
	}
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: oidc: discovery of %q: %w", cfg.Issuer, err)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email", "phone"}
	} else if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	claim := cfg.IDNumberClaim
	if claim == "" {
		claim = oidcDefaultIDNumberClaim
	}
	return &OIDC{
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  cfg.RedirectURL,
			Scopes:       slices.Clone(scopes),
		},
		verifier:      provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		client:        client,
		idNumberClaim: claim,
	}, nil
}

// Start begins a login: it returns the provider URL to redirect the browser
// to, and fresh state, nonce and PKCE verifier that the caller must keep
// server-side until the callback and hand to Finish.
func (o *OIDC) Start() (authURL string, st OIDCState, err error) {
	for _, p := range []*string{&st.State, &st.Nonce, &st.Verifier} {
		if *p, err = oidcRandomToken(); err != nil {
			return "", OIDCState{}, fmt.Errorf("identity: oidc: start: %w", err)
		}
	}
	authURL = o.oauth.AuthCodeURL(st.State,
		oidc.Nonce(st.Nonce),
		oauth2.S256ChallengeOption(st.Verifier),
	)
	return authURL, st, nil
}

// Finish completes a login at the redirect URL: gotState and code are the
// "state" and "code" query parameters of the callback, st what Start
// returned for this browser. It checks the state, redeems the code with the
// PKCE verifier, verifies the ID token (signature, issuer, audience, expiry,
// nonce, and at_hash when present) and returns its claims.
func (o *OIDC) Finish(ctx context.Context, st OIDCState, gotState, code string) (Claims, error) {
	if st.State == "" || st.Nonce == "" || st.Verifier == "" {
		return Claims{}, errors.New("identity: oidc: no login in progress (empty state)")
	}
	if subtle.ConstantTimeCompare([]byte(gotState), []byte(st.State)) != 1 {
		return Claims{}, errors.New("identity: oidc: state mismatch")
	}
	if code == "" {
		return Claims{}, errors.New("identity: oidc: callback carries no authorization code")
	}
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); !ok || c == nil {
		ctx = oidc.ClientContext(ctx, o.client)
	}
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("identity: oidc: exchange code: %w", err)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok || rawID == "" {
		return Claims{}, errors.New("identity: oidc: token response has no id_token")
	}
	idt, err := o.verifier.Verify(ctx, rawID)
	if err != nil {
		return Claims{}, fmt.Errorf("identity: oidc: verify id token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return Claims{}, errors.New("identity: oidc: id token nonce mismatch")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Claims{}, fmt.Errorf("identity: oidc: verify access token hash: %w", err)
		}
	}
	c, err := o.claims(idt)
	c.AccessToken = tok.AccessToken
	return c, err
}

func (o *OIDC) claims(idt *oidc.IDToken) (Claims, error) {
	var std struct {
		Name          string       `json:"name"`
		Email         string       `json:"email"`
		EmailVerified oidcFlexBool `json:"email_verified"`
		Phone         string       `json:"phone_number"`
		BirthDate     string       `json:"birthdate"`
		Gender        string       `json:"gender"`
	}
	if err := idt.Claims(&std); err != nil {
		return Claims{}, fmt.Errorf("identity: oidc: decode id token claims: %w", err)
	}
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return Claims{}, fmt.Errorf("identity: oidc: decode id token claims: %w", err)
	}
	raw, ok := all[o.idNumberClaim]
	if !ok || string(raw) == "null" {
		return Claims{}, fmt.Errorf("identity: oidc: id token has no %q claim (personal identification number)", o.idNumberClaim)
	}
	var idNumber string
	if err := json.Unmarshal(raw, &idNumber); err != nil {
		return Claims{}, fmt.Errorf("identity: oidc: id token claim %q is not a string: %w", o.idNumberClaim, err)
	}
	if !oidcIsIDNumber(idNumber) {
		return Claims{}, fmt.Errorf("identity: oidc: id token claim %q is not a 12-digit personal identification number", o.idNumberClaim)
	}
	return Claims{
		Subject:       idt.Subject,
		IDNumber:      idNumber,
		FullName:      std.Name,
		Email:         std.Email,
		EmailVerified: bool(std.EmailVerified),
		Phone:         std.Phone,
		BirthDate:     std.BirthDate,
		Gender:        std.Gender,
	}, nil
}

func oidcIsIDNumber(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func oidcRandomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// oidcFlexBool accepts true/false and the strings "true"/"false", which some
// providers send for email_verified.
type oidcFlexBool bool

func (b *oidcFlexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("cannot unmarshal %s into a boolean", data)
	}
	return nil
}
