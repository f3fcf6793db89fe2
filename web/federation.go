package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/report"
)

// The federation API of a national instance. Connected one-stop systems
// authenticate with OAuth2 client credentials (POST
// /api/v1/federation/token) and push their dossiers; the system
// administrator registers the systems and their clients.

func (s *Server) apiFederationToken() http.Handler {
	return s.clientCredentialsToken("egov federation", s.cfg.Federation.IssueToken, federation.ErrBadClient)
}

// requireSystem runs h for a request with a connected system's access
// token.
func (s *Server) requireSystem(h func(w http.ResponseWriter, r *http.Request, system string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(value)
		}
		system, err := s.cfg.Federation.Authenticate(r.Context(), token)
		if errors.Is(err, federation.ErrBadClient) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="egov federation"`)
			writeAPIError(w, http.StatusUnauthorized, "unauthenticated", "Cần mã truy cập của hệ thống kết nối (POST /api/v1/federation/token).", nil)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		h(w, r, system)
	})
}

// failFederation answers a refusal of the federation with its own code
// (stale, unknown_procedure, not_your_agency...).
func (s *Server) failFederation(w http.ResponseWriter, r *http.Request, err error) {
	var fe *federation.Error
	if !errors.As(err, &fe) {
		s.fail(w, r, err)
		return
	}
	status := http.StatusBadRequest
	switch {
	case errors.Is(fe, egov.ErrConflict):
		status = http.StatusConflict
	case errors.Is(fe, egov.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(fe, egov.ErrInvalid):
		status = http.StatusUnprocessableEntity
	case errors.Is(fe, egov.ErrNotFound):
		status = http.StatusNotFound
	}
	writeAPIError(w, status, fe.Code, fe.Msg, fe.Fields)
}

func (s *Server) apiFederationPush() http.Handler {
	return s.requireSystem(func(w http.ResponseWriter, r *http.Request, system string) {
		var p federation.Push
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20))
		if err := dec.Decode(&p); err != nil {
			writeAPIError(w, http.StatusBadRequest, "invalid_argument",
				"Nội dung phải là JSON {\"HoSo\": {...}, \"QuaTrinhXuLy\": [...]}, tối đa 4 MB: "+err.Error(), nil)
			return
		}
		st, err := s.cfg.Federation.Accept(r.Context(), system, p, clientRequest(r).IP)
		if err != nil {
			s.failFederation(w, r, err)
			return
		}
		status := http.StatusCreated
		if st.Duplicate {
			status = http.StatusOK
		}
		encode(w, status, st)
	})
}

// apiFederationDossier shows a connected system what the national instance
// holds of one of its dossiers.
func (s *Server) apiFederationDossier() http.Handler {
	return s.requireSystem(func(w http.ResponseWriter, r *http.Request, system string) {
		f, err := s.cfg.Federation.Dossier(r.Context(), r.PathValue("code"))
		if err == nil && f.System != system {
			err = egov.ErrNotFound // another system's: not for this one to read
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, f)
	})
}

func (s *Server) apiFederationSystem() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.IsSystemAdmin() {
			s.forbidden(w, r, "Chỉ quản trị hệ thống xem đăng ký hệ thống kết nối.")
			return
		}
		sys, err := s.cfg.Federation.System(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, sys)
	})
}

func (s *Server) apiFederationSaveSystem() http.Handler {
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *struct {
		Name       string   `json:"name"`
		Agencies   []string `json:"agencies"`
		Procedures []string `json:"procedures"`
	}) (any, error) {
		return s.cfg.Federation.SaveSystem(r.Context(), a, federation.System{ID: r.PathValue("id"), Name: in.Name,
			Agencies: in.Agencies, Procedures: in.Procedures}, clientRequest(r))
	})
}

func (s *Server) apiFederationAddClient() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, _ *struct{}) (any, error) {
		id, secret, err := s.cfg.Federation.AddClient(r.Context(), a, r.PathValue("id"), clientRequest(r))
		if err != nil {
			return nil, err
		}
		return map[string]string{"client_id": id, "client_secret": secret,
			"note": "Lưu mật khẩu này ngay: hệ thống chỉ giữ mã băm và không hiển thị lại."}, nil
	})
}

// apiFederationCatalog gives a connected system the whole catalog of
// procedures, in the JSON of egov import catalog.
func (s *Server) apiFederationCatalog() http.Handler {
	return s.requireSystem(func(w http.ResponseWriter, r *http.Request, _ string) {
		procs, err := s.cfg.Catalog.Procedures(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if err := catalog.EncodeJSON(w, procs); err != nil {
			s.log.ErrorContext(r.Context(), "federation catalog", "err", err)
		}
	})
}

// apiDossierStatistics is open data: the figures of an agency and those
// below it (or of the country) over a period, the year by default; at a
// national instance the dossiers of the connected systems count as its
// own. They come from the report figures, never from counting dossiers.
func (s *Server) apiDossierStatistics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agency := strings.TrimSpace(r.URL.Query().Get("agency"))
		scope := report.Country
		if agency != "" {
			if _, err := s.cfg.Catalog.Agency(r.Context(), agency); errors.Is(err, egov.ErrNotFound) {
				s.fail(w, r, egov.FieldErrors{"agency": "Không có cơ quan mã «" + agency + "» trong danh mục cơ quan; bỏ trống để xem số liệu của cả nước."})
				return
			} else if err != nil {
				s.fail(w, r, err)
				return
			}
			scope = agency
		}
		p, err := s.period(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		figs, err := s.reports.Figures(r.Context(), []string{scope}, p, report.Filter{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := figs[scope]
		rate, _ := f.OnTimeRate()
		encode(w, http.StatusOK, map[string]any{"agency": agency, "period": p, "figures": f,
			"received": f.Received(), "finished": f.Finished(), "open": f.Open(), "on_time_rate": rate})
	})
}
