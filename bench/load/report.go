package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is everything one run measured.
type Report struct {
	URL         string
	Started     time.Time
	Concurrency int
	Rate        float64
	Duration    time.Duration
	CPUs        int
	GoVersion   string
	LoadBefore  string
	LoadAfter   string
	Submission  string
	Official    string
	Mix         []kind
	SetupErr    error

	Main phaseResult
	Bare *phaseResult
	// Ceiling is the database's, when measured.
	Ceiling *Ceiling

	MemoryBefore  memory
	MemoryAfter   memory
	MaxRSS        int64
	MemorySamples int

	Notes []string
}

func (p *phaseResult) errors() int {
	n := 0
	for _, k := range p.Kinds {
		n += k.Errors
	}
	return n
}

// perSecond is the throughput of the kinds chosen by which.
func (p *phaseResult) perSecond(which func(string) bool) float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	n := 0
	for _, k := range p.Kinds {
		if which(k.Kind) {
			n += k.Count - k.Errors
		}
	}
	return float64(n) / p.Elapsed.Seconds()
}

func (p *phaseResult) kind(name string) *KindResult {
	for i := range p.Kinds {
		if p.Kinds[i].Kind == name {
			return &p.Kinds[i]
		}
	}
	return nil
}

// isRead says whether a kind only reads.
func isRead(name string) bool {
	switch name {
	case "search", "search_api", "procedure", "procedure_api", "tracking", "tracking_api", "bare":
		return true
	}
	return false
}

// ReadPerSecond is the answered reads per second of the load.
func (r *Report) ReadPerSecond() float64 { return r.Main.perSecond(isRead) }

// SubmitPerSecond is the accepted submissions per second of the load.
func (r *Report) SubmitPerSecond() float64 {
	return r.Main.perSecond(func(k string) bool { return k == "submit" })
}

func (r *Report) print(w io.Writer) {
	fmt.Fprintf(w, "egov load: %s, %s, %d workers", r.URL, r.Duration, r.Concurrency)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", at %g requests/s", r.Rate)
	} else {
		fmt.Fprint(w, ", closed loop")
	}
	fmt.Fprintf(w, "; this machine: %d CPUs, %s; load average before %s\n", r.CPUs, r.GoVersion, r.LoadBefore)
	if r.SetupErr != nil {
		fmt.Fprintf(w, "ERROR: the load did not start: %v\n", r.SetupErr)
		for _, n := range r.Notes {
			fmt.Fprintln(w, "note:", n)
		}
		return
	}
	var mix []string
	for _, k := range r.Mix {
		mix = append(mix, fmt.Sprintf("%s=%d", k.name, k.weight))
	}
	fmt.Fprintf(w, "mix: %s\n", strings.Join(mix, ","))
	if r.Submission != "" {
		fmt.Fprintf(w, "submissions: %s", r.Submission)
		if r.Official != "" {
			fmt.Fprintf(w, ", received by %s", r.Official)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nserver (%.1f s):\n", r.Main.Elapsed.Seconds())
	printKinds(w, r.Main.Kinds, r.Main.Elapsed)
	if r.Main.Missed > 0 {
		fmt.Fprintf(w, "MISSED: %d requests were due while every worker was busy (raise -concurrency or lower -rate)\n", r.Main.Missed)
	}
	if r.MemorySamples > 0 {
		fmt.Fprintf(w, "server memory: VmRSS before %.1f MB, peak sampled %.1f MB, after %.1f MB; VmHWM after %.1f MB (%d samples)\n",
			mb(r.MemoryBefore.RSS), mb(r.MaxRSS), mb(r.MemoryAfter.RSS), mb(r.MemoryAfter.HWM), r.MemorySamples)
	}
	if r.Bare != nil {
		fmt.Fprintf(w, "\nbaseline, bare net/http handler in this process, same client and workers (%.1f s):\n", r.Bare.Elapsed.Seconds())
		printKinds(w, r.Bare.Kinds, r.Bare.Elapsed)
	}
	if c := r.Ceiling; c != nil {
		fmt.Fprintf(w, "\nbaseline, database ceiling (%s):\n", c.Engine)
		for _, cmd := range c.Commands {
			fmt.Fprintf(w, "  %s\n", cmd)
		}
		switch c.Engine {
		case "postgresql":
			fmt.Fprintf(w, "  pgbench scale %d (init %s), %d clients: select-only %.0f tps, TPC-B-like %.0f tps\n",
				c.scaleFactor, c.Init.Round(10*time.Millisecond), c.Clients, c.SelectTPS, c.TPCBTPS)
		case "sqlite":
			fmt.Fprintf(w, "  %d writer(s): %.0f submission transactions/s (%d writes each)\n", c.Clients, c.InsertTPS, c.RowsPerTx)
		}
		if c.Err != nil {
			fmt.Fprintf(w, "  ERROR: %v\n", c.Err)
		}
	}
	fmt.Fprintln(w, "\nratios:")
	reads := r.ReadPerSecond()
	if r.Bare != nil {
		bare := r.Bare.perSecond(isRead)
		fmt.Fprintf(w, "  reads/s %.1f / bare handler %.1f req/s = %.3f\n", reads, bare, ratio(reads, bare))
	}
	if c := r.Ceiling; c != nil && c.Err == nil {
		sub := r.SubmitPerSecond()
		switch c.Engine {
		case "postgresql":
			if r.Main.kind("submit") != nil {
				fmt.Fprintf(w, "  submissions/s %.2f / pgbench TPC-B-like %.0f tps = %.4f\n", sub, c.TPCBTPS, ratio(sub, c.TPCBTPS))
			}
			if k := r.Main.kind("tracking_api"); k != nil {
				t := r.Main.perSecond(func(s string) bool { return s == "tracking_api" })
				fmt.Fprintf(w, "  tracking_api/s %.1f / pgbench select-only %.0f tps = %.4f\n", t, c.SelectTPS, ratio(t, c.SelectTPS))
			}
		case "sqlite":
			if r.Main.kind("submit") == nil {
				break
			}
			fmt.Fprintf(w, "  submissions/s %.2f / SQLite insert loop %.0f tx/s = %.4f\n", sub, c.InsertTPS, ratio(sub, c.InsertTPS))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	if r.Main.Skipped > 0 {
		fmt.Fprintf(w, "note: %d draws had nothing to do (no dossier waiting at the desk) and were drawn again\n", r.Main.Skipped)
	}
	fmt.Fprintf(w, "load average after: %s\n", r.LoadAfter)
	if n := r.Main.errors(); n > 0 {
		fmt.Fprintf(w, "FAILED: %d requests without a 2xx/3xx answer (see ERRORS above)\n", n)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func mb(kib int64) float64 { return float64(kib) / 1024 }
