package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	platform "github.com/egov-vn/egov"
	"github.com/egov-vn/egov/bench/gen"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
)

// cmdGen fills a database with a generated national-scale data set
// (package bench/gen) for benchmarks and load tests.
func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("gen", &cfg, stderr)
	nat := gen.NationalScale()
	procedures := fs.Int("procedures", nat.Procedures, "procedures in the catalog")
	citizens := fs.Int("citizens", nat.Citizens, "citizens' accounts")
	dossiers := fs.Int("dossiers", nat.Dossiers, "dossiers, with their histories")
	communes := fs.Int("communes", 0, "communes (default: the real number of the shape, 3,321 or 10,599)")
	years := fs.Float64("years", nat.Years, "years of dossiers, ending now")
	seed := fs.Uint64("seed", nat.Seed, "seed: the same seed and counts give the same data set")
	shape := fs.String("shape", string(gen.TwoLevel), "local government: two-level (since July 2025) or four-level (before, with districts)")
	nowFlag := fs.String("now", "", "end of the span, YYYY-MM-DD or RFC 3339 (default: now)")
	appendFlag := fs.Bool("append", false, "add to a database that already has dossiers")
	keep := fs.Bool("keep-indexes", false, "keep the big tables' indexes while loading (slower)")
	batch := fs.Int("batch", 0, "dossiers per transaction (SQLite) or COPY (PostgreSQL) (default 10000)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageError{"usage: egov gen [--db URL] [--procedures N] [--citizens N] [--dossiers N] [--years Y] [--seed S] [--shape two-level|four-level] [--append]"}
	}
	gc := gen.Config{Shape: gen.Shape(*shape), Communes: *communes, Procedures: *procedures, Citizens: *citizens,
		Dossiers: *dossiers, Years: *years, Seed: *seed, Append: *appendFlag, KeepIndexes: *keep, BatchSize: *batch}
	if gc.Shape != gen.TwoLevel && gc.Shape != gen.FourLevel {
		return usageError{fmt.Sprintf("--shape %q: use two-level or four-level", *shape)}
	}
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			d, derr := time.ParseInLocation("2006-01-02", *nowFlag, time.UTC)
			if derr != nil {
				return usageError{fmt.Sprintf("--now %q: use YYYY-MM-DD or RFC 3339", *nowFlag)}
			}
			t = d.Add(10 * time.Hour) // 17:00 in Vietnam
		}
		gc.Now = t
	}
	if !*quiet {
		gc.Progress = stderr
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stderr, "gen: generating into %s (%s, %d procedures, %d citizens, %d dossiers over %.1f years, seed %d)\n",
		db.Source, gc.Shape, gc.Procedures, gc.Citizens, gc.Dossiers, gc.Years, gc.Seed)
	st, err := gen.Generate(ctx, db, gc)
	if errors.Is(err, platform.ErrInvalid) {
		return usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	printGenStats(ctx, stdout, db, &st)
	// The dossiers went in by COPY, around the services that keep the
	// report figures: count them now.
	rs, err := report.Rebuild(ctx, db, allFacts(db.DB))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report figures rebuilt from %d dossiers: %d rows, in %s\n", rs.Dossiers, rs.Rows, rs.Took.Round(time.Millisecond))
	return nil
}

// printGenStats prints what Generate wrote and how long it took.
func printGenStats(ctx context.Context, w io.Writer, db *store.DB, st *gen.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\tload\trows/s\tindexes\t")
	for _, t := range st.Tables {
		rate := "-"
		if t.Load > 0 {
			rate = gen.Thousands(int64(float64(t.Rows) / t.Load.Seconds()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", t.Table, gen.Thousands(t.Rows), t.Load.Round(10*time.Millisecond), rate,
			t.Index.Round(10*time.Millisecond))
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\twall\trows\trows/s\t")
	for _, p := range st.Phases {
		rate := "-"
		if p.Rows > 0 && p.Wall > 0 {
			rate = gen.Thousands(int64(float64(p.Rows) / p.Wall.Seconds()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", p.Name, p.Wall.Round(10*time.Millisecond), gen.Thousands(p.Rows), rate)
	}
	tw.Flush()
	if st.SkippedAgencies > 0 {
		fmt.Fprintf(w, "%d generated agencies not used: their codes belong to other agencies in the database\n", st.SkippedAgencies)
	}
	fmt.Fprintf(w, "total %s; %d indexes and constraints dropped while loading and made again\n",
		st.Total.Round(10*time.Millisecond), st.DroppedIndexes)
	fmt.Fprintf(w, "size %s\n", databaseSize(ctx, db))
	fmt.Fprintf(w, "every generated account (citizens by ID number, officials as tn.|cv.|ld.<agency code>) signs in with the password %q\n",
		gen.DemoPassword)
}

// databaseSize is the size of the database: PostgreSQL's own measure, or
// the SQLite file's.
func databaseSize(ctx context.Context, db *store.DB) string {
	if db.Dialect == store.Postgres {
		var s string
		if err := db.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&s); err != nil {
			return "unknown: " + err.Error()
		}
		return s + " (database)"
	}
	path := strings.TrimPrefix(db.Source, "sqlite:")
	fi, err := os.Stat(path)
	if err != nil {
		return "unknown: " + err.Error()
	}
	return fmt.Sprintf("%.1f MB (%s)", float64(fi.Size())/(1<<20), path)
}
