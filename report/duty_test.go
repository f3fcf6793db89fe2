package report_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

func official(agency string, roles ...identity.Role) *identity.Account {
	return &identity.Account{Kind: identity.KindOfficial, Username: "cb-" + agency + "-" + string(roles[0]), AgencyCode: agency, Roles: roles}
}

var dutyTemplate = report.Template{Code: "BC-TTHC", Name: "Báo cáo tình hình giải quyết thủ tục hành chính", Indicators: []report.TemplateIndicator{
	{Code: "staff", Name: "Số cán bộ làm việc tại bộ phận một cửa", Type: report.TypeNumber, Unit: "người"},
	{Code: "received", Name: "Số hồ sơ tiếp nhận", Type: report.TypeNumber, Unit: "hồ sơ", Source: "received"},
	{Code: "on_time", Name: "Tỉ lệ giải quyết đúng hạn", Type: report.TypePercent, Unit: "%", Source: "on_time_rate"},
	{Code: "remarks", Name: "Khó khăn, vướng mắc", Type: report.TypeText},
}}

// TestDutyLifecycle plays a month of the national reporting system: two
// communes of a province owe a report, one submits on time with the
// platform's figures filled in, the other misses the due day and then
// submits late; the province returns one, approves it resubmitted, and
// reads the sum and the average of its communes' reports.
func TestDutyLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat := seed(t, db)
		record(t, db, dossiers())
		now := *at("2026-12-05")
		clock := func() time.Time { return now }
		figures := report.NewService(db, report.TreeOf(cat), clock)
		svc := report.NewDutyService(db, figures, nil)
		sys := official(other, identity.RoleSystemAdmin)
		req := identity.Request{IP: "127.0.0.1"}

		tmpl, err := svc.SaveTemplate(ctx, sys, dutyTemplate, req)
		if err != nil {
			t.Fatal(err)
		}
		if tmpl.Indicators[0].Aggregate != report.AggregateSum || tmpl.Indicators[2].Aggregate != report.AggregateAverage || tmpl.Indicators[3].Aggregate != report.AggregateNone {
			t.Errorf("default aggregation: %+v", tmpl.Indicators)
		}
		provinceAdmin := official(province, identity.RoleAgencyAdmin)
		var duties []report.Duty
		for _, c := range []string{commune1, commune2} {
			d, err := svc.CreateDuty(ctx, provinceAdmin, report.NewDuty{TemplateCode: tmpl.Code, AgencyCode: c, Period: "month", DueDay: 10, FirstPeriod: "2026-11"}, req)
			if err != nil {
				t.Fatal(err)
			}
			duties = append(duties, d)
		}
		d1, d2 := duties[0], duties[1]
		if d1.ParentCode != province || d1.DueDate(mustPeriod(t, "2026-11")) != "2026-12-10" {
			t.Errorf("duty: %+v due %s", d1, d1.DueDate(mustPeriod(t, "2026-11")))
		}
		nov := mustPeriod(t, "2026-11")
		figs, err := figures.Figures(ctx, []string{commune1, commune2}, nov, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		c1Rate, _ := figs[commune1].OnTimeRate()
		c2Rate, _ := figs[commune2].OnTimeRate()
		// By hand: commune 1 received D1, D2, D5, D8 and finished D1 early
		// and D2 on time; commune 2 received D3, D4, D7 and finished D3 late.
		if figs[commune1].Received() != 4 || c1Rate != 1 || figs[commune2].Received() != 3 || c2Rate != 0 {
			t.Fatalf("figures: %+v %+v", figs[commune1], figs[commune2])
		}

		// Commune 1 opens the form: the automatic values are there, live.
		c1 := official(commune1, identity.RoleReportViewer)
		rep, err := svc.Report(ctx, c1, d1.ID, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.MayEdit || rep.MayReview || rep.Values["received"] != 4.0 || rep.Values["on_time"] != 100.0 || !rep.Live["received"] || rep.Live["staff"] {
			t.Errorf("form: %+v", rep)
		}
		if _, err := svc.Save(ctx, c1, d1.ID, "2026-11", report.Input{Values: map[string]string{"staff": "12"}}, false, req); err != nil {
			t.Fatal(err)
		}
		rep, err = svc.Save(ctx, c1, d1.ID, "2026-11", report.Input{Values: map[string]string{"staff": "12", "remarks": "Thiếu máy quét"}}, true, req)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status.Status != report.StatusSubmitted || rep.Status.Late || rep.Status.Missing || len(rep.Live) != 0 ||
			rep.Submission.Values["received"] != 4.0 || rep.Submission.Values["on_time"] != 100.0 || rep.Submission.Values["staff"] != 12.0 {
			t.Errorf("submitted: %+v %+v", rep.Status, rep.Submission)
		}
		if _, err := svc.Save(ctx, c1, d1.ID, "2026-11", report.Input{Values: map[string]string{"staff": "13"}}, false, req); !errors.Is(err, egov.ErrConflict) {
			t.Errorf("editing a submitted report: %v", err)
		}

		// Before the due day nothing is flagged; after it, commune 2 is.
		flags, err := svc.Overdue(ctx, provinceAdmin, province, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(flags) != 0 {
			t.Errorf("flags before the due day: %+v", flags)
		}
		now = *at("2026-12-11")
		flags, err = svc.Overdue(ctx, provinceAdmin, province, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(flags) != 1 || flags[0].Duty.ID != d2.ID || !flags[0].Missing || flags[0].Period.Key != "2026-11" {
			t.Errorf("flags after the due day: %+v", flags)
		}

		// The province returns commune 1's report; commune 1 corrects it
		// after the due day, which does not make it late.
		leader := official(province, identity.RoleLeader)
		if _, err := svc.Review(ctx, leader, d1.ID, "2026-11", false, "", req); !hasField(err, "review_note") {
			t.Errorf("return without a note: %v", err)
		}
		if _, err := svc.Review(ctx, official(commune1, identity.RoleLeader), d1.ID, "2026-11", true, "", req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("the commune approves itself: %v", err)
		}
		rep, err = svc.Review(ctx, leader, d1.ID, "2026-11", false, "Số cán bộ chưa đúng với quyết định phân công.", req)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status.Status != report.StatusReturned || rep.MayReview {
			t.Errorf("returned: %+v", rep.Status)
		}
		rep, err = svc.Report(ctx, c1, d1.ID, "2026-11")
		if err != nil || !rep.MayEdit || rep.Submission.ReviewNote == "" {
			t.Fatalf("returned, as the commune sees it: %+v %v", rep, err)
		}
		if _, err := svc.Save(ctx, c1, d1.ID, "2026-11", report.Input{Values: map[string]string{"staff": "15"}}, true, req); err != nil {
			t.Fatal(err)
		}
		rep, err = svc.Review(ctx, leader, d1.ID, "2026-11", true, "", req)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status.Status != report.StatusApproved || rep.Status.Late || rep.Submission.Values["staff"] != 15.0 {
			t.Errorf("approved: %+v %+v", rep.Status, rep.Submission)
		}

		// Commune 2 submits late.
		now = *at("2026-12-14")
		c2 := official(commune2, identity.RoleAgencyAdmin)
		if _, err := svc.Save(ctx, c2, d2.ID, "2026-11", report.Input{Values: map[string]string{"staff": "7,5"}}, true, req); err != nil {
			t.Fatal(err)
		}
		flags, err = svc.Overdue(ctx, provinceAdmin, province, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(flags) != 1 || flags[0].Duty.ID != d2.ID || flags[0].Missing || !flags[0].Late {
			t.Errorf("flags after the late report: %+v", flags)
		}

		// Before commune 2's approval, the province aggregates one report.
		agg, err := svc.Aggregate(ctx, leader, province, tmpl.Code, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if agg.Expected != 2 || agg.Reported != 1 || agg.Values["staff"] != 15.0 || agg.Values["received"] != 4.0 {
			t.Errorf("aggregate of one: %+v", agg)
		}
		if _, err := svc.Review(ctx, provinceAdmin, d2.ID, "2026-11", true, "", req); err != nil {
			t.Fatal(err)
		}
		agg, err = svc.Aggregate(ctx, leader, province, tmpl.Code, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		// By hand: staff 15 + 7.5; received 4 + 3; on time (100 + 0) / 2;
		// the remarks are text and not aggregated.
		if agg.Expected != 2 || agg.Reported != 2 || agg.Values["staff"] != 22.5 || agg.Values["received"] != 7.0 ||
			agg.Values["on_time"] != 50.0 || agg.Values["remarks"] != nil {
			t.Errorf("aggregate: %+v", agg)
		}

		// Another province's official neither sees nor approves.
		stranger := official(other, identity.RoleLeader)
		if _, err := svc.Report(ctx, stranger, d1.ID, "2026-11"); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("stranger reads: %v", err)
		}
		if _, err := svc.Review(ctx, stranger, d2.ID, "2026-11", true, "", req); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("stranger reviews: %v", err)
		}
		if _, err := svc.Aggregate(ctx, stranger, province, tmpl.Code, "2026-11"); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("stranger aggregates: %v", err)
		}
		if _, err := svc.Report(ctx, c2, d1.ID, "2026-11"); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("a sibling commune reads: %v", err)
		}
		if _, err := svc.CreateDuty(ctx, official(other, identity.RoleAgencyAdmin), report.NewDuty{TemplateCode: tmpl.Code, AgencyCode: commune1, Period: "year", DueDay: 5}, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("another province's administrator gives a duty: %v", err)
		}

		// Every change is in the audit log.
		entries, err := audit.New(db).List(ctx, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["report_template.saved"] != 1 || actions["report_duty.created"] != 2 || actions["report.draft_saved"] != 1 ||
			actions["report.submitted"] != 3 || actions["report.returned"] != 1 || actions["report.approved"] != 2 {
			t.Errorf("audit: %v", actions)
		}
	})
}

func mustPeriod(t *testing.T, key string) report.Period {
	t.Helper()
	p, err := report.ParsePeriod(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func hasField(err error, field string) bool {
	var fe egov.FieldErrors
	return errors.As(err, &fe) && fe[field] != ""
}

// TestDutyRefusesBadInput: each bad input is refused with the field named,
// and nothing is stored.
func TestDutyRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat := seed(t, db)
		now := *at("2026-12-05")
		svc := report.NewDutyService(db, report.NewService(db, report.TreeOf(cat), func() time.Time { return now }), nil)
		sys := official(other, identity.RoleSystemAdmin)
		req := identity.Request{}

		bad := dutyTemplate
		bad.Indicators = append([]report.TemplateIndicator(nil), dutyTemplate.Indicators...)
		bad.Indicators[1].Source = "births"
		bad.Indicators[2].Aggregate = report.AggregateSum
		if _, err := svc.SaveTemplate(ctx, sys, bad, req); !hasField(err, "indicators[1].source") || !hasField(err, "indicators[2].aggregate") {
			t.Errorf("unknown source, summed percentage: %v", err)
		}
		if _, err := svc.SaveTemplate(ctx, official(province, identity.RoleAgencyAdmin), dutyTemplate, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("an agency administrator saves a template: %v", err)
		}
		if ts, err := svc.Templates(ctx); err != nil || len(ts) != 0 {
			t.Fatalf("templates stored: %v %v", ts, err)
		}
		if _, err := svc.SaveTemplate(ctx, sys, dutyTemplate, req); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			n     report.NewDuty
			field string
		}{
			{report.NewDuty{TemplateCode: dutyTemplate.Code, AgencyCode: commune1, Period: "month", DueDay: 31}, "due_day"},
			{report.NewDuty{TemplateCode: "BC-KHONG-CO", AgencyCode: commune1, Period: "month", DueDay: 5}, "template_code"},
			{report.NewDuty{TemplateCode: dutyTemplate.Code, AgencyCode: commune1, Period: "week", DueDay: 5}, "period"},
			{report.NewDuty{TemplateCode: dutyTemplate.Code, AgencyCode: commune1, Period: "month", DueDay: 5, FirstPeriod: "2026-Q4"}, "first_period"},
		} {
			if _, err := svc.CreateDuty(ctx, sys, c.n, req); !hasField(err, c.field) {
				t.Errorf("%+v: %v, want an error on %s", c.n, err, c.field)
			}
		}
		d, err := svc.CreateDuty(ctx, sys, report.NewDuty{TemplateCode: dutyTemplate.Code, AgencyCode: commune1, Period: "month", DueDay: 5}, req)
		if err != nil {
			t.Fatal(err)
		}
		if d.FirstPeriod != "2026-12" {
			t.Errorf("first period %s, want the current month", d.FirstPeriod)
		}
		if _, err := svc.CreateDuty(ctx, sys, report.NewDuty{TemplateCode: dutyTemplate.Code, AgencyCode: commune1, Period: "year", DueDay: 5}, req); !hasField(err, "agency_code") {
			t.Errorf("a second duty of the same template: %v", err)
		}
		c1 := official(commune1, identity.RoleLeader)
		for _, c := range []struct {
			in    map[string]string
			field string
		}{
			{map[string]string{"staff": "-3"}, "values.staff"},
			{map[string]string{"staff": "mười"}, "values.staff"},
			{map[string]string{"staff": "3", "received": "9"}, "values.received"},
			{map[string]string{"staff": "3", "nothing": "9"}, "values.nothing"},
			{map[string]string{}, "values.staff"},
		} {
			if _, err := svc.Save(ctx, c1, d.ID, "2026-12", report.Input{Values: c.in}, true, req); !hasField(err, c.field) {
				t.Errorf("%v: %v, want an error on %s", c.in, err, c.field)
			}
		}
		for _, key := range []string{"2026-11", "2027-01", "2026-Q4", "tháng 12"} {
			if _, err := svc.Save(ctx, c1, d.ID, key, report.Input{Values: map[string]string{"staff": "3"}}, false, req); !errors.Is(err, egov.ErrInvalid) {
				t.Errorf("period %s: %v", key, err)
			}
		}
		rep, err := svc.Report(ctx, c1, d.ID, "2026-12")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Submission != nil || rep.Status.Status != report.StatusNone {
			t.Errorf("something was stored: %+v", rep.Submission)
		}
	})
}
