package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bareBody is what the bare handler answers: about the size of a
// tracking answer, so that the two move the same bytes.
var bareBody = []byte(`{"code":"000.00.40.H26-261204-0001","procedure":"1.001193","procedure_name":"Thủ tục đăng ký khai sinh",` +
	`"agency":"000.00.40.H26","agency_name":"Ủy ban nhân dân phường Hoàn Kiếm","status":"submitted","national_status":1,` +
	`"submitted_at":"2026-12-04T08:00:00Z","due_at":"2026-12-05T10:00:00Z","history":[{"action":"submit","at":"2026-12-04T08:00:00Z"}]}`)

// bareHandler measures net/http alone on this machine, driven by the same
// client code and concurrency as the server: the ceiling of any Go HTTP
// service here, without routing, middleware, templates or a database.
func bareHandler(ctx context.Context, concurrency int, d, timeout time.Duration) (phaseResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return phaseResult{}, fmt.Errorf("bare handler: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bareBody)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	e := &engine{client: newClient(concurrency, timeout), concurrency: concurrency, duration: d, timeout: timeout,
		kinds: []kind{{name: "bare", weight: 1, read: true, do: func(ctx context.Context, w *worker) *http.Request {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/tracking/x", nil)
			return req
		}}}}
	return e.run(ctx, 7), nil
}

// Ceiling is the database's own throughput on this machine.
type Ceiling struct {
	Engine string
	// PostgreSQL: pgbench's transactions per second, select-only (-S) and
	// TPC-B-like (the default script: three updates, a select, an insert).
	SelectTPS, TPCBTPS float64
	// SQLite: transactions per second of a submission's inserts.
	InsertTPS    float64
	RowsPerTx    int
	Clients      int
	Commands     []string
	Init         time.Duration
	Err          error
	scaleFactor  int
	measuredTime time.Duration
}

// tpsLine is pgbench's result line, "tps = 1234.567890 (without initial
// connection time)".
var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)

// parsePgbenchTPS reads the tps of pgbench's output.
func parsePgbenchTPS(out string) (float64, error) {
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps line in pgbench's output: %s", strings.TrimSpace(out))
	}
	return strconv.ParseFloat(m[1], 64)
}

// findPgbench looks on PATH, then where Debian puts PostgreSQL's tools.
func findPgbench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(m) > 0 {
		return m[len(m)-1], nil
	}
	return "", errors.New("pgbench not found on PATH nor in /usr/lib/postgresql/*/bin (apt-get install postgresql-client)")
}

// pgbenchCeiling creates a scratch database beside the one of dsn,
// initializes it with pgbench -i, runs pgbench select-only and TPC-B-like
// for d each, and drops the database.
func pgbenchCeiling(ctx context.Context, dsn string, clients int, d time.Duration) (c Ceiling) {
	c = Ceiling{Engine: "postgresql", Clients: clients, scaleFactor: 10, measuredTime: d}
	bin, err := findPgbench()
	if err != nil {
		c.Err = err
		return c
	}
	u, err := url.Parse(dsn)
	if err != nil {
		c.Err = fmt.Errorf("pgbench: database URL: %w", err)
		return c
	}
	admin := *u
	admin.Path = "/postgres"
	scratch := *u
	scratch.Path = "/egov_load_pgbench"
	db, err := sql.Open("pgx", admin.String())
	if err != nil {
		c.Err = err
		return c
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS egov_load_pgbench`); err != nil {
		c.Err = fmt.Errorf("pgbench: drop the scratch database: %w", err)
		return c
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE egov_load_pgbench`); err != nil {
		c.Err = fmt.Errorf("pgbench: create the scratch database: %w", err)
		return c
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS egov_load_pgbench`)
	target := scratch.String()
	shown := scratch.Redacted()
	run := func(args ...string) (string, error) {
		c.Commands = append(c.Commands, "pgbench "+strings.Join(args, " ")+" "+shown)
		out, err := exec.CommandContext(ctx, bin, append(args, target)...).CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("pgbench %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	t0 := time.Now()
	if _, err := run("-i", "-q", "-s", strconv.Itoa(c.scaleFactor)); err != nil {
		c.Err = err
		return c
	}
	c.Init = time.Since(t0)
	secs := strconv.Itoa(max(1, int(d.Seconds())))
	jobs := strconv.Itoa(min(clients, 2))
	cl := strconv.Itoa(clients)
	out, err := run("-n", "-S", "-T", secs, "-c", cl, "-j", jobs)
	if err == nil {
		c.SelectTPS, err = parsePgbenchTPS(out)
	}
	if err != nil {
		c.Err = err
		return c
	}
	out, err = run("-n", "-T", secs, "-c", cl, "-j", jobs)
	if err == nil {
		c.TPCBTPS, err = parsePgbenchTPS(out)
	}
	c.Err = err
	return c
}

// sqliteSchema is a submission's tables, trimmed to the columns that make
// their rows about as wide as egov's: the dossier, its two files, the
// papers that join them, the first history entry, the audit entry (a hash
// chain: it reads the head) and the two jobs.
const sqliteSchema = `
CREATE TABLE documents (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,
	size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX documents_owner ON documents (owner_id, created_at);
CREATE TABLE dossier_sequences (agency_code TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (agency_code, day));
CREATE TABLE dossiers (id INTEGER PRIMARY KEY, code TEXT UNIQUE, procedure_code TEXT NOT NULL, agency_code TEXT NOT NULL,
	applicant_id INTEGER NOT NULL, applicant_name TEXT NOT NULL, status TEXT NOT NULL, form_data TEXT NOT NULL,
	search_text TEXT NOT NULL, created_at TEXT NOT NULL, submitted_at TEXT, due_at TEXT);
CREATE INDEX dossiers_applicant ON dossiers (applicant_id, created_at);
CREATE INDEX dossiers_queue ON dossiers (agency_code, status, submitted_at);
CREATE TABLE dossier_papers (dossier_id INTEGER NOT NULL REFERENCES dossiers (id), component TEXT NOT NULL,
	document_id INTEGER NOT NULL REFERENCES documents (id), round INTEGER NOT NULL, PRIMARY KEY (dossier_id, component, round));
CREATE TABLE dossier_history (id INTEGER PRIMARY KEY, dossier_id INTEGER NOT NULL REFERENCES dossiers (id), action TEXT NOT NULL,
	to_status TEXT NOT NULL, actor_id INTEGER, details TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX dossier_history_dossier ON dossier_history (dossier_id, at);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor_id INTEGER, action TEXT NOT NULL, target TEXT NOT NULL,
	details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head VALUES (1, 0, '');
CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL, scheduled_at TEXT NOT NULL);
CREATE INDEX jobs_fetch ON jobs (state, scheduled_at);
`

// sqliteCeiling inserts submissions into a temporary SQLite file for d,
// each in one transaction (BEGIN IMMEDIATE, WAL, synchronous NORMAL: as
// egov opens its database) from writers goroutines.
func sqliteCeiling(ctx context.Context, writers int, d time.Duration) (c Ceiling) {
	c = Ceiling{Engine: "sqlite", Clients: writers, RowsPerTx: 11, measuredTime: d}
	dir, err := os.MkdirTemp("", "egov-load-sqlite-")
	if err != nil {
		c.Err = err
		return c
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ceiling.db")
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		c.Err = err
		return c
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		c.Err = fmt.Errorf("sqlite ceiling: schema: %w", err)
		return c
	}
	c.Commands = append(c.Commands, fmt.Sprintf("modernc.org/sqlite in %s: %d writers × one transaction per submission "+
		"(sequence upsert, 2 documents, dossier, 2 papers, history, audit head read + entry + head update, 2 jobs) for %s", path, writers, d))
	form := strings.Repeat(`"tre_ho_ten":"Nguyễn Minh Khôi",`, 40)
	var n atomic.Int64
	var firstErr error
	var errOnce sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range writers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				if err := insertSubmission(ctx, db, w, i, form); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	el := time.Since(t0)
	c.InsertTPS = float64(n.Load()) / el.Seconds()
	c.Err = firstErr
	return c
}

// insertSubmission writes one submission's rows in one transaction.
func insertSubmission(ctx context.Context, db *sql.DB, w, i int, form string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format("2006-01-02 15:04:05.999999999")
	agency := fmt.Sprintf("000.00.%02d.H26", w)
	var seq int
	if err := tx.QueryRowContext(ctx, `INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, '261204', 1)
		ON CONFLICT (agency_code, day) DO UPDATE SET last = last + 1 RETURNING last`, agency).Scan(&seq); err != nil {
		return err
	}
	var docs [2]int64
	for k := range docs {
		r, err := tx.ExecContext(ctx, `INSERT INTO documents (owner_id, name, media_type, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			w, fmt.Sprintf("to-khai-%d-%d.pdf", i, k), "application/pdf", 180, fmt.Sprintf("%064x", i*2+k), now)
		if err != nil {
			return err
		}
		if docs[k], err = r.LastInsertId(); err != nil {
			return err
		}
	}
	code := fmt.Sprintf("%s-261204-%04d", agency, seq)
	r, err := tx.ExecContext(ctx, `INSERT INTO dossiers (code, procedure_code, agency_code, applicant_id, applicant_name, status, form_data,
		search_text, created_at, submitted_at, due_at) VALUES ($1, '1.001193', $2, $3, 'Nguyễn Văn An', 'submitted', $4, $5, $6, $6, $6)`,
		code, agency, w, "{"+form+"}", code+" nguyen van an 001090012345", now)
	if err != nil {
		return err
	}
	id, err := r.LastInsertId()
	if err != nil {
		return err
	}
	for k, doc := range docs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_papers VALUES ($1, $2, $3, 1)`, id, fmt.Sprintf("TP%d", k+1), doc); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_history (dossier_id, action, to_status, actor_id, details, at) VALUES ($1, 'submit', 'submitted', $2, '{}', $3)`,
		id, w, now); err != nil {
		return err
	}
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_head WHERE id = 1`).Scan(&prev); err != nil {
		return err
	}
	hash := fmt.Sprintf("%064x", id)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, action, target, details, prev_hash, hash) VALUES ($1, $2, 'dossier.submit', $3, '{}', $4, $5)`,
		now, w, code, prev, hash); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_id = last_id + 1, hash = $1 WHERE id = 1`, hash); err != nil {
		return err
	}
	for _, k := range []string{"notify_email", "notify_agency"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, args, state, scheduled_at) VALUES ($1, $2, 'available', $3)`,
			k, `{"dossier_id":`+strconv.FormatInt(id, 10)+`}`, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}
