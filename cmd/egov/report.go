package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/report"
)

// allFacts is every dossier the figures count: the platform's own and,
// on a national instance, those that connected systems pushed.
func allFacts(db *sql.DB) report.Source {
	return report.Sources(dossier.EachFacts(db), federation.EachFacts(db))
}

// cmdReport recomputes or checks the report figures, which every dossier
// change keeps up to date: rebuild after the agency tree was reorganised
// or dossiers were loaded by other means (egov gen); verify, like
// verify-audit, exits non-zero when they differ from the dossiers.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: egov report rebuild|verify [flags]"
	if len(args) == 0 || (args[0] != "rebuild" && args[0] != "verify") {
		return usageError{use}
	}
	var cfg config
	fs := newFlagSet("report "+args[0], &cfg, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageError{use}
	}
	db, err := openDB(ctx, &cfg, newLogger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "rebuild" {
		st, err := report.Rebuild(ctx, db, allFacts(db.DB))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "figures rebuilt from %d dossiers: %d rows, %d rows of open dossiers, in %s\n",
			st.Dossiers, st.Rows, st.Open, st.Took.Round(1e6))
		return nil
	}
	diffs, err := report.Verify(ctx, db, allFacts(db.DB))
	if err != nil {
		return err
	}
	for i, d := range diffs {
		if i == 50 {
			fmt.Fprintf(stdout, "... and %d more\n", len(diffs)-50)
			break
		}
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("report figures differ from the dossiers in %d rows: run egov report rebuild", len(diffs))
	}
	fmt.Fprintln(stdout, "report figures agree with the dossiers")
	return nil
}
