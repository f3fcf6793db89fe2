package dossier_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// fee is what the birth registration costs online in these tests (the
// demo has it free).
const fee = 8000

// syncClock is a clock shared by the dossier service and the sandbox
// gateway, which reads it from its server's goroutines.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *syncClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// payFixture is the fixture with online payment through a sandbox gateway
// on its own HTTP server, whose IPN comes back to the service over HTTP.
type payFixture struct {
	*fixture
	clock   *syncClock
	sandbox *payment.Sandbox
	gwURL   string
	browser *http.Client
}

func newPayFixture(t *testing.T, db *store.DB) *payFixture {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	proc, err := f.cat.Procedure(ctx, "1.001193")
	if err != nil {
		t.Fatal(err)
	}
	proc.Ways = slices.Clone(proc.Ways)
	for i := range proc.Ways {
		if proc.Ways[i].Channel == egov.ChannelOnline {
			proc.Ways[i].Fees = []egov.Fee{{Name: "Lệ phí đăng ký khai sinh quá hạn", Amount: fee, Unit: "lần"}}
		}
	}
	if _, err := f.cat.Import(ctx, []catalog.Record{{Line: 1, Procedure: proc}}, catalog.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	pf := &payFixture{fixture: f, clock: &syncClock{t: vnTime(23, 9, 0)}}
	ipn := httptest.NewUnstartedServer(nil)
	sb, err := payment.NewSandbox(payment.SandboxConfig{Prefix: "/sandbox/vnpay", TmnCode: "EGOVTEST", HashSecret: "test-hash-secret",
		IPNURL: "http://" + ipn.Listener.Addr().String() + "/ipn", Now: pf.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	mux := http.NewServeMux()
	mux.Handle("/sandbox/vnpay/", sb)
	gw := httptest.NewServer(mux)
	t.Cleanup(gw.Close)
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = dossier.NewService(db, queue, f.cat, blobs, calendar.NewService(db, audit.New(db)),
		dossier.Config{PublicURL: "https://dvc.example.vn", Now: pf.clock.Now, Gateway: sb.VNPay(gw.URL)}, nil)
	svc := f.svc
	ipn.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payment.WriteIPNAnswer(w, svc.HandleIPN(r.Context(), r.URL.Query()))
	})
	ipn.Start()
	t.Cleanup(ipn.Close)
	pf.sandbox, pf.gwURL = sb, gw.URL
	pf.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return pf
}

var (
	payForm  = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	payToken = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]+)">`)
)

// start submits a dossier and starts its payment, without going to the
// gateway.
func (pf *payFixture) start(t *testing.T) (dossier.Payment, string) {
	t.Helper()
	d := pf.submit(t)
	if d.FeeDue() != fee {
		t.Fatalf("dossier %s owes %d đồng, want %d", d.Code, d.FeeDue(), fee)
	}
	p, payURL, err := pf.svc.StartPayment(context.Background(), &pf.citizen, d.Code, req)
	if err != nil {
		t.Fatal(err)
	}
	return p, payURL
}

// openPage opens the gateway's payer page of payURL and returns its form.
func (pf *payFixture) openPage(t *testing.T, payURL string) (action, token string) {
	t.Helper()
	res, err := pf.browser.Get(payURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	a, tk := payForm.FindSubmatch(body), payToken.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || a == nil || tk == nil {
		t.Fatalf("payment page: %s\n%s", res.Status, body)
	}
	return html.UnescapeString(string(a[1])), string(tk[1])
}

// pay starts a payment of a new dossier and presses button ("pay" or
// "cancel") on the gateway's page. It returns the payment as recorded
// then.
func (pf *payFixture) pay(t *testing.T, button string) dossier.Payment {
	t.Helper()
	p, payURL := pf.start(t)
	action, token := pf.openPage(t, payURL)
	res, err := pf.browser.PostForm(pf.gwURL+action, url.Values{"token": {token}, "action": {button}, "bank": {"NCB"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("payer's %s: %s", button, res.Status)
	}
	return pf.payment(t, p.DossierCode)
}

// payment is the latest payment of the dossier code.
func (pf *payFixture) payment(t *testing.T, code string) dossier.Payment {
	t.Helper()
	ps, err := pf.svc.Payments(context.Background(), &pf.citizen, code)
	if err != nil || len(ps) == 0 {
		t.Fatalf("payments of %s: %v %v", code, ps, err)
	}
	return ps[0]
}

func (pf *payFixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := pf.db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatal(err)
	}
}

func (pf *payFixture) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := pf.db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// day23 is the day the payments of these tests are made.
var day23 = time.Date(2026, 11, 23, 0, 0, 0, 0, calendar.Vietnam)

// reconcile reconciles the commune's 23 November the next morning.
func (pf *payFixture) reconcile(t *testing.T) dossier.Reconciliation {
	t.Helper()
	pf.clock.Set(vnTime(24, 8, 0))
	rec, err := pf.svc.Reconcile(context.Background(), commune, day23.Add(15*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestReconcileMatchingDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pf := newPayFixture(t, db)
		paid := pf.pay(t, "pay")
		cancelled := pf.pay(t, "cancel")
		refunded := pf.pay(t, "pay")
		if paid.Status != dossier.PaymentPaid || cancelled.Status != dossier.PaymentCancelled || refunded.Status != dossier.PaymentPaid {
			t.Fatalf("statuses %s %s %s", paid.Status, cancelled.Status, refunded.Status)
		}
		if _, err := pf.svc.RefundPayment(ctx, refunded.ID, "Hồ sơ bị từ chối giải quyết"); err != nil {
			t.Fatal(err)
		}
		// Another day's payment is not this day's.
		pf.clock.Set(vnTime(22, 23, 50))
		pf.pay(t, "pay")

		rec := pf.reconcile(t)
		if rec.AgencyCode != commune || !rec.Day.Equal(day23) || rec.Day.Location() != calendar.Vietnam {
			t.Errorf("agency %s day %v", rec.AgencyCode, rec.Day)
		}
		if rec.Checked != 3 || rec.Matched != 3 || len(rec.Mismatches) != 0 || len(rec.Settled) != 0 || rec.Open() != 0 {
			t.Errorf("checked %d matched %d mismatches %+v settled %d", rec.Checked, rec.Matched, rec.Mismatches, len(rec.Settled))
		}
		if rec.RecordedTotal != fee || rec.GatewayTotal != fee {
			t.Errorf("totals %d here, %d at the gateway; want %d", rec.RecordedTotal, rec.GatewayTotal, fee)
		}
		if !rec.RanAt.Equal(vnTime(24, 8, 0)) || rec.ID == 0 {
			t.Errorf("ran at %v, id %d", rec.RanAt, rec.ID)
		}

		stored, err := pf.svc.Reconciliations(ctx, commune, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 {
			t.Fatalf("%d stored runs, want 1", len(stored))
		}
		s := stored[0]
		if s.ID != rec.ID || !s.Day.Equal(day23) || s.Checked != 3 || s.Matched != 3 || s.RecordedTotal != fee ||
			s.GatewayTotal != fee || !s.RanAt.Equal(rec.RanAt) || len(s.Mismatches) != 0 || len(s.Settled) != 0 {
			t.Errorf("stored %+v\nwant %+v", s, rec)
		}
		if n := pf.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'payment.reconciled'`); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		if other, err := pf.svc.Reconciliations(ctx, "000.00.00.H26", 10); err != nil || len(other) != 0 {
			t.Errorf("another agency's runs: %v %v", other, err)
		}
		agencies, err := pf.svc.ReconciliationAgencies(ctx, day23)
		if err != nil || !slices.Equal(agencies, []string{commune}) {
			t.Errorf("agencies with payments: %v %v", agencies, err)
		}
	}, jobs.Migrate)
}

// TestReconcileSettlesLostIPN: payments still pending here because their
// IPN was lost, or because the payer never reached the gateway, are
// settled by the run from the gateway's answer.
func TestReconcileSettlesLostIPN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pf := newPayFixture(t, db)
		pf.sandbox.SetFaults(payment.SandboxFaults{SkipIPN: true})
		lost := pf.pay(t, "pay")
		if lost.Status != dossier.PaymentPending {
			t.Fatalf("without an IPN: %s", lost.Status)
		}
		never, _ := pf.start(t)

		rec := pf.reconcile(t)
		if rec.Checked != 2 || rec.Matched != 2 || len(rec.Mismatches) != 0 || len(rec.Settled) != 2 {
			t.Fatalf("checked %d matched %d mismatches %+v settled %+v", rec.Checked, rec.Matched, rec.Mismatches, rec.Settled)
		}
		got := map[string]dossier.PaymentStatus{}
		for _, p := range rec.Settled {
			got[p.TxnRef] = p.Status
		}
		if got[lost.TxnRef] != dossier.PaymentPaid || got[never.TxnRef] != dossier.PaymentFailed {
			t.Errorf("settled %v", got)
		}
		if p := pf.payment(t, lost.DossierCode); p.Status != dossier.PaymentPaid || p.ConfirmedBy != "query" || p.ReceiptNumber == "" {
			t.Errorf("lost IPN's payment now %s by %q, receipt %q", p.Status, p.ConfirmedBy, p.ReceiptNumber)
		}
		if rec.RecordedTotal != fee || rec.GatewayTotal != fee {
			t.Errorf("totals %d, %d", rec.RecordedTotal, rec.GatewayTotal)
		}
		stored, err := pf.svc.Reconciliations(context.Background(), commune, 0)
		if err != nil || len(stored) != 1 || len(stored[0].Settled) != 2 {
			t.Fatalf("stored %+v %v", stored, err)
		}
	}, jobs.Migrate)
}

// TestReconcilePendingAtGateway: a payer still on the gateway's page is
// no mismatch while the payment is in its time, and is one once it should
// long have ended.
func TestReconcilePendingAtGateway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pf := newPayFixture(t, db)
		p, payURL := pf.start(t)
		pf.openPage(t, payURL)

		pf.clock.Set(vnTime(23, 9, 5))
		rec, err := pf.svc.Reconcile(ctx, commune, day23)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Checked != 1 || rec.Matched != 0 || len(rec.Mismatches) != 0 || rec.Open() != 1 {
			t.Errorf("within its time: checked %d matched %d mismatches %+v", rec.Checked, rec.Matched, rec.Mismatches)
		}

		rec = pf.reconcile(t)
		if len(rec.Mismatches) != 1 {
			t.Fatalf("long after expiry: mismatches %+v", rec.Mismatches)
		}
		m := rec.Mismatches[0]
		if m.Payment.TxnRef != p.TxnRef || m.Payment.Status != dossier.PaymentPending || m.GatewayStatus != payment.StatusPending ||
			!strings.Contains(m.Problem, "hết hạn thanh toán") || !strings.Contains(m.Problem, p.TxnRef) {
			t.Errorf("mismatch %+v", m)
		}
		if stored, err := pf.svc.Reconciliations(ctx, commune, 1); err != nil || len(stored) != 1 || stored[0].ID != rec.ID {
			t.Errorf("newest run: %+v %v", stored, err)
		}
	}, jobs.Migrate)
}

func TestReconcileMismatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pf := newPayFixture(t, db)
		// Recorded failed here, paid at the gateway: the payer's money
		// was taken.
		failedHere := pf.pay(t, "pay")
		pf.exec(t, `UPDATE payments SET status = 'failed', paid_at = NULL WHERE id = $1`, failedHere.ID)
		// Recorded paid for another amount than the gateway took.
		otherAmount := pf.pay(t, "pay")
		pf.exec(t, `UPDATE payments SET amount = $1 WHERE id = $2`, fee+1000, otherAmount.ID)
		pf.pay(t, "pay") // and one that matches
		// Refunded at the gateway behind egov's back.
		refunded := pf.pay(t, "pay")
		if _, err := pf.sandbox.VNPay(pf.gwURL).Refund(context.Background(), payment.Refund{TxnRef: refunded.TxnRef, Amount: fee, Full: true,
			TransactionNo: refunded.TransactionNo, OrderDate: refunded.OrderDate, CreatedBy: "ketoan", IPAddr: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}

		rec := pf.reconcile(t)
		if rec.Checked != 4 || rec.Matched != 1 || len(rec.Mismatches) != 3 {
			t.Fatalf("checked %d matched %d mismatches %+v", rec.Checked, rec.Matched, rec.Mismatches)
		}
		taken, amount, back := rec.Mismatches[0], rec.Mismatches[1], rec.Mismatches[2]
		if back.Payment.TxnRef != refunded.TxnRef || back.Payment.Status != dossier.PaymentPaid ||
			back.GatewayStatus != payment.StatusRefundSent || // sent by the next morning

			!strings.Contains(back.Problem, "đã được hoàn tiền") {
			t.Errorf("refunded there, paid here: %+v", back)
		}
		if taken.Payment.TxnRef != failedHere.TxnRef || taken.Payment.Status != dossier.PaymentFailed ||
			taken.GatewayStatus != payment.StatusSuccess || taken.GatewayAmount != fee ||
			!strings.Contains(taken.Problem, "đã bị trừ 8.000 đồng") || !strings.Contains(taken.Problem, failedHere.DossierCode) {
			t.Errorf("failed here, paid there: %+v", taken)
		}
		if amount.Payment.TxnRef != otherAmount.TxnRef || amount.Payment.Amount != fee+1000 || amount.GatewayAmount != fee ||
			!strings.Contains(amount.Problem, "Số tiền không khớp") || !strings.Contains(amount.Problem, "9.000 đồng") ||
			!strings.Contains(amount.Problem, "8.000 đồng") {
			t.Errorf("another amount: %+v", amount)
		}
		if rec.RecordedTotal != fee+(fee+1000)+fee || rec.GatewayTotal != 3*fee {
			t.Errorf("totals %d here, %d at the gateway", rec.RecordedTotal, rec.GatewayTotal)
		}
		stored, err := pf.svc.Reconciliations(context.Background(), commune, 10)
		if err != nil || len(stored) != 1 || len(stored[0].Mismatches) != 3 {
			t.Fatalf("stored %+v %v", stored, err)
		}
		if s := stored[0].Mismatches[0]; s.Problem != taken.Problem || s.Payment.TxnRef != taken.Payment.TxnRef ||
			s.Payment.DossierCode != failedHere.DossierCode || s.GatewayAmount != fee {
			t.Errorf("stored mismatch %+v", s)
		}
	}, jobs.Migrate)
}

func TestReconcileGatewayDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pf := newPayFixture(t, db)
		pf.pay(t, "pay")
		pf.sandbox.SetFaults(payment.SandboxFaults{SkipIPN: true})
		pending := pf.pay(t, "pay")
		pf.sandbox.SetFaults(payment.SandboxFaults{Down: true})
		pf.clock.Set(vnTime(24, 8, 0))
		_, err := pf.svc.Reconcile(context.Background(), commune, day23)
		if !errors.Is(err, payment.ErrGatewayUnavailable) {
			t.Fatalf("gateway down: %v, want ErrGatewayUnavailable", err)
		}
		if n := pf.count(t, `SELECT COUNT(*) FROM payment_reconciliations`); n != 0 {
			t.Errorf("%d runs stored", n)
		}
		if n := pf.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'payment.reconciled'`); n != 0 {
			t.Errorf("%d audit entries", n)
		}
		if p := pf.payment(t, pending.DossierCode); p.Status != dossier.PaymentPending {
			t.Errorf("pending payment now %s", p.Status)
		}
	}, jobs.Migrate)
}

func TestReconcileRefusals(t *testing.T) {
	db := storetest.SQLite(t, jobs.Migrate)
	pf := newPayFixture(t, db)
	ctx := context.Background()
	for name, c := range map[string]struct {
		agency string
		day    time.Time
		kind   error
	}{
		"unknown agency": {"000.00.99.X99", day23, egov.ErrNotFound},
		"future day":     {commune, day23.AddDate(0, 0, 2), egov.ErrInvalid},
	} {
		var de *dossier.Error
		if _, err := pf.svc.Reconcile(ctx, c.agency, c.day); !errors.Is(err, c.kind) || !errors.As(err, &de) {
			t.Errorf("%s: %v, want a refusal matching %v", name, err, c.kind)
		}
	}
}

// TestReconcileJob: the periodic job registered by AddReconciliation
// reconciles the previous day when the queue starts.
func TestReconcileJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pf := newPayFixture(t, db)
		pf.pay(t, "pay")
		pf.clock.Set(vnTime(24, 9, 0))

		cfg := jobs.Config{PollInterval: 50 * time.Millisecond}
		pf.svc.AddReconciliation(&cfg)
		pf.svc.AddPaymentWorkers(&cfg)
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
		var runs []dossier.Reconciliation
		for len(runs) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no reconciliation within 10s of the queue's start")
			}
			time.Sleep(50 * time.Millisecond)
			if runs, err = pf.svc.Reconciliations(ctx, commune, 10); err != nil {
				t.Fatal(err)
			}
		}
		if r := runs[0]; !r.Day.Equal(day23) || r.Checked != 1 || r.Matched != 1 {
			t.Errorf("run %+v", r)
		}
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	}, jobs.Migrate)
}
