// Package clientcred keeps OAuth2 clients that authenticate with client
// credentials (RFC 6749, section 4.4): the systems of member agencies on
// the document axis, and the one-stop systems connected to a national
// instance. Secrets and tokens are kept only as their SHA-256, compared in
// constant time; a token lasts a set time, and a revoked client, or one
// whose owner is disabled, gets none and can use none.
//
// The tables are the caller's (each with client_id, secret_hash, an owner
// column, created_at and revoked_at; and token_hash, client_id,
// expires_at), so that each service keeps its own clients beside its own
// data; the names given here are the caller's constants, never input.
package clientcred

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/egov-vn/egov/store"
)

// ErrBadClient is a failed client authentication: OAuth2's invalid_client.
var ErrBadClient = errors.New("invalid client")

// Tables names where a kind of client is kept.
type Tables struct {
	Clients string // e.g. exchange_clients
	Tokens  string // e.g. exchange_tokens
	Owner   string // the clients' column naming who they speak for, e.g. agency_code
	// Enabled joins the owner's table as o and says it is enabled, e.g.
	// "JOIN exchange_members o ON o.agency_code = c.agency_code AND o.disabled_at IS NULL".
	Enabled string
}

// Store keeps one kind of client.
type Store struct {
	db       *store.DB
	t        Tables
	lifetime time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// New returns the store of the clients in t, whose tokens last lifetime.
func New(db *store.DB, t Tables, lifetime time.Duration, now func() time.Time, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, t: t, lifetime: lifetime, now: now, log: log}
}

// Digest is the SHA-256 of s in hex, as secrets and tokens are kept.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// AddTx makes a client for owner in tx: an ID that starts with prefix and
// a secret shown once.
func (s *Store) AddTx(ctx context.Context, tx *sql.Tx, prefix, owner string) (clientID, secret string, err error) {
	clientID, secret = prefix+strings.ToLower(rand.Text()[:16]), rand.Text()+rand.Text()
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.t.Clients+` (client_id, secret_hash, `+s.t.Owner+`, created_at) VALUES ($1, $2, $3, $4)`,
		clientID, Digest(secret), owner, s.now()); err != nil {
		return "", "", fmt.Errorf("client of %s: %w", owner, err)
	}
	return clientID, secret, nil
}

// Issue is the client credentials grant: an access token for the client,
// valid for the store's lifetime. A wrong secret, an unknown or revoked
// client, or a disabled owner is ErrBadClient.
func (s *Store) Issue(ctx context.Context, clientID, secret string) (token string, lifetime time.Duration, err error) {
	var hash string
	var revoked sql.NullTime
	err = s.db.QueryRowContext(ctx, `SELECT c.secret_hash, c.revoked_at FROM `+s.t.Clients+` c `+s.t.Enabled+`
		WHERE c.client_id = $1`, clientID).Scan(&hash, &revoked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (revoked.Valid || subtle.ConstantTimeCompare([]byte(hash), []byte(Digest(secret))) != 1) {
		return "", 0, ErrBadClient
	}
	if err != nil {
		return "", 0, fmt.Errorf("client %s: %w", clientID, err)
	}
	token = rand.Text() + rand.Text()
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO `+s.t.Tokens+` (token_hash, client_id, expires_at) VALUES ($1, $2, $3)`,
		Digest(token), clientID, now.Add(s.lifetime)); err != nil {
		return "", 0, fmt.Errorf("token of %s: %w", clientID, err)
	}
	// Expired tokens are of no use; clearing them here keeps the table
	// small without a job.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM `+s.t.Tokens+` WHERE client_id = $1 AND expires_at < $2`, clientID, now); err != nil {
		s.log.Warn("clearing expired tokens", "table", s.t.Tokens, "err", err)
	}
	return token, s.lifetime, nil
}

// Authenticate returns the owner of a valid access token; ErrBadClient
// for any other.
func (s *Store) Authenticate(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", ErrBadClient
	}
	var owner string
	err := s.db.QueryRowContext(ctx, `SELECT c.`+s.t.Owner+` FROM `+s.t.Tokens+` t JOIN `+s.t.Clients+` c ON c.client_id = t.client_id
		`+s.t.Enabled+`
		WHERE t.token_hash = $1 AND t.expires_at > $2 AND c.revoked_at IS NULL`, Digest(token), s.now()).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrBadClient
	}
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return owner, nil
}
