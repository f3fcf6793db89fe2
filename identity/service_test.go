package identity_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/notify/smtptest"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is an identity service on a real database, with a job queue that
// delivers e-mail to a real SMTP server.
type env struct {
	db    *store.DB
	svc   *identity.Service
	smtp  *smtptest.Server
	clock *clock
}

var cheap = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t)
	workers := river.NewWorkers()
	notify.AddWorkers(workers, notify.NewMailer(notify.SMTPConfig{Addr: srv.Addr, From: "Dịch vụ công <no-reply@dichvucong.test>"}, nil))
	q, err := jobs.New(db, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	c := &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	svc := identity.NewService(db, q, identity.Config{PublicURL: "https://dichvucong.test", Argon2: cheap, Now: c.Now}, nil)
	return &env{db: db, svc: svc, smtp: srv, clock: c}
}

var an = identity.CitizenRegistration{
	IDNumber: "001090012345", FullName: "Nguyễn Văn An", DateOfBirth: "1990-05-12", Sex: "male",
	Phone: "0912 345 678", Email: "an@example.vn", Password: "mùa thu Hà Nội lá vàng rơi",
}

var req = identity.Request{IP: "203.0.113.7", UserAgent: "test"}

var linkRE = regexp.MustCompile(`https://dichvucong\.test/[a-z-]+\?token=([A-Za-z0-9_-]+)`)

func (e *env) link(t *testing.T, to string, nth int) string {
	t.Helper()
	m := e.smtp.Wait(t, to, nth, 15*time.Second)
	got := linkRE.FindStringSubmatch(m.Body)
	if got == nil {
		t.Fatalf("no link in the e-mail to %s:\n%s", to, m.Body)
	}
	return got[1]
}

func TestRegisterVerifySignInSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, err := e.svc.RegisterCitizen(ctx, an, req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != "001090012345" || a.Phone != "0912345678" || a.EmailVerified {
			t.Errorf("account = %+v", a)
		}
		if _, err := e.svc.RegisterCitizen(ctx, an, req); !errors.Is(err, egov.ErrInvalid) || !strings.Contains(err.Error(), "đã có tài khoản") {
			t.Errorf("second registration: %v", err)
		}
		token := e.link(t, "an@example.vn", 0)
		if _, err := e.svc.VerifyEmail(ctx, token+"x", req); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("forged link: %v", err)
		}
		v, err := e.svc.VerifyEmail(ctx, token, req)
		if err != nil || !v.EmailVerified {
			t.Fatalf("verify: %+v, %v", v, err)
		}
		if _, err := e.svc.VerifyEmail(ctx, token, req); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("link used twice: %v", err)
		}

		sess, who, err := e.svc.SignIn(ctx, "001 090 012 345", an.Password, identity.SessionWeb, req)
		if err != nil || who.ID != a.ID {
			t.Fatalf("sign in: %v", err)
		}
		var stored int
		db.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = $1`, sess.Token).Scan(&stored)
		if stored != 0 {
			t.Error("the session token itself is stored")
		}
		if got, err := e.svc.Authenticate(ctx, sess.Token, identity.SessionWeb); err != nil || got.ID != a.ID {
			t.Errorf("authenticate: %v", err)
		}
		if _, err := e.svc.Authenticate(ctx, sess.Token, identity.SessionAPI); err == nil {
			t.Error("a web session works as an API token")
		}
		if err := e.svc.SignOut(ctx, sess.Token, req); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, sess.Token, identity.SessionWeb); !errors.Is(err, identity.ErrNoSession) {
			t.Errorf("after sign-out: %v", err)
		}
		if _, _, err := e.svc.SignIn(ctx, "001090012345", "wrong password 123", identity.SessionWeb, req); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("wrong password: %v", err)
		}
		if _, _, err := e.svc.SignIn(ctx, "079090012345", an.Password, identity.SessionWeb, req); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("unknown user: %v", err)
		}
		rep, err := audit.New(db).Verify(ctx)
		if err != nil || rep.FirstBad != nil {
			t.Fatalf("audit chain: %+v, %v", rep, err)
		}
		actions := map[string]bool{}
		entries, err := audit.New(db).List(ctx, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			actions[en.Action] = true
		}
		for _, want := range []string{"account.created", "account.email_verified", "auth.sign_in", "auth.sign_out", "auth.sign_in_failed"} {
			if !actions[want] {
				t.Errorf("no %s in the audit log", want)
			}
		}
	}, jobs.Migrate)
}

func TestRegistrationNamesEveryBadField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bad := identity.CitizenRegistration{IDNumber: "00119001234", FullName: "", DateOfBirth: "12/05/1990",
			Sex: "x", Phone: "12345", Email: "an@", Password: "123456"}
		_, err := e.svc.RegisterCitizen(context.Background(), bad, req)
		var fe egov.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v", err)
		}
		for _, k := range []string{"id_number", "full_name", "date_of_birth", "sex", "phone", "email", "password"} {
			if fe[k] == "" {
				t.Errorf("no error for %s: %v", k, fe)
			}
		}
		mismatch := an
		mismatch.Sex = "female" // the ID number says male
		_, err = e.svc.RegisterCitizen(context.Background(), mismatch, req)
		if !errors.As(err, &fe) || fe["id_number"] == "" {
			t.Errorf("sex mismatch: %v", err)
		}
		var n int
		db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n)
		if n != 0 {
			t.Errorf("%d accounts stored from bad registrations", n)
		}
	}, jobs.Migrate)
}

func TestThirtyWrongPasswordsLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		if _, err := e.svc.RegisterCitizen(ctx, an, req); err != nil {
			t.Fatal(err)
		}
		var locked *identity.LockedError
		for i := 1; i <= 30; i++ {
			_, _, err := e.svc.SignIn(ctx, an.IDNumber, "not the password 42", identity.SessionWeb, req)
			if i < 5 && !errors.Is(err, identity.ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if i > 5 && !errors.As(err, &locked) {
				t.Fatalf("attempt %d: %v, want locked", i, err)
			}
			e.clock.Advance(time.Second)
		}
		if !strings.Contains(locked.Error(), "thử lại sau") {
			t.Errorf("lock message %q does not say when to try again", locked.Error())
		}
		if _, _, err := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req); !errors.As(err, &locked) {
			t.Fatalf("right password during the lock: %v", err)
		}
		e.clock.t = locked.Until.Add(time.Second)
		if _, _, err := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req); err != nil {
			t.Fatalf("right password after the lock: %v", err)
		}
		entries, err := audit.New(db).List(ctx, audit.Filter{Action: "auth.locked"})
		if err != nil || len(entries) == 0 {
			t.Errorf("no auth.locked audit entry (%v)", err)
		}
	}, jobs.Migrate)
}

func TestAddressLockSpansAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var err error
		for i := 0; i < 25; i++ {
			_, _, err = e.svc.SignIn(ctx, "user"+string(rune('a'+i)), "whatever password", identity.SessionWeb, req)
		}
		var locked *identity.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("25 failures from one address on 25 accounts: %v, want locked", err)
		}
		other := req
		other.IP = "198.51.100.9"
		if _, _, err := e.svc.SignIn(ctx, "someone", "whatever password", identity.SessionWeb, other); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("another address: %v", err)
		}
	}, jobs.Migrate)
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		if _, err := e.svc.RegisterCitizen(ctx, an, req); err != nil {
			t.Fatal(err)
		}
		idle, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req)
		busy, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req)
		api, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionAPI, req)
		for i := 0; i < 36; i++ { // 12 hours in steps of 20 minutes
			e.clock.Advance(20 * time.Minute)
			_, err := e.svc.Authenticate(ctx, busy.Token, identity.SessionWeb)
			if i < 35 && err != nil {
				t.Fatalf("active session ended after %v: %v", time.Duration(i+1)*20*time.Minute, err)
			}
			if i == 35 && err == nil {
				t.Error("session outlived the 12-hour absolute time-out")
			}
			if i == 1 {
				if _, err := e.svc.Authenticate(ctx, idle.Token, identity.SessionWeb); err == nil {
					t.Error("session idle for 40 minutes still works")
				}
				if _, err := e.svc.Authenticate(ctx, api.Token, identity.SessionAPI); err != nil {
					t.Errorf("API token within its hour: %v", err)
				}
			}
			if i == 3 {
				if _, err := e.svc.Authenticate(ctx, api.Token, identity.SessionAPI); err == nil {
					t.Error("API token outlived its hour")
				}
			}
		}
	}, jobs.Migrate)
}

func TestSignOutEverywhereAndPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, err := e.svc.RegisterCitizen(ctx, an, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.VerifyEmail(ctx, e.link(t, an.Email, 0), req); err != nil {
			t.Fatal(err)
		}
		s1, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req)
		s2, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionAPI, req)
		if err := e.svc.SignOutEverywhere(ctx, &a, req); err != nil {
			t.Fatal(err)
		}
		for _, s := range []identity.Session{s1, s2} {
			if _, err := e.svc.Authenticate(ctx, s.Token, s.Kind); err == nil {
				t.Errorf("%s session survived sign-out everywhere", s.Kind)
			}
		}
		s3, _, _ := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req)
		if err := e.svc.RequestPasswordReset(ctx, "079099999999", req); err != nil {
			t.Errorf("reset for an unknown account must look the same: %v", err)
		}
		if err := e.svc.RequestPasswordReset(ctx, an.IDNumber, req); err != nil {
			t.Fatal(err)
		}
		token := e.link(t, an.Email, 1)
		if err := e.svc.ResetPassword(ctx, token, "123456", req); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("weak new password: %v", err)
		}
		// The weak attempt rolled back: the link still works once.
		if err := e.svc.ResetPassword(ctx, token, "một mật khẩu mới rất dài", req); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ResetPassword(ctx, token, "một mật khẩu khác nữa", req); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("reset link used twice: %v", err)
		}
		if _, err := e.svc.Authenticate(ctx, s3.Token, identity.SessionWeb); err == nil {
			t.Error("a session opened with the old password survived the reset")
		}
		if _, _, err := e.svc.SignIn(ctx, an.IDNumber, an.Password, identity.SessionWeb, req); err == nil {
			t.Error("old password still works")
		}
		if _, _, err := e.svc.SignIn(ctx, an.IDNumber, "một mật khẩu mới rất dài", identity.SessionWeb, req); err != nil {
			t.Errorf("new password: %v", err)
		}
	}, jobs.Migrate)
}

func TestContactChangeNeedsNewVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, _ := e.svc.RegisterCitizen(ctx, an, req)
		a, _ = e.svc.VerifyEmail(ctx, e.link(t, an.Email, 0), req)
		if _, err := e.svc.UpdateContact(ctx, &a, identity.ContactChange{Phone: "123"}, req); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("bad phone: %v", err)
		}
		b, err := e.svc.UpdateContact(ctx, &a, identity.ContactChange{Email: "an.nguyen@example.vn", Address: "12 Lê Lai, Hà Nội"}, req)
		if err != nil {
			t.Fatal(err)
		}
		if b.EmailVerified || b.Email != "an.nguyen@example.vn" || b.Address != "12 Lê Lai, Hà Nội" || b.Phone != a.Phone {
			t.Errorf("after change: %+v", b)
		}
		if _, err := e.svc.VerifyEmail(ctx, e.link(t, "an.nguyen@example.vn", 0), req); err != nil {
			t.Errorf("verify new address: %v", err)
		}
	}, jobs.Migrate)
}

func TestBusinessNeedsACitizenRepresentative(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, _ := e.svc.RegisterCitizen(ctx, an, req)
		biz := identity.BusinessRegistration{TaxCode: "0100109106", Name: "Công ty TNHH Thử Nghiệm", Address: "1 Tràng Tiền, Hà Nội",
			Phone: "0243 000 000", Email: "ketoan@thunghiem.vn", Password: "doanh nghiệp của chúng tôi"}
		if _, err := e.svc.RegisterBusiness(ctx, nil, biz, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("no representative: %v", err)
		}
		biz.Phone = "0912000111"
		bad := biz
		bad.TaxCode = "0100109107"
		if _, err := e.svc.RegisterBusiness(ctx, &a, bad, req); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("bad check digit: %v", err)
		}
		b, err := e.svc.RegisterBusiness(ctx, &a, biz, req)
		if err != nil {
			t.Fatal(err)
		}
		if b.Kind != identity.KindBusiness || b.RepresentativeID != a.ID {
			t.Errorf("business = %+v", b)
		}
		if _, _, err := e.svc.SignIn(ctx, "0100109106", biz.Password, identity.SessionAPI, req); err != nil {
			t.Errorf("business sign-in: %v", err)
		}
		if _, err := e.svc.RegisterBusiness(ctx, &b, biz, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("a business registering a business: %v", err)
		}
	}, jobs.Migrate)
}

func TestOfficialsAreScopedToTheirAgency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		const x, y = "000.00.40.H26", "000.00.00.H41"
		pw := "mật khẩu ban đầu rất dài"
		add := func(actor *identity.Account, agency, user string, roles ...identity.Role) (identity.Account, error) {
			return e.svc.AddOfficial(ctx, actor, identity.NewOfficial{AgencyCode: agency, Username: user, FullName: "Cán Bộ Thử", Roles: roles, Password: pw}, req)
		}
		adminX, err := add(nil, x, "admin.x", identity.RoleAgencyAdmin)
		if err != nil {
			t.Fatal(err)
		}
		adminY, _ := add(nil, y, "admin.y", identity.RoleAgencyAdmin)
		receiverX, err := add(&adminX, x, "tiepnhan.x", identity.RoleReceiver)
		if err != nil {
			t.Fatalf("admin adds a receiver to their agency: %v", err)
		}
		if _, err := add(&adminX, y, "intruder", identity.RoleReceiver); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("admin of X adds to Y: %v", err)
		}
		if _, err := add(&adminX, x, "root", identity.RoleSystemAdmin); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("admin grants system admin: %v", err)
		}
		if _, err := add(&receiverX, x, "another", identity.RoleReceiver); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("receiver adds an official: %v", err)
		}
		if _, err := add(&adminX, "000.00.99.H99", "ghost", identity.RoleReceiver); err == nil {
			t.Error("official added to an unknown agency")
		}
		// A user name of twelve characters without its dot is not an ID
		// number.
		if _, err := add(&adminX, x, "x.chuyenvien2", identity.RoleSpecialist); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SignIn(ctx, "x.chuyenvien2", pw, identity.SessionAPI, req); err != nil {
			t.Errorf("sign in as x.chuyenvien2: %v", err)
		}
		if _, err := add(nil, x, "Bad Name", identity.RoleReceiver); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("bad user name: %v", err)
		}
		if _, err := e.svc.SetRoles(ctx, &adminX, adminY.ID, []identity.Role{identity.RoleReceiver}, req); !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("admin of X changes an official of Y: %v", err)
		}
		r, err := e.svc.SetRoles(ctx, &adminX, receiverX.ID, []identity.Role{identity.RoleReceiver, identity.RoleSpecialist}, req)
		if err != nil || !r.HasRole(identity.RoleSpecialist) {
			t.Errorf("set roles: %+v, %v", r.Roles, err)
		}
		if _, err := e.svc.SetRoles(ctx, &adminX, adminX.ID, []identity.Role{identity.RoleReceiver}, req); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("admin drops own admin role: %v", err)
		}
		list, err := e.svc.Officials(ctx, &adminX, x)
		if err != nil || len(list) != 3 {
			t.Errorf("officials of X: %d, %v", len(list), err)
		}
		if _, err := e.svc.Officials(ctx, &adminX, y); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("admin of X lists Y: %v", err)
		}
		if _, err := e.svc.Officials(ctx, &receiverX, x); !errors.Is(err, egov.ErrForbidden) {
			t.Errorf("receiver lists officials: %v", err)
		}
		entries, _ := audit.New(db).List(ctx, audit.Filter{Action: "official.roles_changed"})
		if len(entries) != 1 || entries[0].AgencyCode != x {
			t.Errorf("role change audit entries: %+v", entries)
		}
	}, jobs.Migrate)
}
