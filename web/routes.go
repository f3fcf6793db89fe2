package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeTable records the patterns it registers, so that tests can hold the
// route list against the OpenAPI document and the authorization table.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.mux.Handle(pattern, h)
	t.patterns = append(t.patterns, pattern)
}

// addRoutes is the whole route table of the platform, in one place.
func addRoutes(mux *routeTable, s *Server) {
	// Operations.
	mux.Handle("GET /healthz", s.healthz())
	mux.Handle("GET /readyz", s.readyz())
	if s.cfg.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	}

	// API.
	mux.Handle("GET /api/v1/openapi.json", s.apiOpenAPI())
	mux.Handle("GET /api/v1/agencies", s.apiAgencies())
	mux.Handle("GET /api/v1/agencies/{code}", s.apiAgency())
	mux.Handle("GET /api/v1/procedures", s.apiProcedures())
	mux.Handle("GET /api/v1/procedures/{code}", s.apiProcedure())
	mux.Handle("GET /api/v1/fields", s.apiFields())
	mux.Handle("GET /api/v1/life-events", s.apiLifeEvents())
	mux.Handle("/api/", s.apiNotFound())

	// Portal pages.
	mux.Handle("GET /static/", staticFiles())
	mux.Handle("GET /{$}", s.pageHome())
	mux.Handle("GET /thu-tuc", s.pageSearch())
	mux.Handle("GET /thu-tuc/{code}", s.pageProcedure())
	mux.Handle("GET /linh-vuc", s.pageFields())
	mux.Handle("GET /co-quan", s.pageAgencies())
	mux.Handle("GET /co-quan/{code}", s.pageAgency())
	mux.Handle("GET /su-kien/{code}", s.pageLifeEvent())
	mux.Handle("GET /ngon-ngu/{lang}", s.setLanguage())
	mux.Handle("/", s.pageNotFound())
}
