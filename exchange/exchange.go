// Package exchange is the document interconnection axis (trục liên thông
// văn bản): official documents in the edXML format, signed by the agencies
// that send them, carried between agencies and the outside systems that
// speak for them, with status receipts back to the sender.
//
// A member is an agency registered by the system administrator with its
// signing certificates and its systems' OAuth2 clients. A member submits a
// signed message; the axis checks the signature against the sender's
// certificates that are not revoked, records it once (a message ID seen
// before is the same message), and delivers it to each recipient: pushed
// to the recipient's endpoint, in order and retried by a River job until
// acknowledged or given up, or kept in the recipient's inbox until pulled
// and acknowledged. Every message, receipt and delivery attempt is written
// to the message log, chained like the audit log.
package exchange

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/clientcred"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
)

// Config tunes the service.
type Config struct {
	// GiveUpAfter is how long a push is retried before it is given up and
	// the administrator alerted; 72 hours by default.
	GiveUpAfter time.Duration
	// AdminEmail receives the alert of a delivery given up; empty logs it
	// only.
	AdminEmail string
	// MaxMessageBytes limits one message; 50 MB by default.
	MaxMessageBytes int64
	// TokenLifetime is how long an access token lasts; one hour by
	// default.
	TokenLifetime time.Duration
	// Client makes the pushes; nil means one with a 30-second timeout.
	Client *http.Client
	// Now is the clock.
	Now func() time.Time
	// Key and Certificate sign what egov itself sends for the agencies
	// whose back office it runs (transfers of dossiers between agencies);
	// nil sends nothing of its own. The certificate must be registered for
	// each such agency like any member's.
	Key         crypto.Signer
	Certificate *x509.Certificate
}

func (c *Config) defaults() {
	if c.GiveUpAfter == 0 {
		c.GiveUpAfter = 72 * time.Hour
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 50 << 20
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = time.Hour
	}
	if c.Client == nil {
		// No redirects: a member's server must not point the axis's
		// POSTs at another address.
		c.Client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Service is the axis.
type Service struct {
	db    *store.DB
	queue *jobs.Queue
	audit *audit.Log // the platform's audit log: administration
	trail *audit.Log // the message log
	cfg   Config
	log   *slog.Logger
	// clients are the members' systems' OAuth2 clients.
	clients *clientcred.Store
}

// NewService returns the axis over db. queue carries the pushes and the
// alerts; nil delivers by pull only (tools, some tests).
func NewService(db *store.DB, queue *jobs.Queue, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, queue: queue, audit: audit.New(db), trail: audit.NewChain(db, "exchange_log", "exchange_log_head"),
		cfg: cfg, log: log}
	s.clients = clientcred.New(db, clientcred.Tables{Clients: "exchange_clients", Tokens: "exchange_tokens", Owner: "agency_code",
		Enabled: "JOIN exchange_members o ON o.agency_code = c.agency_code AND o.disabled_at IS NULL"}, cfg.TokenLifetime, s.now, log)
	return s
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Error is a refusal whose message says what to do, in Vietnamese. Kind is
// one of egov's errors.
type Error struct {
	Msg  string
	Kind error
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func refuse(kind error, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Kind: kind}
}

// Member is an agency on the axis.
type Member struct {
	AgencyCode string     `json:"agency_code"`
	Name       string     `json:"name"`
	Endpoint   string     `json:"endpoint,omitempty"` // push URL; empty: pulls its inbox
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	Keys       []Key      `json:"keys"`
}

// Key is a member's signing certificate.
type Key struct {
	Fingerprint string     `json:"fingerprint"` // hex SHA-256 of the DER certificate
	Algorithm   string     `json:"algorithm"`   // ecdsa, rsa, ed25519
	Subject     string     `json:"subject"`
	NotAfter    time.Time  `json:"not_after"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	Certificate string     `json:"certificate"` // PEM
}

func mayAdminister(actor *identity.Account) error {
	if actor == nil || !actor.IsSystemAdmin() {
		return refuse(egov.ErrForbidden, "Chỉ quản trị hệ thống đăng ký thành viên trục liên thông.")
	}
	return nil
}

func validEndpoint(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return egov.FieldErrors{"endpoint": "Địa chỉ nhận văn bản phải là một URL http hoặc https đầy đủ, ví dụ https://qlvb.example.gov.vn/edxml."}
	}
	return nil
}

// SaveMember registers the agency as a member, or changes its name and
// endpoint. The agency must be in the catalog's agency tree.
func (s *Service) SaveMember(ctx context.Context, actor *identity.Account, m Member, req identity.Request) (Member, error) {
	if err := mayAdminister(actor); err != nil {
		return Member{}, err
	}
	m.AgencyCode, m.Name, m.Endpoint = strings.TrimSpace(m.AgencyCode), strings.TrimSpace(m.Name), strings.TrimSpace(m.Endpoint)
	fe := egov.FieldErrors{}
	if m.AgencyCode == "" {
		fe["agency_code"] = "Nhập mã định danh của cơ quan, ví dụ 000.00.00.G22."
	}
	if m.Name == "" {
		fe["name"] = "Nhập tên cơ quan hoặc hệ thống."
	}
	if err := validEndpoint(m.Endpoint); err != nil {
		fe["endpoint"] = err.(egov.FieldErrors)["endpoint"]
	}
	if len(fe) > 0 {
		return Member{}, fe
	}
	var known int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies WHERE code = $1`, m.AgencyCode).Scan(&known); err != nil {
		return Member{}, fmt.Errorf("member %s: %w", m.AgencyCode, err)
	}
	if known == 0 {
		return Member{}, egov.FieldErrors{"agency_code": "Không có cơ quan mã «" + m.AgencyCode + "» trong danh mục cơ quan."}
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_members (agency_code, name, endpoint, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency_code) DO UPDATE SET name = $2, endpoint = $3`,
			m.AgencyCode, m.Name, m.Endpoint, actor.Actor(), now); err != nil {
			return fmt.Errorf("member %s: %w", m.AgencyCode, err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "exchange.member_saved",
			Subject: "member:" + m.AgencyCode, AgencyCode: m.AgencyCode, Details: map[string]any{"name": m.Name, "endpoint": m.Endpoint}})
		return err
	})
	if err != nil {
		return Member{}, err
	}
	return s.Member(ctx, m.AgencyCode)
}

// Member returns a member with its keys.
func (s *Service) Member(ctx context.Context, agency string) (Member, error) {
	var m Member
	var disabled sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT agency_code, name, endpoint, created_at, disabled_at FROM exchange_members WHERE agency_code = $1`,
		agency).Scan(&m.AgencyCode, &m.Name, &m.Endpoint, &m.CreatedAt, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("member %s: %w", agency, egov.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("member %s: %w", agency, err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if disabled.Valid {
		t := disabled.Time.UTC()
		m.DisabledAt = &t
	}
	rows, err := s.db.QueryContext(ctx, `SELECT fingerprint, algorithm, subject, not_after, created_at, revoked_at, certificate
		FROM exchange_keys WHERE agency_code = $1 ORDER BY id`, agency)
	if err != nil {
		return m, fmt.Errorf("keys of %s: %w", agency, err)
	}
	defer rows.Close()
	m.Keys = []Key{}
	for rows.Next() {
		var k Key
		var revoked sql.NullTime
		if err := rows.Scan(&k.Fingerprint, &k.Algorithm, &k.Subject, &k.NotAfter, &k.CreatedAt, &revoked, &k.Certificate); err != nil {
			return m, fmt.Errorf("keys of %s: %w", agency, err)
		}
		k.NotAfter, k.CreatedAt = k.NotAfter.UTC(), k.CreatedAt.UTC()
		if revoked.Valid {
			t := revoked.Time.UTC()
			k.RevokedAt = &t
		}
		m.Keys = append(m.Keys, k)
	}
	return m, rows.Err()
}

// Fingerprint is the hex SHA-256 of a certificate's DER bytes.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// AddKey registers a signing certificate (PEM) of the member agency: ECDSA,
// RSA of 2048 bits or more, or Ed25519, not expired.
func (s *Service) AddKey(ctx context.Context, actor *identity.Account, agency string, certPEM []byte, req identity.Request) (Key, error) {
	if err := mayAdminister(actor); err != nil {
		return Key{}, err
	}
	if _, err := s.Member(ctx, agency); err != nil {
		return Key{}, err
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return Key{}, egov.FieldErrors{"certificate": "Cần một chứng thư số X.509 dạng PEM (-----BEGIN CERTIFICATE-----)."}
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return Key{}, egov.FieldErrors{"certificate": "Chứng thư số không đọc được: " + err.Error()}
	}
	algo, err := keyAlgorithm(cert)
	if err != nil {
		return Key{}, egov.FieldErrors{"certificate": err.Error()}
	}
	now := s.now()
	if now.After(cert.NotAfter) {
		return Key{}, egov.FieldErrors{"certificate": "Chứng thư số đã hết hạn ngày " + cert.NotAfter.Format("02/01/2006") + "."}
	}
	k := Key{Fingerprint: Fingerprint(cert), Algorithm: algo, Subject: cert.Subject.String(), NotAfter: cert.NotAfter.UTC(),
		CreatedAt: now, Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_keys (agency_code, fingerprint, certificate, algorithm, subject, not_after, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, agency, k.Fingerprint, k.Certificate, k.Algorithm, k.Subject, k.NotAfter, now); err != nil {
			if store.IsUniqueViolation(err) {
				return refuse(egov.ErrConflict, "Chứng thư số này đã được đăng ký.")
			}
			return fmt.Errorf("key of %s: %w", agency, err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "exchange.key_added",
			Subject: "member:" + agency, AgencyCode: agency, Details: map[string]any{"fingerprint": k.Fingerprint, "algorithm": algo}})
		return err
	})
	return k, err
}

// RevokeKey revokes a certificate, for every agency it signs for:
// messages it signs are refused from now on. Revoking twice changes
// nothing.
func (s *Service) RevokeKey(ctx context.Context, actor *identity.Account, fingerprint string, req identity.Request) error {
	if err := mayAdminister(actor); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT agency_code FROM exchange_keys WHERE fingerprint = $1 AND revoked_at IS NULL`, fingerprint)
		if err != nil {
			return fmt.Errorf("key %s: %w", fingerprint, err)
		}
		var agencies []string
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return fmt.Errorf("key %s: %w", fingerprint, err)
			}
			agencies = append(agencies, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("key %s: %w", fingerprint, err)
		}
		if len(agencies) == 0 {
			var known int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchange_keys WHERE fingerprint = $1`, fingerprint).Scan(&known); err != nil {
				return fmt.Errorf("key %s: %w", fingerprint, err)
			}
			if known == 0 {
				return fmt.Errorf("key %s: %w", fingerprint, egov.ErrNotFound)
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_keys SET revoked_at = $1 WHERE fingerprint = $2 AND revoked_at IS NULL`, s.now(), fingerprint); err != nil {
			return fmt.Errorf("revoke key %s: %w", fingerprint, err)
		}
		for _, agency := range agencies {
			if _, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "exchange.key_revoked",
				Subject: "member:" + agency, AgencyCode: agency, Details: map[string]any{"fingerprint": fingerprint}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// activeCertificates are the member's certificates that may sign now.
func (s *Service) activeCertificates(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, agency string) ([]*x509.Certificate, error) {
	rows, err := q.QueryContext(ctx, `SELECT certificate FROM exchange_keys WHERE agency_code = $1 AND revoked_at IS NULL AND not_after > $2`,
		agency, s.now())
	if err != nil {
		return nil, fmt.Errorf("keys of %s: %w", agency, err)
	}
	defer rows.Close()
	var out []*x509.Certificate
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("keys of %s: %w", agency, err)
		}
		block, _ := pem.Decode([]byte(p))
		if block == nil {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// AddClient makes an OAuth2 client (client credentials) for a system of the
// member agency. The secret is shown once; only its SHA-256 is kept.
func (s *Service) AddClient(ctx context.Context, actor *identity.Account, agency string, req identity.Request) (clientID, secret string, err error) {
	if err := mayAdminister(actor); err != nil {
		return "", "", err
	}
	if _, err := s.Member(ctx, agency); err != nil {
		return "", "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if clientID, secret, err = s.clients.AddTx(ctx, tx, "edx-", agency); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "exchange.client_added",
			Subject: "member:" + agency, AgencyCode: agency, Details: map[string]any{"client_id": clientID}})
		return err
	})
	return clientID, secret, err
}

// RevokeClient stops a client: its tokens no longer work and it gets no
// new ones. Revoking twice changes nothing.
func (s *Service) RevokeClient(ctx context.Context, actor *identity.Account, clientID string, req identity.Request) error {
	if err := mayAdminister(actor); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var agency string
		err := tx.QueryRowContext(ctx, `SELECT agency_code FROM exchange_clients WHERE client_id = $1`, clientID).Scan(&agency)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("client %s: %w", clientID, egov.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("client %s: %w", clientID, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE exchange_clients SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL`, s.now(), clientID)
		if err != nil {
			return fmt.Errorf("revoke client %s: %w", clientID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM exchange_tokens WHERE client_id = $1`, clientID); err != nil {
			return fmt.Errorf("revoke client %s: %w", clientID, err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "exchange.client_revoked",
			Subject: "member:" + agency, AgencyCode: agency, Details: map[string]any{"client_id": clientID}})
		return err
	})
}

// ErrBadClient is a failed client authentication: OAuth2's invalid_client.
var ErrBadClient = clientcred.ErrBadClient

// IssueToken is OAuth2's client credentials grant: an access token for the
// client's member, valid for Config.TokenLifetime.
func (s *Service) IssueToken(ctx context.Context, clientID, secret string) (token string, lifetime time.Duration, err error) {
	return s.clients.Issue(ctx, clientID, secret)
}

// Authenticate returns the member agency of an access token.
func (s *Service) Authenticate(ctx context.Context, token string) (string, error) {
	return s.clients.Authenticate(ctx, token)
}
