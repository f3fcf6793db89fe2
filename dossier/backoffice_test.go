package dossier_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// vn is a time in Hà Nội.
func vn(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, calendar.Vietnam).UTC()
}

// maritalData fills the certificate of marital status (1.004873: three
// working days) beyond what the account prefills.
func maritalData() map[string]any {
	return map[string]any{
		"nguoi_yeu_cau_noi_cu_tru": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội",
		"ngay_sinh":                "1990-05-12", "gioi_tinh": "Nam", "tinh_trang_hon_nhan": "Chưa đăng ký kết hôn với ai",
		"muc_dich_su_dung": "Đăng ký kết hôn",
	}
}

// received submits a marital-status dossier and has the receiver take it
// at the given time.
func (f *fixture) received(t *testing.T, at time.Time) dossier.Dossier {
	t.Helper()
	ctx := context.Background()
	*f.clock = at
	d, _, err := f.svc.Create(ctx, &f.citizen, dossier.Application{ProcedureCode: "1.004873", AgencyCode: commune,
		Data: choose(t, f, "1.004873", maritalData()), Papers: f.papers[:1]}, dossier.CreateOptions{Submit: true}, req)
	if err != nil {
		t.Fatal(err)
	}
	d, err = f.svc.Act(ctx, &f.receiver, d.Code, dossier.ActionRequest{Action: dossier.ActReceive}, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// choose replaces the choice values of data with the procedure's first
// options where they are not among them, so the test follows the catalog.
func choose(t *testing.T, f *fixture, code string, data map[string]any) map[string]any {
	t.Helper()
	proc, err := f.cat.Procedure(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range proc.FormFields {
		if field.Type != egov.FieldChoice {
			continue
		}
		v, _ := data[field.Name].(string)
		ok := false
		for _, o := range field.Options {
			ok = ok || o == v
		}
		if !ok && len(field.Options) > 0 {
			data[field.Name] = field.Options[0]
		}
	}
	return data
}

// finish walks a received dossier to approval at the given time.
func (f *fixture) finish(t *testing.T, d dossier.Dossier, at time.Time) (dossier.Dossier, error) {
	t.Helper()
	ctx := context.Background()
	*f.clock = at
	d, err := f.svc.Act(ctx, &f.expert, d.Code, dossier.ActionRequest{Action: dossier.ActForward}, req)
	if err != nil {
		t.Fatal(err)
	}
	return f.svc.Act(ctx, &f.leader, d.Code, dossier.ActionRequest{Action: dossier.ActApprove, GenerateResult: true}, req)
}

// TestTimelinessAcrossTet counts early, on time and late with Tết in the
// way: received Friday 13 February 2026, three working days end Wednesday
// 25 February, after the holiday.
func TestTimelinessAcrossTet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, c := range []struct {
			name string
			at   time.Time
			want string
		}{
			{"early", vn(2026, 2, 24, 10, 0), "early"},
			{"on the due day", vn(2026, 2, 25, 16, 0), "on_time"},
		} {
			d := f.received(t, vn(2026, 2, 13, 9, 0))
			if got := d.DueAt.In(calendar.Vietnam).Format("2006-01-02 15:04"); got != "2026-02-25 17:00" {
				t.Fatalf("due %s, want 2026-02-25 17:00", got)
			}
			d, err := f.finish(t, d, c.at)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := dossier.Timeliness(&d, c.at); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
			if d.ResultDocument == nil || d.ResultDocument.ContentType != "application/pdf" {
				t.Errorf("%s: generated result %+v", c.name, d.ResultDocument)
			}
		}
	}, jobs.Migrate)
}

// TestOverdueRequiresApology: past the appointment, the leader cannot
// approve until an apology letter sets a new date; both dates are kept.
func TestOverdueRequiresApology(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.received(t, vn(2026, 2, 13, 9, 0))
		first := *d.DueAt
		// Thursday 26 February: a day late.
		_, err := f.finish(t, d, vn(2026, 2, 26, 9, 0))
		if !errors.Is(err, egov.ErrConflict) {
			t.Fatalf("approve when overdue: %v", err)
		}
		for _, c := range []struct{ date, key string }{
			{"2026-02-20", "new_due_date"}, // before the old appointment
			{"2026-02-28", "new_due_date"}, // a Saturday
			{"ngày mai", "new_due_date"},
		} {
			_, err := f.svc.Act(ctx, &f.leader, d.Code, dossier.ActionRequest{Action: dossier.ActApologize, Comment: "Chờ xác minh", NewDueDate: c.date}, req)
			var fe egov.FieldErrors
			if !errors.As(err, &fe) || fe[c.key] == "" {
				t.Errorf("apology to %s: %v", c.date, err)
			}
		}
		d, err = f.svc.Act(ctx, &f.leader, d.Code, dossier.ActionRequest{Action: dossier.ActApologize,
			Comment: "Cần xác minh thông tin tại nơi cư trú trước", NewDueDate: "2026-03-02"}, req)
		if err != nil {
			t.Fatal(err)
		}
		if !d.FirstDueAt.Equal(first) || d.DueAt.In(calendar.Vietnam).Format("2006-01-02") != "2026-03-02" || d.ApologyAt == nil {
			t.Errorf("after the apology: first %v due %v", d.FirstDueAt, d.DueAt)
		}
		pdf, err := f.svc.Apology(ctx, &d)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("apology letter: %v", err)
		}
		d, err = f.svc.Act(ctx, &f.leader, d.Code, dossier.ActionRequest{Action: dossier.ActApprove, GenerateResult: true}, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := dossier.Timeliness(&d, *f.clock); got != "early" {
			t.Errorf("against the new appointment: %s", got)
		}
	}, jobs.Migrate)
}

// TestQueues: each official sees what waits for their role; due soon and
// overdue follow the calendar; the search ignores diacritics.
func TestQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.received(t, vn(2026, 2, 13, 9, 0)) // due 25 February
		*f.clock = vn(2026, 2, 13, 10, 0)
		waiting := f.submit(t) // at reception
		q := func(who string, queue dossier.Queue, query string) dossier.QueueView {
			t.Helper()
			a := f.receiver
			switch who {
			case "expert":
				a = f.expert
			case "leader":
				a = f.leader
			}
			v, err := f.svc.AgencyQueue(ctx, &a, commune, dossier.QueueFilter{Queue: queue, Query: query})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		codes := func(v dossier.QueueView) []string {
			var out []string
			for _, it := range v.Dossiers {
				out = append(out, it.Code)
			}
			return out
		}
		if got := codes(q("receiver", dossier.QueueTodo, "")); fmt.Sprint(got) != fmt.Sprint([]string{waiting.Code}) {
			t.Errorf("receiver's to do: %v", got)
		}
		if got := codes(q("expert", dossier.QueueTodo, "")); fmt.Sprint(got) != fmt.Sprint([]string{d.Code}) {
			t.Errorf("specialist's to do: %v", got)
		}
		if got := codes(q("leader", dossier.QueueTodo, "")); len(got) != 0 {
			t.Errorf("leader's to do: %v", got)
		}
		if got := codes(q("expert", dossier.QueueAll, "nguyen van an")); len(got) != 2 {
			t.Errorf("search without diacritics: %v", got)
		}
		if got := codes(q("expert", dossier.QueueAll, d.Code)); fmt.Sprint(got) != fmt.Sprint([]string{d.Code}) {
			t.Errorf("search by code: %v", got)
		}
		// Tuesday 24 February: the appraisal step (due earlier) and the
		// appointment within a working day.
		*f.clock = vn(2026, 2, 24, 17, 0)
		v := q("expert", dossier.QueueDueSoon, "")
		if got := codes(v); fmt.Sprint(got) != fmt.Sprint([]string{d.Code}) || v.Dossiers[0].Urgency == "on_time" {
			t.Errorf("due soon: %v", v.Dossiers)
		}
		*f.clock = vn(2026, 2, 26, 9, 0)
		v = q("expert", dossier.QueueOverdue, "")
		if got := codes(v); len(got) != 2 || v.Counts[dossier.QueueOverdue] != 2 {
			t.Errorf("overdue: %v %v", got, v.Counts)
		}
		for _, it := range v.Dossiers {
			if it.Urgency != "overdue" {
				t.Errorf("%s urgency %s", it.Code, it.Urgency)
			}
		}
		// Someone of another agency sees nothing.
		if _, err := f.svc.AgencyQueue(ctx, &f.citizen, commune, dossier.QueueFilter{}); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("a citizen reads the queue: %v", err)
		}
		// Assigned to a specialist, the dossier leaves the others' lists.
		if failed := f.svc.AssignMany(ctx, &f.leader, []string{d.Code, waiting.Code}, f.expert.ID, req); len(failed) != 1 || failed[waiting.Code] == nil {
			t.Errorf("bulk assignment: %v", failed)
		}
	}, jobs.Migrate)
}

// TestOneOfTwoOfficialsWinsEveryTime runs the race of two officials on the
// same dossier a hundred times: exactly one wins each time.
func TestOneOfTwoOfficialsWinsEveryTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for i := range 100 {
			d := f.submit(t)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for j, a := range []dossier.ActionRequest{
				{Action: dossier.ActReceive, Version: d.Version},
				{Action: dossier.ActRefuse, Comment: "Thiếu giấy tờ", Version: d.Version},
			} {
				wg.Go(func() { _, errs[j] = f.svc.Act(ctx, &f.receiver, d.Code, a, req) })
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, dossier.ErrChanged):
				default:
					t.Fatalf("round %d: %v", i, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d officials won: %v", i, won, errs)
			}
		}
	}, jobs.Migrate)
}
