package federation_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

const (
	hanoi   = "000.00.00.H26" // Hà Nội in the demo data
	commune = "000.00.40.H26" // a commune of Hà Nội
	nghean  = "000.03.42.H41" // a commune of Nghệ An
	birth   = "1.001193"      // birth registration
)

var admin = &identity.Account{ID: 1, Kind: identity.KindOfficial, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}}

func national(t *testing.T, db *store.DB) *federation.Service {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		t.Fatal(err)
	}
	return federation.NewService(db, nil, federation.Config{}, nil)
}

func at(s string) federation.Time {
	t, err := time.ParseInLocation("20060102150405", s, time.FixedZone("ICT", 7*3600))
	if err != nil {
		panic(err)
	}
	return federation.Time{Time: t.UTC()}
}

// push is a dossier of the commune after n steps.
func push(code string, n int) federation.Push {
	p := federation.Push{Dossier: federation.Dossier{Code: code, ProcedureCode: birth, ProcedureName: "Đăng ký khai sinh",
		Applicant: "Nguyễn Văn An", ApplicantID: "001090012345", Status: 1}}
	actions := []string{"submitted", "receive", "forward", "approve", "return_result"}
	status := []int{1, 4, 4, 9, 10}
	for i := range n {
		p.Progress = append(p.Progress, federation.Progress{Seq: i + 1, Actor: "Cán bộ", At: federation.Time{Time: at("20261128080000").Add(time.Duration(i) * time.Hour)},
			Status: status[i], Action: actions[i], Content: actions[i]})
		p.Dossier.Status = status[i]
	}
	// The dates as the province fills them in: received with the second
	// step, due two days later, finished with the fourth, returned with
	// the fifth.
	p.Dossier.Way = federation.WayOnline
	step := func(i int) *federation.Time {
		return &federation.Time{Time: at("20261128080000").Add(time.Duration(i) * time.Hour)}
	}
	if n >= 2 {
		p.Dossier.ReceivedAt = step(1)
		due := at("20261130170000")
		p.Dossier.DueAt = &due
	}
	if n >= 4 {
		p.Dossier.FinishedAt = step(3)
	}
	if n >= 5 {
		p.Dossier.ReturnedAt = step(4)
	}
	return p
}

func fedErr(t *testing.T, err error, code string) {
	t.Helper()
	var fe *federation.Error
	if !errors.As(err, &fe) || fe.Code != code {
		t.Fatalf("want refusal %q, got %v", code, err)
	}
	if fe.Msg == "" {
		t.Fatalf("refusal %q without a message", code)
	}
}

func TestNationalStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := national(t, db)
		req := identity.Request{IP: "test"}
		if _, err := svc.SaveSystem(ctx, nil, federation.System{ID: "ha-noi", Name: "x", Agencies: []string{hanoi}}, req); !errors.Is(err, egov.ErrForbidden) {
			t.Fatalf("saved by nobody: %v", err)
		}
		var fe egov.FieldErrors
		if _, err := svc.SaveSystem(ctx, admin, federation.System{ID: "Hà Nội", Agencies: []string{"nope"}}, req); !errors.As(err, &fe) ||
			fe["id"] == "" || fe["name"] == "" || fe["agencies"] == "" {
			t.Fatalf("bad system: %v", err)
		}
		sys, err := svc.SaveSystem(ctx, admin, federation.System{ID: "ha-noi", Name: "Một cửa Hà Nội", Agencies: []string{hanoi}}, req)
		if err != nil || len(sys.Agencies) != 1 || len(sys.Procedures) != 0 {
			t.Fatalf("save: %+v %v", sys, err)
		}
		if _, err := svc.SaveSystem(ctx, admin, federation.System{ID: "nghe-an", Name: "Một cửa Nghệ An", Agencies: []string{"000.00.00.H41"},
			Procedures: []string{"1.000894"}}, req); err != nil {
			t.Fatal(err)
		}
		id, secret, err := svc.AddClient(ctx, admin, "ha-noi", req)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.IssueToken(ctx, id, secret+"x"); !errors.Is(err, federation.ErrBadClient) {
			t.Fatalf("wrong secret: %v", err)
		}
		tok, _, err := svc.IssueToken(ctx, id, secret)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Authenticate(ctx, tok); err != nil || got != "ha-noi" {
			t.Fatalf("authenticate: %q %v", got, err)
		}

		code := commune + "-261128-0001"
		st, err := svc.Accept(ctx, "ha-noi", push(code, 2), "test")
		if err != nil || st.Added != 2 || st.Seq != 2 {
			t.Fatalf("first push: %+v %v", st, err)
		}
		// The same again: nothing new. Then the rest, given whole.
		if st, err := svc.Accept(ctx, "ha-noi", push(code, 2), "test"); err != nil || !st.Duplicate || st.Added != 0 {
			t.Fatalf("repeat: %+v %v", st, err)
		}
		if st, err := svc.Accept(ctx, "ha-noi", push(code, 4), "test"); err != nil || st.Added != 2 || st.Seq != 4 {
			t.Fatalf("newer: %+v %v", st, err)
		}
		// Older than stored: refused.
		_, err = svc.Accept(ctx, "ha-noi", push(code, 3), "test")
		fedErr(t, err, "stale")
		if !errors.Is(err, egov.ErrConflict) {
			t.Fatalf("stale is a conflict: %v", err)
		}
		// Only the last step, after a gap: refused.
		p := push(code, 5)
		p.Progress = p.Progress[4:]
		if _, err := svc.Accept(ctx, "ha-noi", p, "test"); err != nil {
			t.Fatalf("the next step alone: %v", err)
		}
		gap := push(commune+"-261128-0002", 3)
		gap.Progress = gap.Progress[2:]
		_, err = svc.Accept(ctx, "ha-noi", gap, "test")
		fedErr(t, err, "gap")
		// Another system's agency, an unknown procedure, a procedure the
		// system does not serve, and a malformed push.
		_, err = svc.Accept(ctx, "ha-noi", push(nghean+"-261128-0001", 1), "test")
		fedErr(t, err, "not_your_agency")
		unknown := push(commune+"-261128-0003", 1)
		unknown.Dossier.ProcedureCode = "9.999999"
		_, err = svc.Accept(ctx, "ha-noi", unknown, "test")
		fedErr(t, err, "unknown_procedure")
		_, err = svc.Accept(ctx, "nghe-an", push(nghean+"-261128-0001", 1), "test")
		fedErr(t, err, "unknown_procedure")
		bad := push("không-mã", 1)
		bad.Dossier.Status = 11
		bad.Progress[0].Seq = 0
		if _, err := svc.Accept(ctx, "ha-noi", bad, "test"); !errors.As(err, &fe) || fe["HoSo.TrangThaiHoSo"] == "" || fe["QuaTrinhXuLy[0].SoThuTu"] == "" {
			t.Fatalf("malformed: %v", err)
		}
		var refusals int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'federation.push_refused'`).Scan(&refusals); err != nil || refusals != 6 {
			t.Fatalf("refusals logged: %d %v", refusals, err)
		}

		f, err := svc.Dossier(ctx, code)
		if err != nil || len(f.Progress) != 5 || f.Dossier.Status != 10 || f.System != "ha-noi" {
			t.Fatalf("stored: %+v %v", f, err)
		}
		tr, err := svc.Track(ctx, code, time.Now())
		if err != nil || tr.Status != dossier.StatusReturned || tr.NationalCode != 10 || len(tr.Steps) != 5 ||
			tr.Steps[0].Action != "submitted" || tr.AgencyName == "" {
			t.Fatalf("tracking: %+v %v", tr, err)
		}
		mine, err := svc.Mine(ctx, "001090012345", 50)
		if err != nil || len(mine) != 1 || mine[0].Code != code {
			t.Fatalf("mine: %+v %v", mine, err)
		}

		// The pushed dossier counts in the national figures as if it were
		// the instance's own: received online on 28 November, finished
		// the same day, early against the 30th; kept up to date push by
		// push, as a rebuild from the pushed dossiers finds.
		var received, early, open int64
		if err := db.QueryRowContext(ctx, `SELECT received_online, finished_early FROM report_figures
			WHERE agency_code = 'VN' AND month = '2026-11' AND field_code = '' AND procedure_code = ''`).Scan(&received, &early); err != nil ||
			received != 1 || early != 1 {
			t.Errorf("national figures: received %d, early %d, %v", received, early, err)
		}
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM report_open WHERE agency_code = 'VN' AND field_code = ''`).Scan(&open); err != nil || open != 0 {
			t.Errorf("open dossiers: %d %v", open, err)
		}
		diffs, err := report.Verify(ctx, db, report.Sources(dossier.EachFacts(db.DB), federation.EachFacts(db.DB)))
		if err != nil || len(diffs) > 0 {
			t.Errorf("figures differ from the pushed dossiers: %v %v", err, diffs)
		}
	})
}

// TestOutboxInOrder pushes a provincial outbox to a national instance that
// is down at first, then back: everything arrives, in order; a push it
// refuses is set aside and the next ones go.
func TestOutboxInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		nat := national(t, storetest.SQLite(t))
		if _, err := nat.SaveSystem(ctx, admin, federation.System{ID: "ha-noi", Name: "Một cửa Hà Nội", Agencies: []string{hanoi}}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		id, secret, err := nat.AddClient(ctx, admin, "ha-noi", identity.Request{})
		if err != nil {
			t.Fatal(err)
		}
		var down atomic.Bool
		down.Store(true)
		var order []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "down", http.StatusBadGateway)
				return
			}
			switch r.URL.Path {
			case "/api/v1/federation/token":
				u, p, _ := r.BasicAuth()
				tok, _, err := nat.IssueToken(r.Context(), u, p)
				if err != nil {
					http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			case "/api/v1/federation/dossiers":
				system, err := nat.Authenticate(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				if err != nil {
					http.Error(w, "", http.StatusUnauthorized)
					return
				}
				var p federation.Push
				if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if _, err := nat.Accept(r.Context(), system, p, ""); err != nil {
					var fe *federation.Error
					if errors.As(err, &fe) {
						w.WriteHeader(http.StatusConflict)
						json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": fe.Code, "message": fe.Msg}})
						return
					}
					http.Error(w, err.Error(), http.StatusUnprocessableEntity)
					return
				}
				order = append(order, p.Dossier.Code+"#"+p.Progress[len(p.Progress)-1].Action)
				w.WriteHeader(http.StatusCreated)
			}
		}))
		defer srv.Close()
		prov := federation.NewService(db, nil, federation.Config{NationalURL: srv.URL, ClientID: id, ClientSecret: secret}, nil)
		// The changes, each written in its own transaction, as dossier does.
		history := func(n int) []dossier.Event {
			var h []dossier.Event
			for i := range n {
				h = append(h, dossier.Event{At: time.Now(), ActorName: "Cán bộ", ActorRole: "receiver",
					Action: []string{"submitted", "receive", "forward"}[i], ToStatus: []dossier.Status{dossier.StatusSubmitted, dossier.StatusProcessing, dossier.StatusProcessing}[i]})
			}
			return h
		}
		a := &dossier.Dossier{Code: commune + "-261128-0001", ProcedureCode: birth, ProcedureName: "Đăng ký khai sinh", AgencyCode: commune,
			Applicant: dossier.Applicant{Kind: "citizen", Name: "Nguyễn Văn An", IDNumber: "001090012345"}, Status: dossier.StatusProcessing}
		b := *a
		b.Code = commune + "-261128-0002"
		foreign := *a
		foreign.Code = nghean + "-261128-0001"
		for _, c := range []struct {
			d *dossier.Dossier
			n int
		}{{a, 1}, {&b, 1}, {a, 2}, {&foreign, 1}, {a, 3}, {&b, 2}} {
			if err := db.Tx(ctx, func(tx *sql.Tx) error { return prov.SyncTx(ctx, tx, c.d, history(c.n)) }); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := prov.Push(ctx); err == nil || n != 0 {
			t.Fatalf("pushed to a portal that is down: %d %v", n, err)
		}
		down.Store(false)
		n, err := prov.Push(ctx)
		if err != nil || n != 6 {
			t.Fatalf("catch-up: %d %v", n, err)
		}
		want := []string{a.Code + "#submitted", b.Code + "#submitted", a.Code + "#receive", a.Code + "#forward", b.Code + "#receive"}
		if strings.Join(order, " ") != strings.Join(want, " ") {
			t.Fatalf("order:\n got %v\nwant %v", order, want)
		}
		counts, err := prov.Outbox(ctx)
		if err != nil || counts["delivered"] != 5 || counts["refused"] != 1 || counts["pending"] != 0 {
			t.Fatalf("outbox: %v %v", counts, err)
		}
		f, err := nat.Dossier(ctx, a.Code)
		if err != nil || len(f.Progress) != 3 {
			t.Fatalf("at the national portal: %+v %v", f, err)
		}
	})
}

// TestCatalogSync takes a national catalog with a changed procedure into a
// provincial one.
func TestCatalogSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		natDB := storetest.SQLite(t)
		nat := national(t, natDB)
		natCat := catalog.NewService(natDB, nil)
		defer natCat.Close()
		p, err := natCat.Procedure(ctx, birth)
		if err != nil {
			t.Fatal(err)
		}
		p.Name = "Thủ tục đăng ký khai sinh (sửa đổi năm 2026)"
		if _, err := natCat.Import(ctx, []catalog.Record{{Line: 1, Procedure: p}}, catalog.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := nat.SaveSystem(ctx, admin, federation.System{ID: "ha-noi", Name: "Một cửa Hà Nội", Agencies: []string{hanoi}}, identity.Request{}); err != nil {
			t.Fatal(err)
		}
		id, secret, err := nat.AddClient(ctx, admin, "ha-noi", identity.Request{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/v1/federation/token":
				u, pw, _ := r.BasicAuth()
				tok, _, err := nat.IssueToken(r.Context(), u, pw)
				if err != nil {
					http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			case federation.CatalogPath:
				if _, err := nat.Authenticate(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")); err != nil {
					http.Error(w, "", http.StatusUnauthorized)
					return
				}
				procs, err := natCat.Procedures(r.Context())
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				catalog.EncodeJSON(w, procs)
			}
		}))
		defer srv.Close()
		provCat := catalog.NewService(db, nil)
		defer provCat.Close()
		if _, err := demo.Load(ctx, provCat); err != nil {
			t.Fatal(err)
		}
		bad := federation.NewService(db, nil, federation.Config{NationalURL: srv.URL, ClientID: id, ClientSecret: "wrong"}, nil)
		if _, err := bad.SyncCatalog(ctx, provCat); err == nil {
			t.Fatal("synced with a wrong secret")
		}
		prov := federation.NewService(db, nil, federation.Config{NationalURL: srv.URL, ClientID: id, ClientSecret: secret}, nil)
		res, err := prov.SyncCatalog(ctx, provCat)
		if err != nil || res.Updated == 0 {
			t.Fatalf("sync: %+v %v", res, err)
		}
		got, err := provCat.Procedure(ctx, birth)
		if err != nil || got.Name != p.Name {
			t.Fatalf("after the sync: %q %v", got.Name, err)
		}
	})
}
