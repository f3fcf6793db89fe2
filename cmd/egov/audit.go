package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/egov-vn/egov/audit"
)

// cmdVerifyAudit recomputes the audit log's hash chain. It fails (a non-zero
// exit status) when the log was tampered with, so that a scheduled run can
// raise an alarm.
func cmdVerifyAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("verify-audit", &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageError{"usage: egov verify-audit [flags]"}
	}
	db, err := openDB(ctx, &cfg, newLogger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := audit.New(db).Verify(ctx)
	if err != nil {
		return err
	}
	if p := rep.FirstBad; p != nil {
		fmt.Fprintf(stdout, "audit log broken: %s (%d entries before it intact)\n", p, rep.Entries)
		if p.Seq == 0 {
			return fmt.Errorf("audit log broken: %s", p.Reason)
		}
		return fmt.Errorf("audit log broken at entry %d: %s", p.Seq, p.Reason)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", rep.Entries)
	return nil
}
