package dossier_test

import (
	"context"
	"testing"
	"time"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// TestFiguresFollowTheDossiers: the report figures that every change keeps
// up to date count what happened to real dossiers, and agree with the
// figures computed afresh from the dossiers.
func TestFiguresFollowTheDossiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		check := func(when string) {
			t.Helper()
			diffs, err := report.Verify(ctx, db, dossier.EachFacts(db.DB))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Errorf("%s: %s", when, d)
			}
		}
		// Received Friday 13 February 2026, due Wednesday 25 February.
		early := f.received(t, vn(2026, 2, 13, 9, 0))
		check("after a reception")
		if _, err := f.finish(t, early, vn(2026, 2, 24, 10, 0)); err != nil {
			t.Fatal(err)
		}
		onTime := f.received(t, vn(2026, 2, 13, 9, 30))
		if _, err := f.finish(t, onTime, vn(2026, 2, 25, 16, 0)); err != nil {
			t.Fatal(err)
		}
		check("after two results")
		if _, err := f.svc.Rate(ctx, &f.citizen, early.Code, 5, "Nhanh", req); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rate(ctx, &f.citizen, early.Code, 2, "Đổi ý", req); err != nil {
			t.Fatal(err)
		}
		*f.clock = vn(2026, 2, 16, 9, 0)
		refused, _, err := f.svc.Create(ctx, &f.citizen, dossier.Application{ProcedureCode: "1.004873", AgencyCode: commune,
			Data: choose(t, f, "1.004873", maritalData()), Papers: f.papers[:1]}, dossier.CreateOptions{Submit: true}, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Act(ctx, &f.receiver, refused.Code, dossier.ActionRequest{Action: dossier.ActRefuse, Comment: "Không thuộc thẩm quyền"}, req); err != nil {
			t.Fatal(err)
		}
		// Overdue on 26 February, then an apology with a new appointment.
		late := f.received(t, vn(2026, 2, 13, 10, 0))
		*f.clock = vn(2026, 2, 26, 9, 0)
		if _, err := f.svc.Act(ctx, &f.expert, late.Code, dossier.ActionRequest{Action: dossier.ActForward}, req); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Act(ctx, &f.leader, late.Code, dossier.ActionRequest{Action: dossier.ActApologize,
			Comment: "Cần xác minh", NewDueDate: "2026-03-02"}, req); err != nil {
			t.Fatal(err)
		}
		paused := f.received(t, vn(2026, 2, 16, 10, 0))
		if _, err := f.svc.Act(ctx, &f.expert, paused.Code, dossier.ActionRequest{Action: dossier.ActRequestSupplement, Comment: "Thiếu bản sao"}, req); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Create(ctx, &f.citizen, dossier.Application{ProcedureCode: "1.004873", AgencyCode: commune,
			Data: choose(t, f, "1.004873", maritalData()), Papers: f.papers[:1]}, dossier.CreateOptions{Submit: true}, req)
		if err != nil {
			t.Fatal(err)
		}
		withdrawn, _, err := f.svc.Create(ctx, &f.citizen, dossier.Application{ProcedureCode: "1.004873", AgencyCode: commune,
			Data: choose(t, f, "1.004873", maritalData()), Papers: f.papers[:1]}, dossier.CreateOptions{Submit: true}, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(ctx, &f.citizen, withdrawn.Code, "Nộp nhầm", withdrawn.Version, req); err != nil {
			t.Fatal(err)
		}
		check("at the end")

		svc := report.NewService(db, report.TreeOf(f.cat), func() time.Time { return *f.clock })
		feb, _ := report.ParsePeriod("2026-02")
		figs, err := svc.Figures(ctx, []string{commune, report.Country}, feb, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := figs[commune]
		// Four received online in February (the refused, the waiting and
		// the withdrawn ones never were); one early, one on time; one refused, one
		// withdrawn; one rating, of 2 (the second replaced the first); one
		// apology; open: the apologised one on time against its new
		// appointment, one waiting for papers, one waiting for reception.
		want := report.Figures{Tally: report.Tally{ReceivedOnline: 4, Early: 1, OnTime: 1, Refused: 1, Withdrawn: 1,
			DigitalResults: 2, Ratings: 1, RatingSum: 2, Apologies: 1}, Waiting: 1, OpenOnTime: 1, Paused: 1}
		if got != want {
			t.Errorf("commune figures\n got %+v\nwant %+v", got, want)
		}
		if figs[report.Country] != got {
			t.Errorf("country %+v, commune %+v", figs[report.Country], got)
		}
	}, jobs.Migrate)
}
