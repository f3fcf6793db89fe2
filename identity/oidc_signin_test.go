package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// The account of a single sign-on is the citizen with the ID number of the
// claims, created on first sign-in and matched afterwards.
func TestSignInWithClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		count := func() int {
			var n int
			db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n)
			return n
		}
		claims := identity.Claims{Subject: "sub-1", IDNumber: "079195012346", FullName: "Trần Thị Bình", Email: "Binh@Example.vn",
			EmailVerified: true, Phone: "+84987654321", BirthDate: "1995-01-02", Gender: "female"}
		sess, a, err := e.svc.SignInWithClaims(ctx, claims, req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != identity.KindCitizen || a.Username != "079195012346" || !a.EmailVerified || a.Email != "binh@example.vn" ||
			a.Phone != "0987654321" || a.Sex != identity.SexFemale || a.DateOfBirth != "1995-01-02" {
			t.Errorf("account from claims = %+v", a)
		}
		if got, err := e.svc.Authenticate(ctx, sess.Token, identity.SessionWeb); err != nil || got.ID != a.ID {
			t.Errorf("session: %v", err)
		}
		if _, again, err := e.svc.SignInWithClaims(ctx, claims, req); err != nil || again.ID != a.ID || count() != 1 {
			t.Errorf("second sign-in: account %d (want %d), %d accounts, %v", again.ID, a.ID, count(), err)
		}

		// A citizen who registered with a password is matched, not doubled.
		reg, err := e.svc.RegisterCitizen(ctx, an, req)
		if err != nil {
			t.Fatal(err)
		}
		_, m, err := e.svc.SignInWithClaims(ctx, identity.Claims{Subject: "sub-2", IDNumber: an.IDNumber, FullName: "Nguyễn Văn An"}, req)
		if err != nil || m.ID != reg.ID || count() != 2 {
			t.Errorf("registered citizen: %d (want %d), %d accounts, %v", m.ID, reg.ID, count(), err)
		}

		// Businesses and officials never sign in this way; bad claims are refused.
		if _, err := e.svc.AddOfficial(ctx, nil, identity.NewOfficial{AgencyCode: "000.00.40.H26", Username: "x.tiepnhan2", FullName: "Lê Văn Cường",
			Roles: []identity.Role{identity.RoleReceiver}, Password: "mật khẩu cán bộ dài"}, req); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]identity.Claims{
			"bad ID number": {Subject: "x", IDNumber: "12345", FullName: "A"},
			"no name":       {Subject: "y", IDNumber: "001090099999"},
		} {
			if _, _, err := e.svc.SignInWithClaims(ctx, c, req); !errors.Is(err, egov.ErrForbidden) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if count() != 3 {
			t.Errorf("%d accounts after refused sign-ins, want 3", count())
		}
	}, jobs.Migrate)
}
