package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/store"
)

// TestReportRebuildAndVerify: dossiers written without the platform's
// services (a bulk load) are missing from the figures; verify says so and
// fails, rebuild counts them, and verify then agrees.
func TestReportRebuildAndVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	args := []string{"--data=" + dir, "--db="}
	var out bytes.Buffer
	if err := cmdDemo(ctx, args, &out, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const agency = "000.00.40.H26"
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, calendar.Vietnam).UTC()
	due := at.Add(72 * time.Hour)
	if _, err := db.ExecContext(ctx, `INSERT INTO dossiers (code, procedure_code, procedure_name, field_code, agency_code, channel,
		applicant_kind, applicant_name, status, created_at, updated_at, submitted_at, received_at, due_at, finished_at)
		VALUES ($1, '1.001193', 'Đăng ký khai sinh', 'HT', $2, 'counter', 'citizen', 'Nguyễn Văn An', 'returned', $3, $3, $3, $3, $4, $3)`,
		agency+"-261123-9001", agency, at, due); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = cmdReport(ctx, append([]string{"verify"}, args...), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "differ") || !strings.Contains(out.String(), agency+" 2026-11") {
		t.Fatalf("verify after a bulk load: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := cmdReport(ctx, append([]string{"rebuild"}, args...), &out, &out); err != nil || !strings.Contains(out.String(), "figures rebuilt from") {
		t.Fatalf("rebuild: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := cmdReport(ctx, append([]string{"verify"}, args...), &out, &out); err != nil || !strings.Contains(out.String(), "agree") {
		t.Fatalf("verify after rebuild: %v\n%s", err, out.String())
	}
	var early int64
	if err := db.QueryRowContext(ctx, `SELECT finished_early FROM report_figures WHERE agency_code = 'VN' AND month = '2026-11' AND field_code = '' AND procedure_code = ''`).Scan(&early); err != nil || early < 1 {
		t.Errorf("the country's early results in November 2026: %d %v", early, err)
	}
	if err := cmdReport(ctx, []string{"recount"}, &out, &out); err == nil {
		t.Error("an unknown subcommand was accepted")
	}
}
