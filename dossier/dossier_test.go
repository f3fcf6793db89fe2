package dossier_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

const commune = "000.00.40.H26" // Phường Hoàn Kiếm, Hà Nội

// fixture is a dossier service over a database with the demo catalog, a
// citizen with papers in their store, and the officials of the commune.
type fixture struct {
	db       *store.DB
	svc      *dossier.Service
	cat      *catalog.Service
	ids      *identity.Service
	citizen  identity.Account
	papers   []dossier.PaperRef
	receiver identity.Account
	expert   identity.Account
	leader   identity.Account
	clock    *time.Time
}

var req = identity.Request{IP: "127.0.0.1"}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db, nil, identity.Config{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}, nil)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Monday 23 November 2026, 09:00 in Hà Nội.
	clock := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	f := &fixture{db: db, ids: ids, cat: cat, clock: &clock}
	f.svc = dossier.NewService(db, queue, cat, blobs, calendar.NewService(db, audit.New(db)),
		dossier.Config{PublicURL: "https://dvc.example.vn", Now: func() time.Time { return *f.clock }}, nil)
	f.citizen, err = ids.RegisterCitizen(ctx, identity.CitizenRegistration{IDNumber: "001090012345", FullName: "Nguyễn Văn An",
		DateOfBirth: "1990-05-12", Sex: "male", Phone: "0912345678", Email: "an@example.vn", Password: "mật khẩu thử nghiệm dài"}, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, comp := range []string{"TP1", "TP2"} {
		doc, _, err := f.svc.Upload(ctx, &f.citizen, comp+".pdf", bytes.NewReader(pdf(fmt.Sprint("paper ", i))), req)
		if err != nil {
			t.Fatal(err)
		}
		f.papers = append(f.papers, dossier.PaperRef{Component: comp, DocumentID: doc.ID})
	}
	for _, o := range []struct {
		dst  *identity.Account
		user string
		role identity.Role
	}{{&f.receiver, "hk.tiepnhan", identity.RoleReceiver}, {&f.expert, "hk.chuyenvien", identity.RoleSpecialist}, {&f.leader, "hk.lanhdao", identity.RoleLeader}} {
		a, err := ids.AddOfficial(ctx, nil, identity.NewOfficial{AgencyCode: commune, Username: o.user, FullName: "Cán Bộ " + o.user,
			Roles: []identity.Role{o.role}, Password: "mật khẩu thử nghiệm dài"}, req)
		if err != nil {
			t.Fatal(err)
		}
		a.Roles = []identity.Role{o.role}
		*o.dst = a
	}
	return f
}

func pdf(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\ntrailer << >>\n%%EOF\n")
}

func birthData() map[string]any {
	return map[string]any{
		"nguoi_yeu_cau_noi_cu_tru": map[string]any{"detail": "Số 5 phố Hàng Bạc", "commune": commune, "province": "000.00.00.H26"},
		"quan_he_voi_tre":          "Cha", "tre_ho_ten": "Nguyễn Minh Khôi", "tre_ngay_sinh": "2026-11-20", "tre_gioi_tinh": "Nam",
		"tre_noi_sinh": "Bệnh viện Phụ sản Hà Nội", "tre_dan_toc": "Kinh", "tre_quoc_tich": "Việt Nam",
		"me_ho_ten": "Trần Thị Mai", "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "tre_que_quan": "Hà Nội",
		"me_noi_cu_tru": "Số 5 phố Hàng Bạc, Hoàn Kiếm, Hà Nội", "me_so_dinh_danh": "001195012347", "me_nam_sinh": "1995-03-01",
		"cha_ho_ten": "Nguyễn Văn An", "cha_so_dinh_danh": "001090012345", "cha_nam_sinh": "1990-05-12",
	}
}

func (f *fixture) submit(t testing.TB) dossier.Dossier {
	t.Helper()
	d, _, err := f.svc.Create(context.Background(), &f.citizen, dossier.Application{ProcedureCode: "1.001193", AgencyCode: commune,
		Data: birthData(), Papers: f.papers}, dossier.CreateOptions{Submit: true}, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSubmitGivesCodeStatusAndAppointment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		d := f.submit(t)
		if d.Code != commune+"-261123-0001" {
			t.Errorf("code %q", d.Code)
		}
		if d.Status != dossier.StatusSubmitted || d.Status.National() != 1 || d.Step != dossier.StepReception {
			t.Errorf("status %s step %s", d.Status, d.Step)
		}
		// Birth registration is done the same working day.
		if d.DueAt == nil || d.DueAt.In(calendar.Vietnam).Format("2006-01-02") != "2026-11-23" {
			t.Errorf("due %v", d.DueAt)
		}
		if d.Data["nguoi_yeu_cau_ho_ten"] != "Nguyễn Văn An" {
			t.Errorf("prefill: %v", d.Data)
		}
		addr, _ := d.Data["nguoi_yeu_cau_noi_cu_tru"].(map[string]any)
		if addr["text"] != "Số 5 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội" {
			t.Errorf("address %v", addr)
		}
		// After 15:00 the appointment moves to the next working day;
		// Tuesday 24 November 2026 is Vietnamese Culture Day, a holiday.
		*f.clock = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // 16:00 in Hà Nội
		d2 := f.submit(t)
		if d2.Code != commune+"-261123-0002" {
			t.Errorf("second code %q", d2.Code)
		}
		if got := d2.DueAt.In(calendar.Vietnam).Format("2006-01-02"); got != "2026-11-25" {
			t.Errorf("due after 15:00: %s, want 2026-11-25", got)
		}
	}, jobs.Migrate)
}

// TestCodesUniqueUnderConcurrency submits from many goroutines at once:
// every dossier gets its own number of the day, without gaps.
func TestCodesUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const n = 20
		codes := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				d, _, err := f.svc.Create(context.Background(), &f.citizen, dossier.Application{ProcedureCode: "1.001193",
					AgencyCode: commune, Data: birthData(), Papers: f.papers}, dossier.CreateOptions{Submit: true}, req)
				if err != nil {
					t.Error(err)
					return
				}
				codes <- d.Code
			})
		}
		wg.Wait()
		close(codes)
		seen := map[string]bool{}
		for c := range codes {
			seen[c] = true
		}
		for i := 1; i <= n; i++ {
			if c := fmt.Sprintf("%s-261123-%04d", commune, i); !seen[c] {
				t.Errorf("missing %s", c)
			}
		}
	}, jobs.Migrate)
}

// TestOneOfTwoOfficialsWins: two officials act on the same dossier at
// once; one succeeds, the other is told it changed.
func TestOneOfTwoOfficialsWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		d := f.submit(t)
		results := make(chan error, 2)
		var wg sync.WaitGroup
		for _, a := range []dossier.ActionRequest{
			{Action: dossier.ActReceive, Version: d.Version},
			{Action: dossier.ActRefuse, Comment: "Thiếu giấy chứng sinh", Version: d.Version},
		} {
			wg.Go(func() {
				_, err := f.svc.Act(context.Background(), &f.receiver, d.Code, a, req)
				results <- err
			})
		}
		wg.Wait()
		close(results)
		var ok, changed int
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, egov.ErrConflict):
				changed++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 1 || changed != 1 {
			t.Errorf("%d won and %d were told it changed, want 1 and 1", ok, changed)
		}
	}, jobs.Migrate)
}

// TestSupplementStopsTheClock: the days the applicant takes to hand in
// papers move the appointment.
func TestSupplementStopsTheClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.submit(t)
		d, err := f.svc.Act(ctx, &f.receiver, d.Code, dossier.ActionRequest{Action: dossier.ActReceive}, req)
		if err != nil {
			t.Fatal(err)
		}
		due := *d.DueAt
		d, err = f.svc.Act(ctx, &f.expert, d.Code, dossier.ActionRequest{Action: dossier.ActRequestSupplement, Comment: "Ảnh mờ"}, req)
		if err != nil {
			t.Fatal(err)
		}
		// The citizen answers on Friday 27 November: three working days
		// later (Wednesday, Thursday, Friday; Tuesday is a holiday).
		*f.clock = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
		if _, err := f.svc.Supplement(ctx, &f.citizen, d.Code, dossier.Supplement{Papers: f.papers[1:]}, 0, req); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("the same paper again: %v", err)
		}
		clearer, _, err := f.svc.Upload(ctx, &f.citizen, "ro-hon.pdf", bytes.NewReader(pdf("clearer")), req)
		if err != nil {
			t.Fatal(err)
		}
		d, err = f.svc.Supplement(ctx, &f.citizen, d.Code, dossier.Supplement{Papers: []dossier.PaperRef{{Component: "TP2", DocumentID: clearer.ID}}}, 0, req)
		if err != nil {
			t.Fatal(err)
		}
		cal := calendar.Default()
		want := cal.AddWorkingDays(calendar.DateOf(due), 3)
		if got := calendar.DateOf(*d.DueAt); !got.Equal(want) {
			t.Errorf("due after the supplement %s, want %s (was %s)", got.Format("2006-01-02"), want.Format("2006-01-02"), due.Format("2006-01-02"))
		}
		if d.Status != dossier.StatusProcessing || d.PausedAt != nil {
			t.Errorf("status %s paused %v", d.Status, d.PausedAt)
		}
	}, jobs.Migrate)
}

func TestWithdrawOnlyBeforeReception(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.submit(t)
		w, err := f.svc.Withdraw(ctx, &f.citizen, d.Code, "Nộp nhầm", 0, req)
		if err != nil || w.Status != dossier.StatusWithdrawn || w.Status.National() != 7 {
			t.Fatalf("withdraw: %v %s", err, w.Status)
		}
		d = f.submit(t)
		if _, err := f.svc.Act(ctx, &f.receiver, d.Code, dossier.ActionRequest{Action: dossier.ActReceive}, req); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(ctx, &f.citizen, d.Code, "", 0, req); !errors.Is(err, egov.ErrConflict) {
			t.Errorf("withdraw after reception: %v", err)
		}
	}, jobs.Migrate)
}

func TestCleanForm(t *testing.T) {
	min, max := 1.0, 10.0
	fields := []egov.FormField{
		{Name: "name", Label: "Họ tên", Type: egov.FieldText, Required: true},
		{Name: "count", Label: "Số bản", Type: egov.FieldNumber, Min: &min, Max: &max},
		{Name: "day", Label: "Ngày", Type: egov.FieldDate},
		{Name: "kind", Label: "Loại", Type: egov.FieldChoice, Options: []string{"A", "B"}},
		{Name: "id", Label: "Số định danh", Type: egov.FieldIDNumber},
		{Name: "phone", Label: "Điện thoại", Type: egov.FieldPhone},
		{Name: "mail", Label: "Thư", Type: egov.FieldEmail},
		{Name: "items", Label: "Danh sách", Type: egov.FieldTable, Columns: []egov.FormField{
			{Name: "what", Label: "Tên", Type: egov.FieldText, Required: true},
			{Name: "qty", Label: "Số lượng", Type: egov.FieldNumber}}},
	}
	cases := []struct {
		name   string
		data   map[string]any
		errors []string
		check  func(map[string]any) string
	}{
		{"valid", map[string]any{"name": "  Lê   Thị Hoa ", "count": "3", "day": "15/04/2026", "kind": "B", "id": "001 090 012 345",
			"phone": "+84912345678", "mail": "hoa@example.vn", "items": []any{map[string]any{"what": "Bản sao", "qty": 2.0}, map[string]any{}}}, nil,
			func(m map[string]any) string {
				if m["name"] != "Lê Thị Hoa" || m["count"] != 3.0 || m["day"] != "2026-04-15" || m["id"] != "001090012345" || m["phone"] != "0912345678" {
					return fmt.Sprint(m)
				}
				if rows := m["items"].([]any); len(rows) != 1 {
					return "blank rows are not rows"
				}
				return ""
			}},
		{"missing required", map[string]any{}, []string{"data.name"}, nil},
		{"bad values", map[string]any{"name": "A", "count": "20", "day": "31/02/2026", "kind": "C", "id": "12345", "phone": "123",
			"mail": "not mail"}, []string{"data.count", "data.day", "data.kind", "data.id", "data.phone", "data.mail"}, nil},
		{"bad table", map[string]any{"name": "A", "items": []any{map[string]any{"qty": "x"}}}, []string{"data.items[0].qty", "data.items[0].what"}, nil},
		{"wrong type", map[string]any{"name": []any{"x"}, "items": "x"}, []string{"data.name", "data.items"}, nil},
		{"too long", map[string]any{"name": strings.Repeat("a", 501)}, []string{"data.name"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, fe := dossier.CleanForm(context.Background(), nil, fields, c.data, true)
			for _, k := range c.errors {
				if fe[k] == "" {
					t.Errorf("no error for %s: %v", k, fe)
				}
			}
			if len(c.errors) == 0 && len(fe) > 0 {
				t.Errorf("errors: %v", fe)
			}
			if len(fe) != len(c.errors) {
				t.Errorf("%d errors, want %d: %v", len(fe), len(c.errors), fe)
			}
			if c.check != nil {
				if msg := c.check(out); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestFormatCode(t *testing.T) {
	day := time.Date(2026, 6, 9, 0, 0, 0, 0, calendar.Vietnam)
	for _, c := range []struct {
		layout dossier.CodeLayout
		n      int64
		want   string
	}{
		{dossier.LayoutClassic, 1, "000.00.12.H29-260609-0001"},
		{dossier.LayoutClassic, 12345, "000.00.12.H29-260609-12345"},
		{dossier.LayoutPortal, 92637, "000.00.12.H29-20260609-0092637"},
	} {
		got, err := dossier.FormatCode(c.layout, "000.00.12.H29", day, c.n)
		if err != nil || got != c.want {
			t.Errorf("%s %d: %q %v, want %q", c.layout, c.n, got, err, c.want)
		}
	}
}

func TestTimeliness(t *testing.T) {
	due := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // 17:00 in Hà Nội
	at := func(d, h int) *time.Time { t := time.Date(2026, 11, d, h, 0, 0, 0, time.UTC); return &t }
	for _, c := range []struct {
		name string
		d    dossier.Dossier
		now  time.Time
		want string
	}{
		{"open, before", dossier.Dossier{Status: dossier.StatusProcessing, DueAt: &due}, *at(24, 1), "on_time"},
		{"open, after", dossier.Dossier{Status: dossier.StatusProcessing, DueAt: &due}, *at(26, 1), "overdue"},
		{"paused before due", dossier.Dossier{Status: dossier.StatusSupplement, DueAt: &due, PausedAt: at(24, 1)}, *at(30, 1), "on_time"},
		{"finished early", dossier.Dossier{Status: dossier.StatusDone, DueAt: &due, FinishedAt: at(24, 3)}, *at(30, 1), "early"},
		{"finished on the day", dossier.Dossier{Status: dossier.StatusDone, DueAt: &due, FinishedAt: at(25, 9)}, *at(30, 1), "on_time"},
		{"finished late", dossier.Dossier{Status: dossier.StatusReturned, DueAt: &due, FinishedAt: at(26, 3)}, *at(30, 1), "late"},
		{"refused", dossier.Dossier{Status: dossier.StatusRefused, DueAt: &due, FinishedAt: at(28, 3)}, *at(30, 1), ""},
	} {
		if got := dossier.Timeliness(&c.d, c.now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
