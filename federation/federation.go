// Package federation connects one-stop systems to a national portal.
//
// egov plays both parts. As the national portal, it keeps a registry of
// connected systems: each speaks for some agencies (and the agencies below
// them), may be limited to some procedures of the national catalog, and
// authenticates with OAuth2 client credentials. A connected system pushes
// each change of a dossier (the dossier and its processing so far, in the
// national portal's field names and status codes); the national instance
// keeps what it does not have yet, refuses what is older than what it has,
// comes from a system that does not speak for the dossier's agency or names
// a procedure it does not know, and logs every refusal. Its public tracking
// and "my dossiers" include the dossiers it was sent.
//
// As a province's one-stop system, egov writes a push to its outbox in the
// transaction of every change of a dossier, with the River job that sends
// it: nothing is lost while the national portal is down, and the outbox is
// sent oldest first, one push after another, when it is back.
package federation

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/clientcred"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
)

// Config tunes the service.
type Config struct {
	// NationalURL is the national portal this instance reports to, e.g.
	// https://dichvucong.gov.vn; empty reports to none.
	NationalURL string
	// ClientID and ClientSecret are this instance's OAuth2 client at the
	// national portal.
	ClientID, ClientSecret string
	// MaxBackoff is the longest wait between two attempts to reach the
	// national portal; 10 minutes by default.
	MaxBackoff time.Duration
	// TokenLifetime is how long an access token of a connected system
	// lasts; one hour by default.
	TokenLifetime time.Duration
	// Client makes the pushes; nil means one with a 30-second timeout that
	// follows no redirect.
	Client *http.Client
	// Now is the clock.
	Now func() time.Time
}

func (c *Config) defaults() {
	c.NationalURL = strings.TrimRight(c.NationalURL, "/")
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.TokenLifetime <= 0 {
		c.TokenLifetime = time.Hour
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Service is both sides of the federation: the registry and store of a
// national instance, and the outbox of a provincial one.
type Service struct {
	db    *store.DB
	queue *jobs.Queue
	audit *audit.Log
	cfg   Config
	log   *slog.Logger
	creds *clientcredentials.Config // nil when not reporting to a national portal
	// figures count the pushed dossiers in the national instance's
	// reports.
	figures *report.Recorder
	// clients are the connected systems' OAuth2 clients.
	clients *clientcred.Store
}

// NewService returns the service over db. queue carries the pushes to the
// national portal; nil queues none (tools, some tests).
func NewService(db *store.DB, queue *jobs.Queue, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, queue: queue, audit: audit.New(db), cfg: cfg, log: log, figures: report.NewRecorder(db)}
	s.clients = clientcred.New(db, clientcred.Tables{Clients: "federation_clients", Tokens: "federation_tokens", Owner: "system_id",
		Enabled: "JOIN federation_systems o ON o.id = c.system_id AND o.disabled_at IS NULL"}, cfg.TokenLifetime, s.now, log)
	if cfg.NationalURL != "" {
		s.creds = &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: cfg.NationalURL + "/api/v1/federation/token", AuthStyle: oauth2.AuthStyleInHeader}
	}
	return s
}

// NationalURL is the national portal this instance reports to; "" if none.
func (s *Service) NationalURL() string { return s.cfg.NationalURL }

// Reporting reports whether this instance pushes its dossiers to a
// national portal.
func (s *Service) Reporting() bool { return s.creds != nil }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Error is a refusal: Code names it for programs (stale, unknown_procedure,
// not_your_agency...), Msg says what to fix, in Vietnamese, and Kind is one
// of egov's errors.
type Error struct {
	Code   string
	Msg    string
	Kind   error
	Fields map[string]string
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func refuse(kind error, code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Kind: kind}
}
