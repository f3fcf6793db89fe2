package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/payment"
)

// reconcilePage is the payment reconciliation of an agency (đối soát):
// the runs stored, the one chosen in full, and the form to run a day.
type reconcilePage struct {
	Agency     string
	AgencyName string
	Runs       []dossier.Reconciliation
	Shown      *dossier.Reconciliation
	Day        string
	Errors     egov.FieldErrors
	Alert      string
	Notice     string
}

// mayReconcile: the agency's leaders and administrators, who answer for
// the money collected, and system administrators.
func mayReconcile(a *identity.Account, agency string) bool {
	return a.ActsFor(agency, identity.RoleLeader, identity.RoleAgencyAdmin)
}

func (s *Server) pageReconcile() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		s.renderReconcile(w, r, a, http.StatusOK, reconcilePage{})
	})
}

// pageRunReconcile reconciles the day posted and shows its result.
func (s *Server) pageRunReconcile() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency := officialAgency(r, a)
		if !mayReconcile(a, agency) {
			s.forbidden(w, r, "Đối soát thanh toán dành cho lãnh đạo và quản trị của cơ quan thu.")
			return
		}
		day := r.PostFormValue("ngay")
		d, err := time.ParseInLocation("2006-01-02", day, calendar.Vietnam)
		if err != nil {
			s.renderReconcile(w, r, a, http.StatusBadRequest, reconcilePage{Day: day,
				Errors: egov.FieldErrors{"ngay": "Chọn ngày cần đối soát, ví dụ 03/12/2026."}})
			return
		}
		rec, err := s.cfg.Dossiers.Reconcile(r.Context(), agency, d)
		var de *dossier.Error
		switch {
		case errors.Is(err, payment.ErrGatewayUnavailable):
			s.renderReconcile(w, r, a, http.StatusServiceUnavailable, reconcilePage{Day: day,
				Alert: "Cổng thanh toán không trả lời nên chưa đối soát được; không có gì bị thay đổi. Vui lòng thử lại sau ít phút."})
			return
		case errors.As(err, &de):
			s.renderReconcile(w, r, a, http.StatusBadRequest, reconcilePage{Day: day, Errors: egov.FieldErrors{"ngay": de.Msg}})
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		u := "/mot-cua/doi-soat?lan=" + strconv.FormatInt(rec.ID, 10)
		if a.IsSystemAdmin() {
			u += "&co-quan=" + agency
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
	})
}

func (s *Server) renderReconcile(w http.ResponseWriter, r *http.Request, a *identity.Account, status int, page reconcilePage) {
	page.Agency = officialAgency(r, a)
	if !mayReconcile(a, page.Agency) {
		s.forbidden(w, r, "Đối soát thanh toán dành cho lãnh đạo và quản trị của cơ quan thu.")
		return
	}
	page.AgencyName = page.Agency
	if ag, err := s.cfg.Catalog.Agency(r.Context(), page.Agency); err == nil {
		page.AgencyName = ag.Name
	}
	runs, err := s.cfg.Dossiers.Reconciliations(r.Context(), page.Agency, 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Runs = runs
	want, _ := strconv.ParseInt(r.URL.Query().Get("lan"), 10, 64)
	for i := range runs {
		if want == 0 && i == 0 || runs[i].ID == want {
			page.Shown = &runs[i]
			break
		}
	}
	if page.Day == "" {
		page.Day = time.Now().In(calendar.Vietnam).AddDate(0, 0, -1).Format("2006-01-02")
	}
	s.render(w, r, status, "reconcile", translate(language(r), "reconcile.title"), page)
}
