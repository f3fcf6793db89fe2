package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/payment"
)

const paymentsUsage = "usage: egov payments reconcile --date YYYY-MM-DD [--agency CODE] [flags]"

// cmdPayments runs the payments subcommands: reconcile, for now.
func cmdPayments(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "reconcile" {
		return usageError{paymentsUsage}
	}
	return cmdPaymentsReconcile(ctx, args[1:], stdout, stderr)
}

// mismatchesFound is the failure of a reconciliation that ran and found
// payments that differ from the gateway's: exit status 1, as for a broken
// audit log, so that a scheduled run can raise an alarm.
type mismatchesFound struct{ n, agencies int }

func (e mismatchesFound) Error() string {
	agencies := "agencies"
	if e.agencies == 1 {
		agencies = "agency"
	}
	return fmt.Sprintf("%d payment(s) differ from the gateway's records, in %d %s: see the report above", e.n, e.agencies, agencies)
}

// cmdPaymentsReconcile reconciles a day's payments (in Vietnam time) of one
// agency, or of every agency with payments that day, against the gateway,
// stores each run as the daily job does, and prints a report per agency.
func cmdPaymentsReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("payments reconcile", &cfg, stderr)
	date := fs.String("date", "", "the day to reconcile, YYYY-MM-DD, in Vietnam time (required)")
	agency := fs.String("agency", "", "the agency's code; empty: every agency with payments that day")
	publicURL := fs.String("public-url", env("EGOV_PUBLIC_URL", "http://localhost:8080"), "address of the running portal, where the payment sandbox is served with --demo or --payment-sandbox (EGOV_PUBLIC_URL)")
	fs.BoolVar(&cfg.demo, "demo", envBool("EGOV_DEMO"), "the portal runs the demo: pay through its sandbox unless a gateway is set (EGOV_DEMO)")
	var gwCfg gatewayConfig
	addGatewayFlags(fs, &gwCfg)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageError{paymentsUsage}
	}
	day, err := parseDay(*date)
	if err != nil {
		return err
	}
	level, err := parseLevel(cfg.logLevel)
	if err != nil {
		return err
	}
	gw, err := gwCfg.gateway(*publicURL, cfg.demo)
	if err != nil {
		return err
	}
	if gw == nil {
		return usageError{"no payment gateway to reconcile with: set --vnpay-pay-url, --vnpay-query-url, --vnpay-tmn-code and EGOV_VNPAY_HASH_SECRET, or --payment-sandbox (or --demo) for the sandbox of the portal at --public-url"}
	}
	log := newLogger(stderr, level)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := openBlobs(&cfg)
	if err != nil {
		return err
	}
	// Settling a payment queues e-mails and refunds of duplicates: they
	// are inserted here and worked by egov serve.
	inserter, err := jobs.New(db, jobs.Config{Logger: log})
	if err != nil {
		return err
	}
	cat := catalog.NewService(db, log)
	defer cat.Close()
	svc := dossier.NewService(db, inserter, cat, blobs, calendar.NewService(db, audit.New(db)),
		dossier.Config{PublicURL: *publicURL, Gateway: gw}, log)

	agencies := []string{*agency}
	if *agency == "" {
		if agencies, err = svc.ReconciliationAgencies(ctx, day); err != nil {
			return err
		}
		if len(agencies) == 0 {
			fmt.Fprintf(stdout, "no payments on %s (Vietnam time): nothing to reconcile\n", day.Format(time.DateOnly))
			return nil
		}
	}
	found := mismatchesFound{}
	for i, a := range agencies {
		rec, err := svc.Reconcile(ctx, a, day)
		if err != nil {
			return fmt.Errorf("reconciliation of %s on %s: %w", a, day.Format(time.DateOnly), err)
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := printReconciliation(stdout, &rec); err != nil {
			return err
		}
		if len(rec.Mismatches) > 0 {
			found.n += len(rec.Mismatches)
			found.agencies++
		}
	}
	if found.n > 0 {
		return found
	}
	return nil
}

// parseDay reads --date as a day in Vietnam.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, usageError{"--date is required: the day to reconcile, as YYYY-MM-DD (for example 2026-11-23)"}
	}
	day, err := time.ParseInLocation(time.DateOnly, s, calendar.Vietnam)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("invalid --date %q: use YYYY-MM-DD, a year, month and day such as 2026-11-23", s)}
	}
	return day, nil
}

// printReconciliation writes one agency's run as a short report: the
// counts and totals, then a table of the mismatches with each problem
// under it.
func printReconciliation(w io.Writer, rec *dossier.Reconciliation) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Reconciliation of %s for %s, run %s (Vietnam time)\n", rec.AgencyCode, rec.Day.Format(time.DateOnly),
		rec.RanAt.In(calendar.Vietnam).Format("2006-01-02 15:04:05"))
	fmt.Fprintf(tw, "  payments checked\t%d\n", rec.Checked)
	fmt.Fprintf(tw, "  matched\t%d\n", rec.Matched)
	fmt.Fprintf(tw, "  settled by this run\t%d\t(pending here, settled at the gateway)\n", len(rec.Settled))
	if n := rec.Open(); n > 0 {
		fmt.Fprintf(tw, "  still open\t%d\t(the payer may still pay)\n", n)
	}
	fmt.Fprintf(tw, "  collected, our records\t%s đồng\n", payment.FormatDong(rec.RecordedTotal))
	fmt.Fprintf(tw, "  collected, the gateway\t%s đồng\n", payment.FormatDong(rec.GatewayTotal))
	fmt.Fprintf(tw, "  mismatches\t%d\n", len(rec.Mismatches))
	if err := tw.Flush(); err != nil {
		return err
	}
	if rec.Checked == 0 {
		_, err := fmt.Fprintln(w, "  no payments that day")
		return err
	}
	if len(rec.Mismatches) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tDOSSIER\tTXNREF\tRECORDED\tAMOUNT\tGATEWAY\tAMOUNT")
	for i, m := range rec.Mismatches {
		gwStatus, gwAmount := "not found", "-"
		if m.GatewayStatus != "" {
			gwStatus, gwAmount = strings.TrimSpace(m.GatewayStatus+" "+gatewayStatusName(m.GatewayStatus)), payment.FormatDong(m.GatewayAmount)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, m.Payment.DossierCode, m.Payment.TxnRef, m.Payment.Status,
			payment.FormatDong(m.Payment.Amount), gwStatus, gwAmount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for i, m := range rec.Mismatches {
		if _, err := fmt.Fprintf(w, "  %d. %s\n", i+1, m.Problem); err != nil {
			return err
		}
	}
	return nil
}

// gatewayStatusName names the vnp_TransactionStatus codes for the table.
func gatewayStatusName(code string) string {
	switch code {
	case payment.StatusSuccess:
		return "(success)"
	case payment.StatusPending:
		return "(pending)"
	case payment.StatusFailed:
		return "(failed)"
	case payment.StatusRefundProcessing:
		return "(refund processing)"
	case payment.StatusRefundSent:
		return "(refund sent)"
	}
	return ""
}
