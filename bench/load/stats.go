package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// sample is what one worker recorded of one kind of request.
type sample struct {
	latencies []time.Duration // of every request, answered or not
	errors    map[string]int  // "500", "404", "connection" ... → count
	firstErr  string          // the first error, with the start of its body
	bytes     int64
}

func (s *sample) add(d time.Duration, n int64) {
	s.latencies = append(s.latencies, d)
	s.bytes += n
}

func (s *sample) fail(d time.Duration, class, detail string) {
	s.latencies = append(s.latencies, d)
	if s.errors == nil {
		s.errors = map[string]int{}
	}
	s.errors[class]++
	if s.firstErr == "" {
		s.firstErr = detail
	}
}

// recorder is one worker's samples, by kind: workers never share one, so
// recording takes no lock.
type recorder map[string]*sample

func (r recorder) of(kind string) *sample {
	s := r[kind]
	if s == nil {
		s = &sample{}
		r[kind] = s
	}
	return s
}

// KindResult is the outcome of one kind of request over a run.
type KindResult struct {
	Kind       string
	Count      int // requests made, errors included
	Errors     int // requests without a 2xx or 3xx answer
	ErrorKinds map[string]int
	FirstError string
	PerSecond  float64
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
	MeanBytes  int64
}

// merge adds up the workers' samples of each kind and computes the
// percentiles from all the recorded latencies, sorted.
func merge(recs []recorder, elapsed time.Duration) []KindResult {
	all := map[string]*sample{}
	for _, r := range recs {
		for kind, s := range r {
			m := all[kind]
			if m == nil {
				m = &sample{errors: map[string]int{}}
				all[kind] = m
			}
			m.latencies = append(m.latencies, s.latencies...)
			m.bytes += s.bytes
			for k, n := range s.errors {
				m.errors[k] += n
			}
			if m.firstErr == "" {
				m.firstErr = s.firstErr
			}
		}
	}
	var out []KindResult
	for _, kind := range slices.Sorted(maps.Keys(all)) {
		s := all[kind]
		slices.Sort(s.latencies)
		k := KindResult{Kind: kind, Count: len(s.latencies), ErrorKinds: s.errors, FirstError: s.firstErr}
		for _, n := range s.errors {
			k.Errors += n
		}
		if elapsed > 0 {
			k.PerSecond = float64(k.Count) / elapsed.Seconds()
		}
		k.P50, k.P95, k.P99 = percentile(s.latencies, 50), percentile(s.latencies, 95), percentile(s.latencies, 99)
		if n := len(s.latencies); n > 0 {
			k.Max = s.latencies[n-1]
		}
		if ok := k.Count - k.Errors; ok > 0 {
			k.MeanBytes = s.bytes / int64(ok)
		}
		out = append(out, k)
	}
	return out
}

// percentile is the nearest-rank percentile p of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

// printKinds writes one line per kind and a total line.
func printKinds(w io.Writer, kinds []KindResult, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\trequests\treq/s\tp50\tp95\tp99\tmax\tbytes\terrors\t")
	total, errs := 0, 0
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\t%d\t\n", k.Kind, k.Count, k.PerSecond,
			ms(k.P50), ms(k.P95), ms(k.P99), ms(k.Max), k.MeanBytes, k.Errors)
		total += k.Count
		errs += k.Errors
	}
	rate := 0.0
	if elapsed > 0 {
		rate = float64(total) / elapsed.Seconds()
	}
	fmt.Fprintf(tw, "all\t%d\t%.1f\t\t\t\t\t\t%d\t\n", total, rate, errs)
	tw.Flush()
	for _, k := range kinds {
		if k.Errors == 0 {
			continue
		}
		var parts []string
		for _, c := range slices.Sorted(maps.Keys(k.ErrorKinds)) {
			parts = append(parts, fmt.Sprintf("%s×%d", c, k.ErrorKinds[c]))
		}
		fmt.Fprintf(w, "ERRORS %s: %d of %d (%s); first: %s\n", k.Kind, k.Errors, k.Count, strings.Join(parts, ", "), k.FirstError)
	}
}

// ms writes a latency in milliseconds with three significant places.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0fms", f)
	case f >= 10:
		return fmt.Sprintf("%.1fms", f)
	default:
		return fmt.Sprintf("%.2fms", f)
	}
}

// median of durations (which it sorts).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}
