package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/report"
)

// Dashboards for leaders (/bao-cao/{scope}): the figures of the country,
// a level of government or an agency with everything under it, for a
// month, a quarter or a year, with charts, tables and CSV downloads.

// mayViewReports: report viewers and leaders see their agency and what is
// under it; system administrators see everything, the country included.
func (s *Server) mayViewReports(ctx context.Context, a *identity.Account, scope string) bool {
	if a == nil || a.Kind != identity.KindOfficial || a.Disabled {
		return false
	}
	if a.IsSystemAdmin() {
		return true
	}
	if !a.HasRole(identity.RoleReportViewer) && !a.HasRole(identity.RoleLeader) {
		return false
	}
	if strings.HasPrefix(scope, report.Country) {
		return false
	}
	code := scope
	for range 10 {
		if code == a.AgencyCode {
			return true
		}
		ag, err := s.cfg.Catalog.Agency(ctx, code)
		if err != nil || ag.ParentCode == "" {
			return false
		}
		code = ag.ParentCode
	}
	return false
}

// reportsHome sends a viewer to the dashboard of their agency.
func (s *Server) pageReportsHome() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		scope := a.AgencyCode
		if a.IsSystemAdmin() {
			scope = report.Country
		}
		if !s.mayViewReports(r.Context(), a, scope) {
			s.forbidden(w, r, "Trang báo cáo dành cho lãnh đạo và cán bộ được giao xem báo cáo của cơ quan.")
			return
		}
		http.Redirect(w, r, "/bao-cao/"+scope, http.StatusSeeOther)
	})
}

// period reads ?ky= (or ?period= on the API); the current year by
// default.
func (s *Server) period(r *http.Request) (report.Period, error) {
	key := r.URL.Query().Get("ky")
	if key == "" {
		key = r.URL.Query().Get("period")
	}
	if key == "" {
		return report.PeriodOf("year", s.reports.Now()), nil
	}
	return report.ParsePeriod(key)
}

// dashboardPage is what the dashboard template shows.
type dashboardPage struct {
	report.Dashboard
	Crumbs        []report.Scope
	Periods       []report.Period // quick choices
	MonthsChart   template.HTML
	TimelyChart   template.HTML
	ChildrenChart template.HTML
	Today         string
	Errors        egov.FieldErrors // a period that could not be read: the default one is shown
	Alert, Notice string
	Typed         string // the period as typed, when it could not be read
}

// dashboardFor reads the dashboard the request asks for; a page passes
// lenient, to show the default period beside the error instead of an
// error page.
func (s *Server) dashboardFor(w http.ResponseWriter, r *http.Request, a *identity.Account, lenient bool) (report.Dashboard, egov.FieldErrors, bool) {
	scope := r.PathValue("scope")
	if !s.mayViewReports(r.Context(), a, scope) {
		s.forbidden(w, r, "Bạn chỉ xem được báo cáo của cơ quan mình và các đơn vị trực thuộc.")
		return report.Dashboard{}, nil, false
	}
	p, err := s.period(r)
	var fe egov.FieldErrors
	if errors.As(err, &fe) && lenient {
		p = report.PeriodOf("year", s.reports.Now())
	} else if err != nil {
		s.fail(w, r, err)
		return report.Dashboard{}, nil, false
	}
	d, err := s.reports.Dashboard(r.Context(), scope, p)
	if errors.Is(err, report.ErrNoScope) {
		s.notFound(w, r)
		return d, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return d, nil, false
	}
	return d, fe, true
}

func (s *Server) pageDashboard() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, fe, ok := s.dashboardFor(w, r, a, true)
		if !ok {
			return
		}
		page := dashboardPage{Dashboard: d, Today: s.reports.Today(), Errors: fe}
		if fe != nil {
			page.Typed = r.URL.Query().Get("ky")
		}
		for code := d.Scope.Parent; code != "" && len(page.Crumbs) < 8; {
			sc, err := s.reports.ScopeOf(r.Context(), code)
			if err != nil || !s.mayViewReports(r.Context(), a, sc.Code) {
				break
			}
			page.Crumbs = append([]report.Scope{sc}, page.Crumbs...)
			if sc.Code == report.Country {
				break
			}
			code = sc.Parent
		}
		now := s.reports.Now()
		for _, kind := range []string{"month", "quarter", "year"} {
			cur := report.PeriodOf(kind, now)
			page.Periods = append(page.Periods, cur, cur.Previous())
		}
		lang := language(r)
		var labels []string
		received, finished := series{Name: translate(lang, "report.received"), Class: "chart-a"}, series{Name: translate(lang, "report.finished"), Class: "chart-b"}
		for _, m := range d.Months {
			labels = append(labels, m.Name)
			received.Values = append(received.Values, float64(m.Figures.Received()))
			finished.Values = append(finished.Values, float64(m.Figures.Finished()))
		}
		page.MonthsChart = columnChart(translate(lang, "report.chart_months"), labels, []series{received, finished})
		f := d.Figures
		page.TimelyChart = barChart(translate(lang, "report.chart_timely"),
			[]string{translate(lang, "report.early"), translate(lang, "report.on_time"), translate(lang, "report.late")},
			[]float64{float64(f.Early), float64(f.OnTime), float64(f.Late)}, "")
		if len(d.Children) > 0 {
			var names []string
			var scores []float64
			for i, c := range d.Children {
				if i == 20 {
					break
				}
				names = append(names, c.Name)
				scores = append(scores, c.Score.Total)
			}
			page.ChildrenChart = barChart(translate(lang, "report.chart_children"), names, scores, "")
		}
		status := http.StatusOK
		if fe != nil {
			status = http.StatusBadRequest
		}
		s.render(w, r, status, "report", d.Scope.Name+" — "+d.Period.Label(), page)
	})
}

// apiDashboard is the dashboard as JSON.
func (s *Server) apiDashboard() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, _, ok := s.dashboardFor(w, r, a, false)
		if !ok {
			return
		}
		encode(w, http.StatusOK, d)
	})
}

// csvDashboard downloads one table of a dashboard.
func (s *Server) csvDashboard() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		table := strings.TrimSuffix(r.PathValue("table"), ".csv")
		var rows func(report.Dashboard) []report.Row
		switch table {
		case "tong-hop":
			rows = func(d report.Dashboard) []report.Row {
				return []report.Row{{Key: d.Scope.Code, Name: d.Scope.Name, Figures: d.Figures, Score: d.Score}}
			}
		case "theo-thang":
			rows = func(d report.Dashboard) []report.Row { return d.Months }
		case "don-vi":
			rows = func(d report.Dashboard) []report.Row { return d.Children }
		case "linh-vuc":
			rows = func(d report.Dashboard) []report.Row { return d.Fields }
		case "thu-tuc":
			rows = func(d report.Dashboard) []report.Row { return d.Top }
		default:
			s.notFound(w, r)
			return
		}
		d, _, ok := s.dashboardFor(w, r, a, false)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bao-cao-%s-%s-%s.csv"`, safeFileName(d.Scope.Code), d.Period.Key, table))
		w.Header().Set("Cache-Control", "private, no-store")
		writeFiguresCSV(w, rows(d), true)
	})
}

// safeFileName keeps the characters of an agency code a file name may
// hold.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// figureColumns are the CSV columns of figures; the names are stable, as
// open data's users rely on them (documented at /du-lieu-mo).
var figureColumns = []string{"ma", "ten", "tiep_nhan", "tiep_nhan_truc_tuyen", "tiep_nhan_truc_tiep", "tiep_nhan_qua_api",
	"da_giai_quyet", "truoc_han", "dung_han", "tre_han", "ty_le_dung_han", "tu_choi", "rut_ho_so",
	"dang_giai_quyet_trong_han", "dang_giai_quyet_qua_han", "cho_bo_sung", "cho_tiep_nhan",
	"ty_le_nop_truc_tuyen", "ho_so_co_phi_truc_tuyen", "thanh_toan_truc_tuyen", "ty_le_thanh_toan_truc_tuyen",
	"luot_danh_gia", "diem_danh_gia_trung_binh", "ty_le_hai_long", "ket_qua_dien_tu", "thu_xin_loi", "chi_so_phuc_vu"}

func share(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v*100, 'f', 2, 64)
}

func figureRecord(r report.Row) []string {
	f := r.Figures
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	avg := ""
	if v, ok := f.AverageRating(); ok {
		avg = strconv.FormatFloat(v, 'f', 2, 64)
	}
	return []string{csvText(r.Key), csvText(r.Name), n(f.Received()), n(f.ReceivedOnline), n(f.ReceivedCounter), n(f.ReceivedAPI),
		n(f.Finished()), n(f.Early), n(f.OnTime), n(f.Late), share(f.OnTimeRate()), n(f.Refused), n(f.Withdrawn),
		n(f.OpenOnTime), n(f.Overdue), n(f.Paused), n(f.Waiting),
		share(f.OnlineShare()), n(f.FeeDossiers), n(f.PaidOnline), share(f.PaidOnlineShare()),
		n(f.Ratings), avg, share(f.SatisfiedShare()), n(f.DigitalResults), n(f.Apologies),
		strconv.FormatFloat(r.Score.Total, 'f', 2, 64)}
}

// writeFiguresCSV writes rows as CSV with a byte-order mark, which
// spreadsheet programs need to read Vietnamese.
func writeFiguresCSV(w http.ResponseWriter, rows []report.Row, withScore bool) {
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cols := figureColumns
	if !withScore {
		cols = cols[:len(cols)-1]
	}
	cw.Write(cols)
	for _, r := range rows {
		rec := figureRecord(r)
		cw.Write(rec[:len(cols)])
	}
	cw.Flush()
}

// Public pages and open data: aggregates only, never a person's data.

// statisticsPage is the public statistics page.
type statisticsPage struct {
	Period     report.Period
	Periods    []report.Period
	Country    report.Dashboard
	Provinces  []report.Row
	Ministries []report.Row
	Chart      template.HTML
}

func (s *Server) pageStatistics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.period(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := s.reports.Dashboard(r.Context(), report.Country, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page := statisticsPage{Period: p, Country: d}
		if page.Provinces, err = s.reports.Ranking(r.Context(), "province", p); err != nil {
			s.fail(w, r, err)
			return
		}
		if page.Ministries, err = s.reports.Ranking(r.Context(), "ministry", p); err != nil {
			s.fail(w, r, err)
			return
		}
		now := s.reports.Now()
		for _, kind := range []string{"month", "quarter", "year"} {
			cur := report.PeriodOf(kind, now)
			page.Periods = append(page.Periods, cur, cur.Previous())
		}
		lang := language(r)
		var labels []string
		received, finished := series{Name: translate(lang, "report.received"), Class: "chart-a"}, series{Name: translate(lang, "report.finished"), Class: "chart-b"}
		for _, m := range d.Months {
			labels = append(labels, m.Name)
			received.Values = append(received.Values, float64(m.Figures.Received()))
			finished.Values = append(finished.Values, float64(m.Figures.Finished()))
		}
		page.Chart = columnChart(translate(lang, "report.chart_months"), labels, []series{received, finished})
		s.render(w, r, http.StatusOK, "statistics", translate(lang, "stats.title"), page)
	})
}

// apiRanking is the published ranking of provinces or ministries.
func (s *Server) apiRanking() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.PathValue("kind")
		if kind != "province" && kind != "ministry" {
			s.fail(w, r, egov.FieldErrors{"kind": "Chọn province (tỉnh, thành phố) hoặc ministry (bộ, ngành)."})
			return
		}
		p, err := s.period(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows, err := s.reports.Ranking(r.Context(), kind, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"period": p, "index": s.reports.Index(), "ranking": rows})
	})
}

func (s *Server) pageOpenData() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "opendata", translate(language(r), "open.title"), map[string]any{
			"Columns": figureColumns, "Period": report.PeriodOf("year", s.reports.Now()),
		})
	})
}

// openDataLicence is said in every open data answer.
const openDataLicence = "Dữ liệu mở theo Giấy phép Creative Commons Ghi công 4.0 (CC BY 4.0): được sử dụng, chia sẻ, chỉnh sửa, kể cả cho mục đích thương mại, với điều kiện ghi nguồn. https://creativecommons.org/licenses/by/4.0/deed.vi"

// apiOpenData serves the open data sets: procedures, agencies and
// statistics, as .json or .csv.
func (s *Server) apiOpenData() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, format, _ := strings.Cut(r.PathValue("dataset"), ".")
		if format != "json" && format != "csv" {
			s.notFound(w, r)
			return
		}
		ctx := r.Context()
		w.Header().Set("X-License", "CC-BY-4.0")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch name {
		case "procedures":
			procs, err := s.cfg.Catalog.Procedures(ctx)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			type proc struct {
				Code           string   `json:"code"`
				Name           string   `json:"name"`
				FieldCode      string   `json:"field_code"`
				FieldName      string   `json:"field_name"`
				Levels         []string `json:"levels"`
				OnlineLevel    string   `json:"online_level"`
				OldLevel       int      `json:"old_level"`
				ProcessingDays int      `json:"processing_days"`
				Status         string   `json:"status"`
				URL            string   `json:"url"`
			}
			out := make([]proc, 0, len(procs))
			for _, p := range procs {
				lv := make([]string, len(p.Levels))
				for i, l := range p.Levels {
					lv[i] = string(l)
				}
				out = append(out, proc{p.Code, p.Name, p.Field.Code, p.Field.Name, lv, string(p.OnlineLevel), p.OnlineLevel.OldLevel(),
					p.ProcessingDays, p.Status, "/thu-tuc/" + p.Code})
			}
			if format == "json" {
				encodePublic(w, map[string]any{"license": openDataLicence, "count": len(out), "procedures": out})
				return
			}
			rows := [][]string{{"ma", "ten", "ma_linh_vuc", "ten_linh_vuc", "cap_thuc_hien", "muc_do_truc_tuyen", "muc_do_cu", "so_ngay_giai_quyet", "trang_thai"}}
			for _, p := range out {
				rows = append(rows, []string{p.Code, p.Name, p.FieldCode, p.FieldName, strings.Join(p.Levels, ";"), p.OnlineLevel,
					strconv.Itoa(p.OldLevel), strconv.Itoa(p.ProcessingDays), p.Status})
			}
			writePublicCSV(w, "thu-tuc", rows)
		case "agencies":
			as, err := s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if format == "json" {
				encodePublic(w, map[string]any{"license": openDataLicence, "count": len(as), "agencies": as})
				return
			}
			rows := [][]string{{"ma", "ten", "ten_ngan", "cap", "ma_cap_tren", "dia_chi", "dien_thoai", "thu_dien_tu", "trang_web"}}
			for _, a := range as {
				rows = append(rows, []string{a.Code, a.Name, a.ShortName, string(a.Level), a.ParentCode, a.Address, a.Phone, a.Email, a.Website})
			}
			writePublicCSV(w, "co-quan", rows)
		case "statistics":
			p, err := s.period(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			var rows []report.Row
			for _, kind := range []string{"ministry", "province"} {
				rk, err := s.reports.Ranking(ctx, kind, p)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				rows = append(rows, rk...)
			}
			country, err := s.reports.Figures(ctx, []string{report.Country}, p, report.Filter{})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if format == "json" {
				encodePublic(w, map[string]any{"license": openDataLicence, "period": p, "country": country[report.Country], "agencies": rows})
				return
			}
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="thong-ke-`+p.Key+`.csv"`)
			w.Header().Set("Cache-Control", "public, max-age=300")
			writeFiguresCSV(w, append([]report.Row{{Key: report.Country, Name: "Cả nước", Figures: country[report.Country]}}, rows...), true)
		default:
			s.notFound(w, r)
		}
	})
}

func encodePublic(w http.ResponseWriter, v any) {
	encode(w, http.StatusOK, v)
}

// csvText keeps a spreadsheet from reading a name as a formula (CSV
// injection): a cell that starts with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe, as OWASP advises.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writePublicCSV(w http.ResponseWriter, name string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	for i, r := range rows {
		if i > 0 {
			for j := range r {
				r[j] = csvText(r[j])
			}
		}
		cw.Write(r)
	}
	cw.Flush()
}

// pct formats a share as a percentage for pages: 87,5 %; "—" without data.
func pct(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(v*100, 'f', 1, 64), ".", ",", 1) + " %"
}

var reportFuncs = template.FuncMap{
	"slice2":     func(a, b []report.Row) [][]report.Row { return [][]report.Row{a, b} },
	"count":      formatCount,
	"ontime":     func(f report.Figures) string { return pct(f.OnTimeRate()) },
	"online":     func(f report.Figures) string { return pct(f.OnlineShare()) },
	"paidonline": func(f report.Figures) string { return pct(f.PaidOnlineShare()) },
	"satisfied":  func(f report.Figures) string { return pct(f.SatisfiedShare()) },
	"digital":    func(f report.Figures) string { return pct(f.DigitalShare()) },
	"fullonline": func(o report.Offer) string { return pct(o.FullShare()) },
	"avgrating": func(f report.Figures) string {
		v, ok := f.AverageRating()
		if !ok {
			return "—"
		}
		return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", ",", 1) + " / 5"
	},
	"score": func(v float64) string { return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", ",", 1) },
	"points": func(g report.GroupScore) string {
		if !g.Known {
			return "—"
		}
		return strings.Replace(strconv.FormatFloat(g.Points, 'f', 2, 64), ".", ",", 1)
	},
}
