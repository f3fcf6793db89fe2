// Package web is the platform's HTTP edge: the citizen portal's pages, the
// JSON API under /api/v1, health and metrics. Handlers decode and validate
// input, call the domain services and encode their answers; the rules live
// in the services.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidcop"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
)

// Config is what the server needs.
type Config struct {
	DB       *store.DB
	Catalog  *catalog.Service
	Identity *identity.Service // accounts and sign-in; nil serves the catalog only
	OIDC     *identity.OIDC    // single sign-on; nil when not configured
	Dossiers *dossier.Service  // online dossiers; nil serves no dossier routes
	Calendar *calendar.Service // working days; nil serves no calendar routes
	Cabinet  *cabinet.Service  // e-Cabinet; nil serves no e-Cabinet routes
	Exchange *exchange.Service // the document interconnection axis; nil serves none of its routes
	// Federation is the registry and store of the systems connected to
	// this instance as a national portal; nil serves none of its routes.
	Federation *federation.Service
	// OIDCProvider is this instance's OpenID Connect provider for the
	// connected portals; nil serves none.
	OIDCProvider *oidcop.Provider
	// PaymentSandbox is the demo payment gateway, served under
	// /sandbox/vnpay/; nil serves none.
	PaymentSandbox http.Handler
	Logger         *slog.Logger
	Registry       *prometheus.Registry // where HTTP metrics are registered; nil for none
	Version        string
}

// Server is the platform's HTTP handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	pages   *pages
	metrics *httpMetrics
	routes  []string
	reports *report.Service // the figures; nil without a catalog
}

// NewServer wires every route and middleware.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	p, err := newPages()
	if err != nil {
		return nil, err
	}
	s.pages = p
	s.metrics = newHTTPMetrics(cfg.Registry)
	if cfg.Registry != nil && cfg.DB != nil {
		cfg.Registry.MustRegister(collectors.NewDBStatsCollector(cfg.DB.DB, string(cfg.DB.Dialect)))
	}
	if cfg.DB != nil && cfg.Catalog != nil {
		s.reports = report.NewService(cfg.DB, report.TreeOf(cfg.Catalog), nil)
	}
	rt := &routeTable{mux: s.mux}
	addRoutes(rt, s)
	s.routes = rt.patterns
	s.handler = s.middleware(s.mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every registered pattern, such as "GET /api/v1/procedures".
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

func (s *Server) healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
}

func (s *Server) readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.cfg.DB.PingContext(ctx); err != nil {
			s.log.ErrorContext(r.Context(), "readiness: database unreachable", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}
