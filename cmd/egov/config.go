package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/web"
)

// config holds the flags shared by the commands. Each flag's default comes
// from its EGOV_* environment variable.
type config struct {
	addr     string
	dataDir  string
	dbURL    string
	demo     bool
	logLevel string
	// s3 is the object store for attachments; no endpoint: the local
	// directory.
	s3 blob.S3Config
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch os.Getenv(name) {
	case "1", "true", "TRUE", "yes":
		return true
	}
	return false
}

// envDuration reads a duration such as "72h" from the environment, def
// when it is unset; checkEnvDuration refuses one that is not a duration.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func checkEnvDuration(name string) error {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return usageError{fmt.Sprintf("%s=%q is not a positive duration such as 72h or 30m", name, v)}
		}
	}
	return nil
}

func newFlagSet(name string, cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.dataDir, "data", env("EGOV_DATA_DIR", "data"), "data directory: SQLite database, search index, files (EGOV_DATA_DIR)")
	fs.StringVar(&cfg.dbURL, "db", env("EGOV_DATABASE_URL", ""), "database: empty for SQLite in the data directory, or a postgres:// URL (EGOV_DATABASE_URL)")
	fs.StringVar(&cfg.logLevel, "log-level", env("EGOV_LOG_LEVEL", "info"), "log level: debug, info, warn, error (EGOV_LOG_LEVEL)")
	fs.StringVar(&cfg.s3.Endpoint, "s3-endpoint", env("EGOV_S3_ENDPOINT", ""), "S3-compatible object store for attachments, host[:port]; empty: the local files directory (EGOV_S3_ENDPOINT)")
	fs.StringVar(&cfg.s3.Bucket, "s3-bucket", env("EGOV_S3_BUCKET", ""), "bucket of the attachments; it must exist (EGOV_S3_BUCKET)")
	fs.StringVar(&cfg.s3.Region, "s3-region", env("EGOV_S3_REGION", ""), "region of the bucket; empty asks the store (EGOV_S3_REGION)")
	fs.StringVar(&cfg.s3.AccessKey, "s3-access-key", env("EGOV_S3_ACCESS_KEY", ""), "access key; the secret only from EGOV_S3_SECRET_KEY; both empty: AWS_*/MINIO_* variables or the machine's IAM role (EGOV_S3_ACCESS_KEY)")
	cfg.s3.SecretKey = os.Getenv("EGOV_S3_SECRET_KEY") // a secret: from the environment only
	fs.BoolVar(&cfg.s3.Insecure, "s3-insecure", envBool("EGOV_S3_INSECURE"), "talk plain HTTP to the object store (a trusted network or a test only) (EGOV_S3_INSECURE)")
	return fs
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, usageError{fmt.Sprintf("invalid --log-level %q: use debug, info, warn or error", s)}
	}
	return l, nil
}

func logHandler(h slog.Handler) slog.Handler { return web.LogHandler{Handler: h} }

// openDB opens and migrates the database.
func openDB(ctx context.Context, cfg *config, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.dbURL, cfg.dataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, jobs.Migrate(db)); err != nil {
		db.Close()
		return nil, err
	}
	log.InfoContext(ctx, "database ready", "database", db.Source, "dialect", db.Dialect)
	return db, nil
}

// openBlobs opens the attachment store: the bucket of --s3-endpoint when
// it is set, else a directory under the data directory unless
// EGOV_FILES_DIR names another.
func openBlobs(cfg *config) (blob.Store, error) {
	if cfg.s3.Endpoint != "" || cfg.s3.Bucket != "" {
		return openS3(cfg)
	}
	dir := env("EGOV_FILES_DIR", filepath.Join(cfg.dataDir, "files"))
	b, err := blob.NewLocal(dir)
	if err != nil {
		return nil, fmt.Errorf("attachment store: %w", err)
	}
	// Files of uploads that a crash interrupted are never referenced.
	if _, err := b.CleanTemp(time.Hour); err != nil {
		return nil, fmt.Errorf("attachment store: %w", err)
	}
	return b, nil
}

// openS3 opens the attachment store of --s3-endpoint, whose bucket must be
// reachable now: a replica that cannot store files is not started.
func openS3(cfg *config) (*blob.S3, error) {
	c := cfg.s3
	// Uploads are checked on disk before they are sent; what a crash
	// left there is removed below.
	c.SpoolDir = filepath.Join(cfg.dataDir, "spool")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := blob.NewS3(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("attachment store: %w", err)
	}
	if _, err := b.CleanTemp(time.Hour); err != nil {
		return nil, fmt.Errorf("attachment store: %w", err)
	}
	return b, nil
}
