package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/report"
)

// The national reporting system's pages and API (báo cáo định kỳ): an
// agency's duties and where each period stands, the report form with the
// platform's figures filled in, the review by the agency above, the
// aggregated view of a parent, the late and missing reports, and the
// system administrators' templates and duties.

// reportDuties is the reporting service over the server's database; it is
// cheap to build and keeps no state of its own.
func (s *Server) reportDuties() *report.DutyService {
	return report.NewDutyService(s.cfg.DB, s.reports, nil) // the server's figures, with their cache
}

// dutyPeriods is how many of a duty's last periods the pages show.
const dutyPeriods = 6

// failDuty answers the reporting service's refusals with their message.
func (s *Server) failDuty(w http.ResponseWriter, r *http.Request, err error) {
	var de *report.DutyError
	if !errors.As(err, &de) {
		s.fail(w, r, err)
		return
	}
	status, code, title := http.StatusBadRequest, "invalid_argument", "Yêu cầu không hợp lệ"
	switch {
	case errors.Is(err, egov.ErrNotFound):
		status, code, title = http.StatusNotFound, "not_found", s.pages.t(r, "notfound.title")
	case errors.Is(err, egov.ErrForbidden):
		s.forbidden(w, r, de.Msg)
		return
	case errors.Is(err, egov.ErrConflict):
		status, code, title = http.StatusConflict, "conflict", "Không thực hiện được"
	}
	if isAPI(r) {
		writeAPIError(w, status, code, de.Msg, nil)
		return
	}
	s.errorPage(w, r, status, title, de.Msg)
}

// dutyAgency is the agency whose reporting the caller looks at: the one
// asked for (the service checks the caller may), else theirs. An official
// of the agency without a reporting role is refused here.
func (s *Server) dutyAgency(w http.ResponseWriter, r *http.Request, a *identity.Account, param string) (string, bool) {
	agency := a.AgencyCode
	if c := strings.TrimSpace(r.URL.Query().Get(param)); c != "" {
		agency = c
	}
	if agency == a.AgencyCode && !a.ActsFor(agency, dutyReaderRoles...) {
		s.forbidden(w, r, dutyOfficialsOnly)
		return "", false
	}
	return agency, true
}

var dutyReaderRoles = []identity.Role{identity.RoleAgencyAdmin, identity.RoleReportViewer, identity.RoleLeader}

const dutyOfficialsOnly = "Báo cáo định kỳ dành cho lãnh đạo, quản trị và cán bộ báo cáo của cơ quan."

// requireDutyOfficial runs h for officials; others are refused.
func (s *Server) requireDutyOfficial(h func(w http.ResponseWriter, r *http.Request, a *identity.Account)) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if a.Kind != identity.KindOfficial || a.Disabled {
			s.forbidden(w, r, dutyOfficialsOnly)
			return
		}
		h(w, r, a)
	})
}

// dutyPath reads the {duty} and {period} of a path.
func dutyPath(r *http.Request) (int64, string, bool) {
	id, err := strconv.ParseInt(r.PathValue("duty"), 10, 64)
	return id, r.PathValue("period"), err == nil && id > 0
}

// dutyValues turns the JSON values of a report into what the service
// reads: numbers and text as typed.
func dutyValues(in map[string]any) (map[string]string, egov.FieldErrors) {
	out := map[string]string{}
	fe := egov.FieldErrors{}
	for k, v := range in {
		switch x := v.(type) {
		case nil:
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case string:
			out[k] = x
		default:
			fe["values."+k] = "Giá trị phải là một số hoặc một chuỗi."
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return out, nil
}

// API.

func (s *Server) apiReportTemplates() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		ts, err := s.reportDuties().Templates(r.Context())
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		if ts == nil {
			ts = []report.Template{}
		}
		encode(w, http.StatusOK, map[string]any{"templates": ts, "sources": report.AutoSources})
	})
}

func (s *Server) apiSaveReportTemplate() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.IsSystemAdmin() {
			s.forbidden(w, r, "Chỉ quản trị hệ thống quản lý mẫu báo cáo.")
			return
		}
		var body struct {
			Name       string                     `json:"name"`
			Indicators []report.TemplateIndicator `json:"indicators"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		t, err := s.reportDuties().SaveTemplate(r.Context(), a, report.Template{Code: r.PathValue("code"), Name: body.Name, Indicators: body.Indicators}, clientRequest(r))
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, t)
	})
}

func (s *Server) apiReportDuties() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.dutyAgency(w, r, a, "agency")
		if !ok {
			return
		}
		ov, err := s.reportDuties().Overview(r.Context(), a, agency, dutyPeriods)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, ov)
	})
}

func (s *Server) apiCreateReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var n report.NewDuty
		if err := decodeJSON(w, r, &n); err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := s.reportDuties().CreateDuty(r.Context(), a, n, clientRequest(r))
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusCreated, d)
	})
}

func (s *Server) apiReportOverdue() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.dutyAgency(w, r, a, "agency")
		if !ok {
			return
		}
		flags, err := s.reportDuties().Overdue(r.Context(), a, agency, 24)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"reports": flags})
	})
}

func (s *Server) apiReportAggregate() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		q := r.URL.Query()
		agency, ok := s.dutyAgency(w, r, a, "agency")
		if !ok {
			return
		}
		agg, err := s.reportDuties().Aggregate(r.Context(), a, agency, q.Get("template"), q.Get("period"))
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, agg)
	})
}

func (s *Server) apiReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		rep, err := s.reportDuties().Report(r.Context(), a, id, period)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}

// apiSaveReportDuty saves a draft (PUT) or submits (POST .../submit).
func (s *Server) apiSaveReportDuty(submit bool) http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		var body struct {
			Values map[string]any `json:"values"`
			Note   string         `json:"note"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		vals, fe := dutyValues(body.Values)
		if fe != nil {
			s.fail(w, r, fe)
			return
		}
		rep, err := s.reportDuties().Save(r.Context(), a, id, period, report.Input{Values: vals, Note: body.Note}, submit, clientRequest(r))
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}

func (s *Server) apiReviewReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		var body struct {
			Decision string `json:"decision"`
			Note     string `json:"note"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		if body.Decision != "approve" && body.Decision != "return" {
			s.fail(w, r, egov.FieldErrors{"decision": "Chọn approve (duyệt) hoặc return (trả lại)."})
			return
		}
		rep, err := s.reportDuties().Review(r.Context(), a, id, period, body.Decision == "approve", body.Note, clientRequest(r))
		var fe egov.FieldErrors
		if errors.As(err, &fe) && fe["review_note"] != "" {
			err = egov.FieldErrors{"note": fe["review_note"]}
		}
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}

// Pages.

// formatDutyValue writes a value the Vietnamese way: 12,5; "—" when there
// is none.
func formatDutyValue(v any) string {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strings.Replace(strconv.FormatFloat(x, 'f', -1, 64), ".", ",", 1)
	case string:
		return x
	}
	return "—"
}

// dutyPeriodView is one period of a duty as the pages show it.
type dutyPeriodView struct {
	report.PeriodStatus
	Href  string
	Class string // the status badge's style
}

func dutyStatusClass(status string) string {
	switch status {
	case report.StatusApproved:
		return "status-done"
	case report.StatusSubmitted:
		return "status-submitted"
	case report.StatusReturned:
		return "status-returned"
	case report.StatusDraft:
		return "status-processing"
	}
	return ""
}

type dutyStatusView struct {
	Duty    report.Duty
	Periods []dutyPeriodView
}

func dutyViews(list []report.DutyStatus) []dutyStatusView {
	out := make([]dutyStatusView, len(list))
	for i, ds := range list {
		out[i].Duty = ds.Duty
		for _, p := range ds.Periods {
			out[i].Periods = append(out[i].Periods, dutyPeriodView{PeriodStatus: p, Class: dutyStatusClass(p.Status),
				Href: fmt.Sprintf("/bao-cao-dinh-ky/%d/%s", ds.Duty.ID, p.Period.Key)})
		}
	}
	return out
}

type dutyOverviewPage struct {
	Overview  report.Overview
	Own       []dutyStatusView
	Below     []dutyStatusView
	Aggregate []dutyAggregateLink
	Query     string // ?co-quan=… when looking at another agency
	MayAdmin  bool
	Errors    egov.FieldErrors
	Alert     string
	Notice    string
}

type dutyAggregateLink struct{ Name, Href string }

func dutyAgencyQuery(r *http.Request, a *identity.Account, sep string) string {
	if c := r.URL.Query().Get("co-quan"); c != "" && c != a.AgencyCode {
		return sep + "co-quan=" + url.QueryEscape(c)
	}
	return ""
}

func (s *Server) pageReportDuties() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.dutyAgency(w, r, a, "co-quan")
		if !ok {
			return
		}
		ov, err := s.reportDuties().Overview(r.Context(), a, agency, dutyPeriods)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		page := dutyOverviewPage{Overview: ov, Own: dutyViews(ov.Own), Below: dutyViews(ov.Below), Query: dutyAgencyQuery(r, a, "?"),
			MayAdmin: a.IsSystemAdmin() || a.ActsFor(a.AgencyCode, identity.RoleAgencyAdmin)}
		for _, t := range ov.Templates {
			for _, ds := range ov.Below {
				if ds.Duty.TemplateCode == t.Code && ds.Duty.ParentCode == agency && len(ds.Periods) > 0 {
					p := ds.Periods[0].Period
					for _, ps := range ds.Periods {
						if ps.Due {
							p = ps.Period
							break
						}
					}
					page.Aggregate = append(page.Aggregate, dutyAggregateLink{Name: t.Name,
						Href: "/bao-cao-dinh-ky/tong-hop?mau=" + url.QueryEscape(t.Code) + "&ky=" + p.Key + "&co-quan=" + url.QueryEscape(agency)})
					break
				}
			}
		}
		s.render(w, r, http.StatusOK, "report_duty", translate(language(r), "rduty.title"), page)
	})
}

type dutyOverduePage struct {
	AgencyName string
	Flags      []dutyFlagView
	Query      string
	Errors     egov.FieldErrors
	Alert      string
	Notice     string
}

type dutyFlagView struct {
	report.Flag
	Href string
}

func (s *Server) pageReportOverdue() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.dutyAgency(w, r, a, "co-quan")
		if !ok {
			return
		}
		svc := s.reportDuties()
		ov, err := svc.Overview(r.Context(), a, agency, 1)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		flags, err := svc.Overdue(r.Context(), a, agency, 24)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		page := dutyOverduePage{AgencyName: ov.AgencyName, Query: dutyAgencyQuery(r, a, "?")}
		for _, f := range flags {
			page.Flags = append(page.Flags, dutyFlagView{Flag: f, Href: fmt.Sprintf("/bao-cao-dinh-ky/%d/%s", f.Duty.ID, f.Period.Key)})
		}
		s.render(w, r, http.StatusOK, "report_duty_overdue", translate(language(r), "rduty.overdue_title"), page)
	})
}

type dutyAggregatePage struct {
	Aggregation report.Aggregation
	Rows        []dutyValueRow
	Children    []dutyChildView
	Templates   []report.Template
	Period      string
	Errors      egov.FieldErrors
	Alert       string
	Notice      string
}

type dutyChildView struct {
	report.ChildReport
	Href   string
	Values []string // in the template's order
}

func (s *Server) pageReportAggregate() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		q := r.URL.Query()
		agency, ok := s.dutyAgency(w, r, a, "co-quan")
		if !ok {
			return
		}
		period := q.Get("ky")
		if period == "" {
			period = report.PeriodOf("month", time.Now()).Previous().Key
		}
		agg, err := s.reportDuties().Aggregate(r.Context(), a, agency, q.Get("mau"), period)
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		page := dutyAggregatePage{Aggregation: agg, Period: period}
		for _, in := range agg.Template.Indicators {
			page.Rows = append(page.Rows, dutyValueRow{Code: in.Code, Name: in.Name, Unit: in.Unit, Type: in.Type,
				Aggregate: in.Aggregate, Value: formatDutyValue(agg.Values[in.Code])})
		}
		for _, c := range agg.Children {
			v := dutyChildView{ChildReport: c, Href: fmt.Sprintf("/bao-cao-dinh-ky/%d/%s", c.Duty.ID, agg.Period.Key)}
			for _, in := range agg.Template.Indicators {
				if c.Values == nil {
					v.Values = append(v.Values, "")
				} else {
					v.Values = append(v.Values, formatDutyValue(c.Values[in.Code]))
				}
			}
			page.Children = append(page.Children, v)
		}
		s.render(w, r, http.StatusOK, "report_duty_aggregate", translate(language(r), "rduty.aggregate_title"), page)
	})
}

// dutyValueRow is one indicator of a report as its page shows it.
type dutyValueRow struct {
	Code, Name, Unit, Type, Aggregate string
	Source                            string // the platform figure's name; "" when typed
	Value                             string // as shown, or as typed in the form
	Live                              bool   // computed now, stored when submitted
	Error                             string
}

type dutyReportPage struct {
	Report report.Report
	Rows   []dutyValueRow
	Note   string
	Href   string
	Errors egov.FieldErrors
	Alert  string
	Notice string
}

// ErrorOrder lists the form's fields in their order.
func (p dutyReportPage) ErrorOrder() []string {
	out := make([]string, 0, len(p.Rows)+2)
	for _, r := range p.Rows {
		out = append(out, "values."+r.Code)
	}
	return append(out, "note", "review_note")
}

func (s *Server) pageReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		notice := ""
		switch r.URL.Query().Get("da") {
		case "luu":
			notice = translate(language(r), "rduty.saved")
		case "gui":
			notice = translate(language(r), "rduty.submitted")
		case "duyet":
			notice = translate(language(r), "rduty.approved")
		case "tra-lai":
			notice = translate(language(r), "rduty.returned")
		}
		s.renderReportDuty(w, r, a, id, period, http.StatusOK, nil, nil, notice)
	})
}

// renderReportDuty shows the report; typed and errs are what a refused
// form posted.
func (s *Server) renderReportDuty(w http.ResponseWriter, r *http.Request, a *identity.Account, id int64, period string, status int,
	typed map[string]string, errs egov.FieldErrors, notice string) {
	rep, err := s.reportDuties().Report(r.Context(), a, id, period)
	if err != nil {
		s.failDuty(w, r, err)
		return
	}
	page := dutyReportPage{Report: rep, Errors: errs, Notice: notice, Href: fmt.Sprintf("/bao-cao-dinh-ky/%d/%s", id, rep.Status.Period.Key)}
	if rep.Submission != nil {
		page.Note = rep.Submission.Note
	}
	if typed != nil {
		page.Note = typed["note"]
	}
	for _, in := range rep.Template.Indicators {
		row := dutyValueRow{Code: in.Code, Name: in.Name, Unit: in.Unit, Type: in.Type, Aggregate: in.Aggregate,
			Live: rep.Live[in.Code], Error: errs["values."+in.Code]}
		if src, ok := report.AutoSourceOf(in.Source); ok {
			row.Source = src.Name
		}
		v, has := rep.Values[in.Code]
		switch {
		case typed != nil && in.Source == "":
			row.Value = typed["values."+in.Code]
		case rep.MayEdit && in.Source == "":
			if has {
				row.Value = strings.TrimSuffix(formatDutyValue(v), "—")
			}
		default:
			row.Value = formatDutyValue(v)
		}
		page.Rows = append(page.Rows, row)
	}
	if len(errs) > 0 {
		page.Alert = translate(language(r), "rduty.fix")
	}
	s.render(w, r, status, "report_duty_form", rep.Duty.TemplateName+" · "+rep.Status.Period.Label(), page)
}

func (s *Server) pageSaveReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không đọc được."})
			return
		}
		typed := map[string]string{"note": r.PostForm.Get("note")}
		in := report.Input{Values: map[string]string{}, Note: r.PostForm.Get("note")}
		for k, v := range r.PostForm {
			if code, ok := strings.CutPrefix(k, "values."); ok && len(v) > 0 {
				in.Values[code], typed[k] = v[0], v[0]
			}
		}
		submit := r.PostForm.Get("action") == "gui"
		_, err := s.reportDuties().Save(r.Context(), a, id, period, in, submit, clientRequest(r))
		var fe egov.FieldErrors
		if errors.As(err, &fe) && fe["period"] == "" {
			s.renderReportDuty(w, r, a, id, period, http.StatusBadRequest, typed, fe, "")
			return
		}
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		done := "luu"
		if submit {
			done = "gui"
		}
		http.Redirect(w, r, fmt.Sprintf("/bao-cao-dinh-ky/%d/%s?da=%s", id, period, done), http.StatusSeeOther)
	})
}

func (s *Server) pageReviewReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, period, ok := dutyPath(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		approve := r.PostFormValue("action") == "duyet"
		note := r.PostFormValue("review_note")
		_, err := s.reportDuties().Review(r.Context(), a, id, period, approve, note, clientRequest(r))
		var fe egov.FieldErrors
		if errors.As(err, &fe) && fe["review_note"] != "" {
			s.renderReportDuty(w, r, a, id, period, http.StatusBadRequest, nil, fe, "")
			return
		}
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		done := "tra-lai"
		if approve {
			done = "duyet"
		}
		http.Redirect(w, r, fmt.Sprintf("/bao-cao-dinh-ky/%d/%s?da=%s", id, period, done), http.StatusSeeOther)
	})
}

// The administrators' page: templates and duties.

type dutyIndicatorForm struct {
	Index                                     int
	Code, Name, Type, Unit, Aggregate, Source string
}

type dutyAdminPage struct {
	Templates  []report.Template
	Sources    []report.AutoSource
	Types      []string
	Aggregates []string
	Kinds      []string
	SysAdmin   bool
	Template   struct{ Code, Name string }
	Indicators []dutyIndicatorForm
	Duty       map[string]string
	Errors     egov.FieldErrors
	Alert      string
	Notice     string
}

// ErrorOrder lists the forms' fields in their order.
func (p dutyAdminPage) ErrorOrder() []string {
	return []string{"code", "name", "indicators", "template_code", "agency_code", "period", "due_day", "first_period"}
}

// mayAdminDuties: system administrators, and agency administrators for
// the duties of the agencies under theirs.
func mayAdminDuties(a *identity.Account) bool {
	return a.IsSystemAdmin() || a.ActsFor(a.AgencyCode, identity.RoleAgencyAdmin)
}

const dutyAdminOnly = "Mẫu và nhiệm vụ báo cáo do quản trị hệ thống và quản trị của cơ quan cấp trên quản lý."

func (s *Server) pageReportAdmin() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !mayAdminDuties(a) {
			s.forbidden(w, r, dutyAdminOnly)
			return
		}
		page := dutyAdminPage{Duty: map[string]string{"due_day": "10", "period": "month"}}
		if code := r.URL.Query().Get("mau"); code != "" && a.IsSystemAdmin() {
			t, err := s.reportDuties().Template(r.Context(), code)
			if err != nil {
				s.failDuty(w, r, err)
				return
			}
			page.Template.Code, page.Template.Name = t.Code, t.Name
			for i, in := range t.Indicators {
				page.Indicators = append(page.Indicators, dutyIndicatorForm{Index: i, Code: in.Code, Name: in.Name, Type: in.Type,
					Unit: in.Unit, Aggregate: in.Aggregate, Source: in.Source})
			}
		}
		switch r.URL.Query().Get("da") {
		case "mau":
			page.Notice = translate(language(r), "rduty.template_saved")
		case "nhiem-vu":
			page.Notice = translate(language(r), "rduty.duty_created")
		}
		s.renderReportAdmin(w, r, a, http.StatusOK, page)
	})
}

func (s *Server) renderReportAdmin(w http.ResponseWriter, r *http.Request, a *identity.Account, status int, page dutyAdminPage) {
	ts, err := s.reportDuties().Templates(r.Context())
	if err != nil {
		s.failDuty(w, r, err)
		return
	}
	page.Templates, page.Sources, page.SysAdmin = ts, report.AutoSources, a.IsSystemAdmin()
	page.Types = []string{report.TypeNumber, report.TypePercent, report.TypeText}
	page.Aggregates = []string{report.AggregateSum, report.AggregateAverage, report.AggregateMax, report.AggregateNone}
	page.Kinds = []string{"month", "quarter", "year"}
	if page.Duty == nil {
		page.Duty = map[string]string{}
	}
	// Blank rows to add indicators without JavaScript.
	for blank := 0; blank < 3 || len(page.Indicators) < 4; blank++ {
		page.Indicators = append(page.Indicators, dutyIndicatorForm{Index: len(page.Indicators)})
	}
	if len(page.Errors) > 0 && page.Alert == "" {
		page.Alert = translate(language(r), "rduty.fix")
	}
	s.render(w, r, status, "report_duty_admin", translate(language(r), "rduty.admin_title"), page)
}

func (s *Server) pageSaveReportTemplate() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.IsSystemAdmin() {
			s.forbidden(w, r, "Chỉ quản trị hệ thống quản lý mẫu báo cáo.")
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không đọc được."})
			return
		}
		f := r.PostForm
		page := dutyAdminPage{Duty: map[string]string{"due_day": "10", "period": "month"}}
		page.Template.Code, page.Template.Name = f.Get("code"), f.Get("name")
		t := report.Template{Code: f.Get("code"), Name: f.Get("name")}
		var rows []int // the form's row of each indicator kept
		for i := 0; i < 100; i++ {
			get := func(k string) string { return strings.TrimSpace(f.Get(fmt.Sprintf("indicators[%d].%s", i, k))) }
			in := dutyIndicatorForm{Index: i, Code: get("code"), Name: get("name"), Type: get("type"), Unit: get("unit"),
				Aggregate: get("aggregate"), Source: get("source")}
			if !f.Has(fmt.Sprintf("indicators[%d].code", i)) {
				break
			}
			page.Indicators = append(page.Indicators, in)
			if in.Code == "" && in.Name == "" && in.Unit == "" && in.Source == "" {
				continue // a blank row
			}
			rows = append(rows, i)
			t.Indicators = append(t.Indicators, report.TemplateIndicator{Code: in.Code, Name: in.Name, Type: in.Type, Unit: in.Unit,
				Aggregate: in.Aggregate, Source: in.Source})
		}
		_, err := s.reportDuties().SaveTemplate(r.Context(), a, t, clientRequest(r))
		var fe egov.FieldErrors
		if errors.As(err, &fe) {
			// The service numbers the indicators kept; the form its rows.
			page.Errors = egov.FieldErrors{}
			for k, v := range fe {
				var j int
				var rest string
				if n, _ := fmt.Sscanf(k, "indicators[%d]", &j); n == 1 && j < len(rows) {
					rest = k[strings.Index(k, "]")+1:]
					k = fmt.Sprintf("indicators[%d]%s", rows[j], rest)
				}
				page.Errors[k] = v
			}
			if page.Errors["indicators"] != "" {
				page.Errors["indicators[0].code"] = page.Errors["indicators"]
				delete(page.Errors, "indicators")
			}
			s.renderReportAdmin(w, r, a, http.StatusBadRequest, page)
			return
		}
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		http.Redirect(w, r, "/quan-tri/bao-cao-dinh-ky?da=mau&mau="+url.QueryEscape(strings.TrimSpace(t.Code)), http.StatusSeeOther)
	})
}

func (s *Server) pageCreateReportDuty() http.Handler {
	return s.requireDutyOfficial(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !mayAdminDuties(a) {
			s.forbidden(w, r, dutyAdminOnly)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không đọc được."})
			return
		}
		f := r.PostForm
		page := dutyAdminPage{Duty: map[string]string{}}
		for _, k := range []string{"template_code", "agency_code", "period", "due_day", "first_period"} {
			page.Duty[k] = strings.TrimSpace(f.Get(k))
		}
		day, err := strconv.Atoi(page.Duty["due_day"])
		if err != nil {
			day = 0 // refused below with the field named
		}
		_, err = s.reportDuties().CreateDuty(r.Context(), a, report.NewDuty{TemplateCode: page.Duty["template_code"], AgencyCode: page.Duty["agency_code"],
			Period: page.Duty["period"], DueDay: day, FirstPeriod: page.Duty["first_period"]}, clientRequest(r))
		var fe egov.FieldErrors
		if errors.As(err, &fe) {
			page.Errors = fe
			s.renderReportAdmin(w, r, a, http.StatusBadRequest, page)
			return
		}
		if err != nil {
			s.failDuty(w, r, err)
			return
		}
		http.Redirect(w, r, "/quan-tri/bao-cao-dinh-ky?da=nhiem-vu", http.StatusSeeOther)
	})
}
