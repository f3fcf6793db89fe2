package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("migrate", &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	db, err := openDB(ctx, &cfg, newLogger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrations applied to %s\n", db.Source)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("demo", &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.NewService(db, log)
	defer cat.Close()
	sum, err := demo.Load(ctx, cat)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data: %d new agencies, %d new procedures\n", sum.Agencies, sum.Procedures)
	return nil
}

func cmdImportCatalog(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("import catalog", &cfg, stderr)
	format := fs.String("format", "", "json or csv (default: from the file name's extension)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: egov import catalog [flags] FILE   (FILE may be - for standard input, with --format)"}
	}
	name := fs.Arg(0)
	if *format == "" {
		*format = strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	}
	var in io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open import file: %w", err)
		}
		defer f.Close()
		in = f
	}
	var records []catalog.Record
	var err error
	switch *format {
	case "json":
		records, err = catalog.DecodeJSON(in)
	case "csv":
		records, err = catalog.DecodeCSV(in)
	default:
		return usageError{fmt.Sprintf("unknown format %q: use --format json or --format csv", *format)}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.NewService(db, log)
	defer cat.Close()
	res, err := cat.Import(ctx, records, catalog.ImportOptions{})
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d procedures from %s: %d added, %d updated, %d new fields\n",
		len(records), name, res.Added, res.Updated, res.NewFields)
	return nil
}

func cmdExportCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("export catalog", &cfg, stderr)
	format := fs.String("format", "json", "json or csv")
	out := fs.String("out", "-", "output file, - for standard output")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *format != "json" && *format != "csv" {
		return usageError{fmt.Sprintf("unknown format %q: use json or csv", *format)}
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	procs, err := catalog.NewService(db, log).Procedures(ctx)
	if err != nil {
		return err
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		// Write beside the target and rename, so that a failed export
		// never leaves a truncated file where a good one was.
		f, err = os.CreateTemp(filepath.Dir(*out), ".export-*")
		if err != nil {
			return fmt.Errorf("create export file: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	if *format == "csv" {
		err = catalog.EncodeCSV(w, procs)
	} else {
		err = catalog.EncodeJSON(w, procs)
	}
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write export file: %w", err)
		}
		if err := os.Rename(f.Name(), *out); err != nil {
			return fmt.Errorf("write export file: %w", err)
		}
	}
	return nil
}
