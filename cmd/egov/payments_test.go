package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/store"
)

func TestPaymentsReconcileUsage(t *testing.T) {
	data := "--data=" + t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"payments"}, "usage: egov payments reconcile"},
		{[]string{"payments", "reconcile", data, "--db="}, "--date is required: the day to reconcile, as YYYY-MM-DD"},
		{[]string{"payments", "reconcile", data, "--db=", "--date=23/11/2026"}, `invalid --date "23/11/2026": use YYYY-MM-DD`},
		{[]string{"payments", "reconcile", data, "--db=", "--date=2026-02-30"}, `invalid --date "2026-02-30": use YYYY-MM-DD`},
		{[]string{"payments", "reconcile", data, "--db=", "--date=2026-11-23", "--vnpay-pay-url="}, "no payment gateway to reconcile with"},
	} {
		out, err := egov(t, "", c.args...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error saying %q\n%s", c.args, err, c.want, out)
		}
	}
}

func TestPaymentsReconcileNoPayments(t *testing.T) {
	args := []string{"payments", "reconcile", "--data=" + t.TempDir(), "--db=", "--date=2026-11-23", "--payment-sandbox", "--log-level=error"}
	out, err := egov(t, "", args...)
	if err != nil || !strings.Contains(out, "no payments on 2026-11-23") {
		t.Fatalf("empty database: %v\n%s", err, out)
	}
}

// TestPaymentsReconcileMismatch: a payment recorded paid that the gateway
// (the sandbox of a portal at --public-url) has never seen is reported,
// and the command fails.
func TestPaymentsReconcileMismatch(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	if out, err := egov(t, "", "demo", "--data="+dir, "--db=", "--log-level=error"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	const agency = "000.00.40.H26"
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, calendar.Vietnam).UTC()
	var dossierID int64
	if err := db.QueryRowContext(ctx, `INSERT INTO dossiers (code, procedure_code, procedure_name, agency_code, channel,
		applicant_kind, applicant_name, status, created_at, updated_at)
		VALUES ($1, '1.001193', 'Đăng ký khai sinh', $2, 'online', 'citizen', 'Nguyễn Văn An', 'submitted', $3, $3) RETURNING id`,
		agency+"-261123-0001", agency, at).Scan(&dossierID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO payments (dossier_id, agency_code, txn_ref, amount, status, payer_ip,
		order_date, expires_at, transaction_no, paid_at, created_at, updated_at)
		VALUES ($1, $2, 'REF0001', 8000, 'paid', '127.0.0.1', $3, $4, '14000001', $3, $3, $3)`,
		dossierID, agency, at, at.Add(payment.DefaultExpiry)); err != nil {
		t.Fatal(err)
	}

	sb, err := payment.NewSandbox(payment.SandboxConfig{Prefix: sandboxPrefix, TmnCode: sandboxTmnCode, HashSecret: sandboxSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	mux := http.NewServeMux()
	mux.Handle(sandboxPrefix+"/", sb)
	portal := httptest.NewServer(mux)
	defer portal.Close()

	out, err := egov(t, "", "payments", "reconcile", "--data="+dir, "--db=", "--date=2026-11-23", "--payment-sandbox",
		"--public-url="+portal.URL, "--log-level=error")
	var mf mismatchesFound
	if !errors.As(err, &mf) || mf.n != 1 {
		t.Fatalf("want 1 mismatch, got %v\n%s", err, out)
	}
	var ue usageError
	if errors.As(err, &ue) {
		t.Errorf("a mismatch is not a usage error (exit status 1, not 2)")
	}
	// The columns are aligned with spaces; compare with single ones.
	flat := regexp.MustCompile(` +`).ReplaceAllString(out, " ")
	for _, want := range []string{"Reconciliation of " + agency + " for 2026-11-23", "payments checked 1\n", "matched 0\n",
		"collected, our records 8.000 đồng\n", "collected, the gateway 0 đồng\n", "mismatches 1\n",
		"1 " + agency + "-261123-0001 REF0001 paid 8.000 not found -\n",
		"1. Hệ thống ghi nhận đã thu 8.000 đồng nhưng cổng thanh toán không có giao dịch này"} {
		if !strings.Contains(flat, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	var runs int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_reconciliations WHERE agency_code = $1 AND day = '2026-11-23'`, agency).Scan(&runs); err != nil || runs != 1 {
		t.Errorf("%d runs stored, %v", runs, err)
	}
}
