// Command load drives a running egov server over HTTP with a mix of
// requests that looks like the portal's real traffic, and measures, in the
// same run, the ceilings it should be compared with.
//
//	go run ./bench/load -url http://127.0.0.1:8080 -duration 60s -concurrency 16
//	go run ./bench/load -url ... -sample-db 'postgres://...' -mix tracking_api=1 -rate 2000
//	go run ./bench/load startup -n 5 -url http://127.0.0.1:18080/readyz -- ./egov serve --demo --data DIR --addr 127.0.0.1:18080
//
// The mix (-mix, weights) is made of search (the portal's /thu-tuc?q=),
// search_api, procedure (/thu-tuc/{code}), procedure_api, tracking
// (/tra-cuu?ma=), tracking_api, signin (POST /api/v1/auth/token), submit
// (POST /api/v1/dossiers, multipart with a PDF and a PNG) and receive (an
// official's POST /api/v1/dossiers/{code}/actions). It runs for -duration
// with -concurrency workers, each sending its next request when the last
// is answered, or at -rate requests per second (latency then counts from
// when a request was due).
//
// It prints, per kind, requests, throughput, latency p50/p95/p99/max and
// errors: every answer that is not 2xx or 3xx, and every transport error,
// counted by status and shown with the first one's body. Then the
// baselines of the same run: a bare net/http handler the tool serves
// itself, driven by the same client code at the same concurrency; and the
// database's own ceiling, pgbench (select-only and TPC-B-like, on a scratch
// database) for PostgreSQL or a loop of a submission's inserts in a
// temporary SQLite file; and the ratios of the server's throughput to
// them. With -pid it samples the server's memory (VmRSS, VmHWM).
//
// Before the measure it signs citizens in (registering them with
// generated ID numbers, or, with -sample-db, taking accounts of the
// database, such as the ones `egov gen` makes), checks that a submission
// and a reception go through, and reads real dossier codes to track.
// Nothing of the set-up is measured. The exit status is 1 when the
// set-up fails (an unreachable server: the report says so) or any request
// failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the tool's flags.
type config struct {
	url              string
	duration         time.Duration
	concurrency      int
	rate             float64
	mix              string
	citizens         int
	password         string
	official         string
	officialPassword string
	procedure        string
	agency           string
	sampleDB         string
	sampleN          int
	seedDossiers     int
	timeout          time.Duration
	bare             bool
	baselineDuration time.Duration
	ceiling          string
	pgbenchURL       string
	pid              int
	cpuprofileURL    string
	cpuprofileOut    string
	seed             uint64
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mainErr(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "startup" {
		return cmdStartup(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep := run(ctx, cfg, stderr)
	rep.print(stdout)
	if rep.SetupErr != nil {
		return rep.SetupErr
	}
	if n := rep.Main.errors(); n > 0 {
		return fmt.Errorf("%d requests failed", n)
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the egov server")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long to drive the server")
	fs.IntVar(&c.concurrency, "concurrency", 16, "workers (connections)")
	fs.Float64Var(&c.rate, "rate", 0, "requests per second, due at fixed times (0: each worker as fast as answered)")
	fs.StringVar(&c.mix, "mix", defaultMix, "kinds of request and their weights")
	fs.IntVar(&c.citizens, "citizens", 20, "citizens to sign in and submit as")
	fs.StringVar(&c.password, "password", "mật khẩu thử nghiệm dài", "the citizens' password (egov gen's accounts: egov-demo-2026)")
	fs.StringVar(&c.official, "official", "", "user name of a receiver at -agency, for receive (with -sample-db: tn.<agency>)")
	fs.StringVar(&c.officialPassword, "official-password", "", "the official's password (default: -password)")
	fs.StringVar(&c.procedure, "procedure", "", "procedure to submit (default 1.001193, or with -sample-db one of recent online dossiers)")
	fs.StringVar(&c.agency, "agency", "", "agency to submit to (default 000.00.40.H26, or from -sample-db)")
	fs.StringVar(&c.sampleDB, "sample-db", "", "the server's database (postgres:// URL or SQLite file), read to sample dossier codes, citizens and procedures")
	fs.IntVar(&c.sampleN, "sample", 10000, "how many dossier codes, citizens and procedures to sample")
	fs.IntVar(&c.seedDossiers, "seed-dossiers", 5, "dossiers submitted before the measure")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.BoolVar(&c.bare, "bare", true, "measure the bare net/http handler")
	fs.DurationVar(&c.baselineDuration, "baseline-duration", 0, "how long each baseline runs (default: the duration, at most 10s)")
	fs.StringVar(&c.ceiling, "ceiling", "auto", "database ceiling: auto (pgbench for a postgres -sample-db or -pgbench-url, else sqlite), pgbench, sqlite, none")
	fs.StringVar(&c.pgbenchURL, "pgbench-url", "", "PostgreSQL server for pgbench's scratch database egov_load_pgbench (default: -sample-db's)")
	fs.IntVar(&c.pid, "pid", 0, "the server's process ID, to sample its memory")
	fs.StringVar(&c.cpuprofileURL, "cpuprofile-url", "", "pprof profile to fetch during the load, e.g. http://127.0.0.1:6060/debug/pprof/profile?seconds=20")
	fs.StringVar(&c.cpuprofileOut, "cpuprofile-out", "cpu.pprof", "where to save it")
	fs.Uint64Var(&c.seed, "seed", uint64(time.Now().UnixNano()), "random seed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.concurrency < 1 || c.duration <= 0 {
		return c, errors.New("-concurrency must be at least 1 and -duration positive")
	}
	switch c.ceiling {
	case "auto", "pgbench", "sqlite", "none":
	default:
		return c, fmt.Errorf("-ceiling %q: use auto, pgbench, sqlite or none", c.ceiling)
	}
	c.url = strings.TrimRight(c.url, "/")
	return c, nil
}

// parseMix reads "search=25,submit=5" into weights, refusing unknown kinds.
func parseMix(s string, known []kind) (map[string]int, error) {
	names := map[string]bool{}
	for _, k := range known {
		names[k.name] = true
	}
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("-mix %q: write kind=weight, e.g. search=25", part)
		}
		if !names[name] {
			return nil, fmt.Errorf("-mix: unknown kind %q", name)
		}
		if n > 0 {
			out[name] = n
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-mix: no kind with a weight")
	}
	return out, nil
}

// run is one whole run: set-up, the load, the baselines. It always returns
// a report, with SetupErr set when the load could not start.
func run(ctx context.Context, cfg config, logw io.Writer) *Report {
	rep := &Report{URL: cfg.url, Started: time.Now(), Concurrency: cfg.concurrency, Rate: cfg.rate, Duration: cfg.duration,
		LoadBefore: loadAverage(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "load: "+format+"\n", args...) }
	p := &portal{base: cfg.url, client: newClient(4, cfg.timeout), queries: searchQueries, password: cfg.password,
		runID: strconv.FormatUint(cfg.seed, 36), toReceive: make(chan string, 1<<16)}
	weights, err := parseMix(cfg.mix, p.kinds())
	if err != nil {
		rep.SetupErr = err
		return rep
	}
	rep.SetupErr = setup(ctx, cfg, p, weights, rep, logf)
	if rep.SetupErr != nil {
		return rep
	}
	var kinds []kind
	for _, k := range p.kinds() {
		if w := weights[k.name]; w > 0 {
			k.weight = w
			kinds = append(kinds, k)
		}
	}
	rep.Mix = kinds

	var mem *memoryWatch
	if cfg.pid > 0 {
		if m, err := readMemory(cfg.pid); err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("memory of process %d not read: %v", cfg.pid, err))
		} else {
			rep.MemoryBefore = m
			mem = watchMemory(cfg.pid, 250*time.Millisecond)
		}
	}
	profDone := make(chan error, 1)
	if cfg.cpuprofileURL != "" {
		go func() { profDone <- fetchProfile(ctx, cfg.cpuprofileURL, cfg.cpuprofileOut) }()
	}
	logf("driving %s for %s with %d workers%s", cfg.url, cfg.duration, cfg.concurrency, rateNote(cfg.rate))
	e := &engine{client: newClient(cfg.concurrency, cfg.timeout), kinds: kinds, concurrency: cfg.concurrency, rate: cfg.rate,
		duration: cfg.duration, timeout: cfg.timeout}
	rep.Main = e.run(ctx, cfg.seed)
	if mem != nil {
		rep.MaxRSS, rep.MemoryAfter, rep.MemorySamples, _ = mem.finish()
	}
	if cfg.cpuprofileURL != "" {
		if err := <-profDone; err != nil {
			rep.Notes = append(rep.Notes, "CPU profile not saved: "+err.Error())
		} else {
			rep.Notes = append(rep.Notes, "CPU profile of the server during the load saved in "+cfg.cpuprofileOut)
		}
	}
	if ctx.Err() != nil {
		rep.Notes = append(rep.Notes, "stopped by a signal: baselines not measured")
		rep.LoadAfter = loadAverage()
		return rep
	}

	bd := cfg.baselineDuration
	if bd <= 0 {
		bd = min(cfg.duration, 10*time.Second)
	}
	if cfg.bare {
		logf("bare net/http handler for %s with %d workers", bd, cfg.concurrency)
		b, err := bareHandler(ctx, cfg.concurrency, bd, cfg.timeout)
		if err != nil {
			rep.Notes = append(rep.Notes, err.Error())
		} else {
			rep.Bare = &b
		}
	}
	ceiling := cfg.ceiling
	pgURL := cfg.pgbenchURL
	if pgURL == "" && isPostgres(cfg.sampleDB) {
		pgURL = cfg.sampleDB
	}
	if ceiling == "auto" {
		ceiling = "sqlite"
		if pgURL != "" {
			ceiling = "pgbench"
		}
	}
	switch ceiling {
	case "pgbench":
		if pgURL == "" {
			rep.Notes = append(rep.Notes, "pgbench: no PostgreSQL URL (-pgbench-url or a postgres -sample-db)")
			break
		}
		logf("pgbench on %s, %s per script", redacted(pgURL), bd)
		c := pgbenchCeiling(ctx, pgURL, min(cfg.concurrency, 32), bd)
		rep.Ceiling = &c
	case "sqlite":
		logf("SQLite insert loop for %s", bd)
		c := sqliteCeiling(ctx, 1, bd)
		rep.Ceiling = &c
	}
	rep.LoadAfter = loadAverage()
	return rep
}

func rateNote(rate float64) string {
	if rate > 0 {
		return fmt.Sprintf(", at %g requests/s", rate)
	}
	return ", closed loop"
}

// setup prepares the portal's state: procedures, the submission, the
// citizens, the official and dossier codes.
func setup(ctx context.Context, cfg config, p *portal, weights map[string]int, rep *Report, logf func(string, ...any)) error {
	if err := p.ready(ctx); err != nil {
		return err
	}
	var s sampled
	if cfg.sampleDB != "" {
		t0 := time.Now()
		var err error
		if s, err = sampleDB(ctx, cfg.sampleDB, cfg.sampleN); err != nil {
			return fmt.Errorf("sample %s: %w", redacted(cfg.sampleDB), err)
		}
		logf("sampled %d dossier codes, %d citizens, %d procedures from %s in %s", len(s.dossiers), len(s.citizens), len(s.procedures),
			redacted(cfg.sampleDB), time.Since(t0).Round(time.Millisecond))
		rep.Notes = append(rep.Notes, fmt.Sprintf("sampled from %s: %d dossier codes, %d citizens, %d procedures",
			redacted(cfg.sampleDB), len(s.dossiers), len(s.citizens), len(s.procedures)))
		p.tracking = s.dossiers
		p.codes = s.procedures
	}
	if weights["search"]+weights["search_api"]+weights["procedure"]+weights["procedure_api"] > 0 || len(p.codes) == 0 {
		if err := p.discover(ctx); err != nil {
			return err
		}
	}
	writes := weights["submit"]+weights["receive"] > 0
	needCodes := weights["tracking"]+weights["tracking_api"] > 0 && len(p.tracking) == 0
	seeding := (writes || needCodes) && cfg.seedDossiers > 0
	if needCodes && !seeding {
		return errors.New("tracking needs dossier codes: submit some (-seed-dossiers) or sample them (-sample-db)")
	}
	if weights["signin"] == 0 && !writes && !seeding {
		return nil
	}

	// Where to submit.
	p.procedure, p.agency = cfg.procedure, cfg.agency
	if p.procedure == "" && p.agency == "" && len(s.targets) > 0 {
		var why []string
		for _, t := range s.targets {
			p.procedure, p.agency = t[0], t[1]
			err := p.prepareForm(ctx)
			if err == nil {
				break
			}
			if len(why) < 3 {
				why = append(why, err.Error())
			}
			p.procedure = ""
		}
		if p.procedure == "" {
			return fmt.Errorf("no recent online dossier of the database is of a fully online procedure without fee: %s", strings.Join(why, "; "))
		}
	} else {
		if p.procedure == "" {
			p.procedure = "1.001193"
		}
		if p.agency == "" {
			p.agency = "000.00.40.H26"
		}
		if writes || seeding {
			if err := p.prepareForm(ctx); err != nil {
				return err
			}
		}
	}
	rep.Submission = p.procedure + " at " + p.agency

	// Who.
	t0 := time.Now()
	n := max(1, cfg.citizens)
	if len(s.citizens) > 0 {
		for _, u := range s.citizens[:min(n, len(s.citizens))] {
			tok, err := p.signIn(ctx, u, p.password)
			if err != nil {
				return fmt.Errorf("%w (the accounts of egov gen take -password egov-demo-2026)", err)
			}
			p.citizens = append(p.citizens, citizen{username: u, token: tok})
		}
	} else {
		for i := range n {
			c, err := p.register(ctx, cfg.seed, i)
			if err != nil {
				return err
			}
			p.citizens = append(p.citizens, c)
		}
	}
	logf("%d citizens signed in in %s", len(p.citizens), time.Since(t0).Round(time.Millisecond))
	official := cfg.official
	if official == "" && cfg.sampleDB != "" {
		official = "tn." + strings.ToLower(p.agency)
	}
	if weights["receive"] > 0 {
		if official == "" {
			delete(weights, "receive")
			rep.Notes = append(rep.Notes, "receive left out of the mix: no -official (create one with egov official add --role receiver)")
		} else {
			pw := cfg.officialPassword
			if pw == "" {
				pw = cfg.password
			}
			tok, err := p.signIn(ctx, official, pw)
			if err != nil {
				return err
			}
			p.official, p.officialToken = official, tok
			rep.Official = official
		}
	}
	if seeding {
		if err := p.seed(ctx, cfg.seedDossiers); err != nil {
			return err
		}
		logf("%d dossiers submitted before the measure", cfg.seedDossiers)
	}
	return nil
}

// loadAverage is the first field of /proc/loadavg, or "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cmdStartup measures the server's start-up: `load startup -n 5 -url
// READY -- command...`.
func cmdStartup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load startup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 5, "starts")
	ready := fs.String("url", "http://127.0.0.1:8080/readyz", "the readiness URL the command serves")
	if err := fs.Parse(args); err != nil {
		return err
	}
	times, err := startupTimes(ctx, fs.Args(), *ready, *n, stdout)
	if len(times) > 0 {
		sorted := append([]time.Duration(nil), times...)
		med := median(sorted)
		fmt.Fprintf(stdout, "start-up until %s answers 200: median %s of %d (min %s, max %s); load average %s\n",
			*ready, ms(med), len(times), ms(sorted[0]), ms(sorted[len(sorted)-1]), loadAverage())
	}
	return err
}
