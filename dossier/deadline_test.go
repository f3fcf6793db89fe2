package dossier_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// vnTime is an instant given in Hà Nội time.
func vnTime(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, calendar.Vietnam).UTC()
}

// addOfficial adds an official of agency with an e-mail address ("" for
// none).
func (f *fixture) addOfficial(t testing.TB, agency, user, email string, roles ...identity.Role) identity.Account {
	t.Helper()
	a, err := f.ids.AddOfficial(context.Background(), nil, identity.NewOfficial{AgencyCode: agency, Username: user,
		FullName: "Cán Bộ " + digitWords.Replace(user), Email: email, Roles: roles, Password: "mật khẩu thử nghiệm dài"}, req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// digitWords spells digits out: names of people have none.
var digitWords = strings.NewReplacer("2", " Hai", "3", " Ba", "4", " Bốn", ".", " ")

// submitDeregistration submits a dossier of "Xóa đăng ký thường trú"
// (1.003197), whose legal time of one working day leaves the appraisal
// half a day: received in the morning, its appraisal is due the next
// working day.
func (f *fixture) submitDeregistration(t testing.TB) dossier.Dossier {
	t.Helper()
	addr := map[string]any{"detail": "Số 5 phố Hàng Bạc", "commune": commune, "province": "000.00.00.H26"}
	d, _, err := f.svc.Create(context.Background(), &f.citizen, dossier.Application{ProcedureCode: "1.003197", AgencyCode: commune,
		Data: map[string]any{"nguoi_yeu_cau_noi_cu_tru": addr, "nguoi_bi_xoa_ho_ten": "Trần Văn Bình",
			"nguoi_bi_xoa_so_dinh_danh": "001195012347", "dia_chi_thuong_tru": addr, "ly_do_xoa": "Định cư ở nước ngoài"},
		Papers: f.papers}, dossier.CreateOptions{Submit: true}, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// receive has the receiver accept d: it moves to the appraisal.
func (f *fixture) receive(t testing.TB, d dossier.Dossier) dossier.Dossier {
	t.Helper()
	d, err := f.svc.Act(context.Background(), &f.receiver, d.Code, dossier.ActionRequest{Action: dossier.ActReceive}, req)
	if err != nil {
		t.Fatal(err)
	}
	if d.Step != dossier.StepAppraisal || d.StepDueAt == nil {
		t.Fatalf("after reception: step %q, step due %v", d.Step, d.StepDueAt)
	}
	return d
}

func (f *fixture) sweep(t testing.TB) int {
	t.Helper()
	n, err := f.svc.SweepDeadlines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// emails returns the e-mail jobs queued so far, oldest first.
func emails(t testing.TB, db *store.DB) []notify.Email {
	t.Helper()
	args := `json(args)` // SQLite may keep args as binary JSONB
	if db.Dialect == store.Postgres {
		args = `args::text`
	}
	rows, err := db.QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = 'notify_email' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []notify.Email
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var e notify.EmailArgs
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			t.Fatalf("args %s: %v", raw, err)
		}
		out = append(out, e.Email)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func emailCount(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'notify_email'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func warnedAt(t testing.TB, db *store.DB, id int64) *time.Time {
	t.Helper()
	var at *time.Time
	if err := db.QueryRowContext(context.Background(), `SELECT step_warned_at FROM dossiers WHERE id = $1`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func auditCount(t testing.TB, db *store.DB, subject string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log
		WHERE action = 'dossier.deadline_warned' AND subject = $1`, "dossier:"+subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func recipients(es []notify.Email) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.To)
	}
	slices.Sort(out)
	return out
}

// TestSweepWarnsWithinFourWorkingHours: a dossier at the appraisal, due
// tomorrow, is not warned about in the morning; it is once the deadline is
// four working hours away (the night does not count), and the e-mail goes
// to the commune's active specialists who have an address.
func TestSweepWarnsWithinFourWorkingHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.addOfficial(t, commune, "hk.cv2", "cv2@hoankiem.example.vn", identity.RoleSpecialist)
		f.addOfficial(t, commune, "hk.cv3", "cv3@hoankiem.example.vn", identity.RoleSpecialist, identity.RoleLeader)
		gone := f.addOfficial(t, commune, "hk.cv4", "cv4@hoankiem.example.vn", identity.RoleSpecialist)
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET disabled_at = $1 WHERE id = $2`, vnTime(20, 9, 0), gone.ID); err != nil {
			t.Fatal(err)
		}
		f.addOfficial(t, commune, "hk.tn2", "tn2@hoankiem.example.vn", identity.RoleReceiver)
		f.addOfficial(t, "000.00.41.H26", "cn.cv", "cv@cuanam.example.vn", identity.RoleSpecialist)

		// Wednesday 25 November 2026, 09:00: submitted and received.
		*f.clock = vnTime(25, 9, 0)
		d := f.receive(t, f.submitDeregistration(t))
		due := *d.StepDueAt
		if got := due.In(calendar.Vietnam).Format("2006-01-02"); got != "2026-11-26" {
			t.Fatalf("appraisal due %s, want tomorrow 2026-11-26", due.In(calendar.Vietnam))
		}
		mails := emailCount(t, db)

		if n := f.sweep(t); n != 0 {
			t.Errorf("at 09:00 the day before: warned %d, want 0", n)
		}
		// The first instant from which four working hours reach the
		// deadline.
		cal := calendar.Default()
		warnFrom := *f.clock
		for cal.AddWorkingHours(warnFrom, dossier.WarningHours).Before(due) {
			warnFrom = warnFrom.Add(time.Minute)
		}
		if due.Sub(warnFrom) <= dossier.WarningHours*time.Hour {
			t.Fatalf("warnings start at %s for %s: the night should not count", warnFrom.In(calendar.Vietnam), due.In(calendar.Vietnam))
		}
		*f.clock = warnFrom.Add(-time.Minute)
		if n := f.sweep(t); n != 0 || warnedAt(t, db, d.ID) != nil {
			t.Errorf("a minute before the window: warned %d", n)
		}
		*f.clock = warnFrom
		if n := f.sweep(t); n != 1 {
			t.Fatalf("in the window: warned %d, want 1", n)
		}
		if at := warnedAt(t, db, d.ID); at == nil || !at.Equal(warnFrom) {
			t.Errorf("step_warned_at %v, want %v", at, warnFrom)
		}
		all := emails(t, db)
		sent := all[mails:]
		want := []string{"cv2@hoankiem.example.vn", "cv3@hoankiem.example.vn"}
		if got := recipients(sent); !slices.Equal(got, want) {
			t.Fatalf("warned %v, want %v", got, want)
		}
		for _, e := range sent {
			for _, s := range []string{d.Code, "Xóa đăng ký thường trú", "Thẩm định hồ sơ",
				due.In(calendar.Vietnam).Format("15:04 02/01/2006"), "sắp đến hạn", "https://dvc.example.vn/ho-so/" + d.Code} {
				if !strings.Contains(e.Subject+"\n"+e.Text, s) {
					t.Errorf("e-mail to %s lacks %q:\n%s\n%s", e.To, s, e.Subject, e.Text)
				}
			}
			if strings.Contains(e.Text, "quá hạn") {
				t.Errorf("due soon, not overdue:\n%s", e.Text)
			}
		}
		if n := auditCount(t, db, d.Code); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		got, err := f.svc.Get(ctx, &f.expert, d.Code)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != d.Version {
			t.Errorf("version %d after the warning, want %d unchanged", got.Version, d.Version)
		}

		// Once warned, never again about this step, even past its deadline.
		*f.clock = due.Add(time.Hour)
		if n := f.sweep(t); n != 0 {
			t.Errorf("second sweep warned %d", n)
		}
		if n := emailCount(t, db); n != len(all) {
			t.Errorf("%d e-mails after the second sweep, want %d", n, len(all))
		}

		// The next step has a clock of its own: forwarded late, the
		// approval is overdue at once and its leaders are told so.
		f.addOfficial(t, commune, "hk.ld2", "ld2@hoankiem.example.vn", identity.RoleLeader)
		if _, err := f.svc.Act(ctx, &f.expert, d.Code, dossier.ActionRequest{Action: dossier.ActForward}, req); err != nil {
			t.Fatal(err)
		}
		*f.clock = due.Add(48 * time.Hour)
		if n := f.sweep(t); n != 1 {
			t.Fatalf("at the approval: warned %d, want 1", n)
		}
		sent = emails(t, db)[len(all):]
		if got, want := recipients(sent), []string{"cv3@hoankiem.example.vn", "ld2@hoankiem.example.vn"}; !slices.Equal(got, want) {
			t.Errorf("approval warned %v, want %v", got, want)
		}
		for _, e := range sent {
			if !strings.Contains(e.Subject, "quá hạn") || !strings.Contains(e.Text, "Phê duyệt") {
				t.Errorf("overdue approval e-mail:\n%s\n%s", e.Subject, e.Text)
			}
		}
	}, jobs.Migrate)
}

// TestSweepWarnsTheAssignee: a dossier given to a specialist warns that
// specialist alone; one waiting at reception warns the receivers.
func TestSweepWarnsTheAssignee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		mine := f.addOfficial(t, commune, "hk.cv2", "cv2@hoankiem.example.vn", identity.RoleSpecialist)
		f.addOfficial(t, commune, "hk.cv3", "cv3@hoankiem.example.vn", identity.RoleSpecialist)
		f.addOfficial(t, commune, "hk.tn2", "tn2@hoankiem.example.vn", identity.RoleReceiver)

		*f.clock = vnTime(25, 9, 0)
		d := f.receive(t, f.submitDeregistration(t))
		if _, err := f.svc.Act(ctx, &f.expert, d.Code, dossier.ActionRequest{Action: dossier.ActAssign, AssigneeID: mine.ID}, req); err != nil {
			t.Fatal(err)
		}
		// Waiting at reception, a submitted dossier has no step deadline:
		// its appointment counts, 17:00 today for a birth registration.
		waiting := f.submit(t)
		before := emailCount(t, db)
		*f.clock = d.StepDueAt.Add(-time.Minute)
		if n := f.sweep(t); n != 2 {
			t.Fatalf("warned %d, want 2", n)
		}
		sent := emails(t, db)[before:]
		// Oldest deadline first: the reception, then the appraisal.
		if len(sent) != 2 || sent[0].To != "tn2@hoankiem.example.vn" || sent[1].To != "cv2@hoankiem.example.vn" {
			t.Fatalf("warned %v, want the receiver then the assignee", recipients(sent))
		}
		if !strings.Contains(sent[0].Text, waiting.Code) || !strings.Contains(sent[0].Text, "Tiếp nhận hồ sơ") ||
			!strings.Contains(sent[0].Text, "Hạn trả kết quả: 17:00 25/11/2026") || !strings.Contains(sent[0].Subject, "quá hạn") {
			t.Errorf("reception e-mail:\n%s\n%s", sent[0].Subject, sent[0].Text)
		}
		if !strings.Contains(sent[1].Text, d.Code) || !strings.Contains(sent[1].Text, "phân công") {
			t.Errorf("assignee e-mail:\n%s", sent[1].Text)
		}
	}, jobs.Migrate)
}

// TestSweepSkipsStoppedAndClosedDossiers: the clock of a dossier waiting
// for the applicant's papers is stopped, and a closed one has no
// deadline: neither is warned, however late.
func TestSweepSkipsStoppedAndClosedDossiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.addOfficial(t, commune, "hk.cv2", "cv2@hoankiem.example.vn", identity.RoleSpecialist)
		f.addOfficial(t, commune, "hk.tn2", "tn2@hoankiem.example.vn", identity.RoleReceiver)
		*f.clock = vnTime(25, 9, 0)
		waiting := f.receive(t, f.submitDeregistration(t))
		if _, err := f.svc.Act(ctx, &f.expert, waiting.Code, dossier.ActionRequest{Action: dossier.ActRequestSupplement,
			Comment: "Bổ sung giấy tờ chứng minh định cư"}, req); err != nil {
			t.Fatal(err)
		}
		refused := f.submitDeregistration(t)
		if _, err := f.svc.Act(ctx, &f.receiver, refused.Code, dossier.ActionRequest{Action: dossier.ActRefuse,
			Comment: "Không thuộc thẩm quyền"}, req); err != nil {
			t.Fatal(err)
		}
		before := emailCount(t, db)
		*f.clock = vnTime(30, 9, 0) // days past both deadlines
		if n := f.sweep(t); n != 0 {
			t.Errorf("warned %d, want 0", n)
		}
		if n := emailCount(t, db); n != before {
			t.Errorf("%d e-mails queued", n-before)
		}
		for _, d := range []dossier.Dossier{waiting, refused} {
			if at := warnedAt(t, db, d.ID); at != nil {
				t.Errorf("%s warned at %v", d.Code, at)
			}
		}
	}, jobs.Migrate)
}

// TestConcurrentSweepsWarnOnce: sweeps running at once, as on two
// replicas, warn each dossier once between them.
func TestConcurrentSweepsWarnOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addOfficial(t, commune, "hk.tn2", "tn2@hoankiem.example.vn", identity.RoleReceiver)
		f.addOfficial(t, commune, "hk.tn3", "tn3@hoankiem.example.vn", identity.RoleReceiver)
		*f.clock = vnTime(25, 9, 0)
		var codes []string
		for range 6 {
			codes = append(codes, f.submit(t).Code) // at reception, due at 17:00
		}
		before := emailCount(t, db)
		*f.clock = vnTime(25, 13, 0) // four working hours before 17:00
		const sweeps = 4
		counts := make(chan int, sweeps)
		var wg sync.WaitGroup
		for range sweeps {
			wg.Go(func() {
				n, err := f.svc.SweepDeadlines(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts <- n
			})
		}
		wg.Wait()
		close(counts)
		total := 0
		for n := range counts {
			total += n
		}
		if total != len(codes) {
			t.Errorf("sweeps warned %d in all, want %d", total, len(codes))
		}
		if n := emailCount(t, db) - before; n != 2*len(codes) {
			t.Errorf("%d e-mails, want %d: two receivers per dossier", n, 2*len(codes))
		}
		for _, c := range codes {
			if n := auditCount(t, db, c); n != 1 {
				t.Errorf("%s: %d audit entries, want 1", c, n)
			}
		}
	}, jobs.Migrate)
}

// TestDeadlineSweepJob: the periodic job registered by AddDeadlineSweep
// runs when the queue starts.
func TestDeadlineSweepJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addOfficial(t, commune, "hk.tn2", "tn2@hoankiem.example.vn", identity.RoleReceiver)
		*f.clock = vnTime(25, 9, 0)
		d := f.submit(t) // due at 17:00
		*f.clock = vnTime(25, 16, 0)

		cfg := jobs.Config{PollInterval: 50 * time.Millisecond}
		f.svc.AddDeadlineSweep(&cfg, time.Hour)
		// The queue works the fixture's e-mails too: log them.
		notify.AddWorkers(cfg.Workers, notify.NewMailer(notify.SMTPConfig{From: "Cổng Dịch vụ công <no-reply@example.vn>"}, nil))
		q, err := jobs.New(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		deadline := time.Now().Add(10 * time.Second)
		for warnedAt(t, db, d.ID) == nil {
			if time.Now().After(deadline) {
				t.Fatal("the sweep did not run within 10s of the queue's start")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := recipients(emails(t, db)); !slices.Contains(got, "tn2@hoankiem.example.vn") {
			t.Errorf("e-mails to %v", got)
		}
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	}, jobs.Migrate)
}
