package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kind is one kind of request of the mix. do makes one request; it returns
// nil without recording anything when there is nothing to do (no dossier
// waiting to be received), so that the worker draws again.
type kind struct {
	name   string
	weight int
	read   bool // counts in the read throughput
	do     func(ctx context.Context, w *worker) *http.Request
	// done, when set, sees each successful answer (to keep a code, a token).
	done func(w *worker, res *http.Response, body []byte)
}

// worker is one client goroutine: its own random stream and recorder.
type worker struct {
	id  int
	rnd *rand.Rand
	rec recorder
}

// engine runs kinds of requests for a time, by closed loop (concurrency
// workers, each sending its next request when the last is answered) or at
// a fixed rate (open loop: requests are due at fixed times, and latency is
// counted from when a request was due, so that a slow server is not
// flattered by sending it less).
type engine struct {
	client      *http.Client
	kinds       []kind
	concurrency int
	rate        float64
	duration    time.Duration
	timeout     time.Duration
	missed      atomic.Int64 // rate mode: requests due while every worker was busy
	skipped     atomic.Int64 // draws with nothing to do
}

// newClient is the HTTP client every phase uses, the bare handler's too:
// kept-alive connections, one per worker, and redirects not followed (a
// 303 after a form is the answer, not a request to count again).
func newClient(concurrency int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// phaseResult is what one run of the engine measured.
type phaseResult struct {
	Elapsed time.Duration
	Kinds   []KindResult
	Missed  int64
	Skipped int64
}

// run drives the kinds until the duration is over or ctx is cancelled.
// Requests in flight at the end are finished (within the timeout) and
// counted; those cut by a cancelled ctx are not counted at all.
func (e *engine) run(ctx context.Context, seed uint64) phaseResult {
	total := 0
	for _, k := range e.kinds {
		total += k.weight
	}
	cum := make([]int, len(e.kinds))
	acc := 0
	for i, k := range e.kinds {
		acc += k.weight
		cum[i] = acc
	}
	pick := func(w *worker) *kind {
		n := w.rnd.IntN(total)
		for i, c := range cum {
			if n < c {
				return &e.kinds[i]
			}
		}
		return &e.kinds[len(e.kinds)-1]
	}
	stopAt := time.Now().Add(e.duration)
	runCtx, cancel := context.WithDeadline(ctx, stopAt)
	defer cancel()

	var due chan time.Time
	if e.rate > 0 {
		// Room for a tenth of a second of requests: a late timer sends a
		// burst, which the workers take as they come free; only what is
		// due beyond that is missed.
		due = make(chan time.Time, max(e.concurrency, int(e.rate/10)))
		go func() {
			defer close(due)
			interval := time.Duration(float64(time.Second) / e.rate)
			next := time.Now()
			for {
				if d := time.Until(next); d > 0 {
					t := time.NewTimer(d)
					select {
					case <-runCtx.Done():
						t.Stop()
						return
					case <-t.C:
					}
				} else if runCtx.Err() != nil {
					return
				}
				select {
				case due <- next:
				default:
					e.missed.Add(1)
				}
				next = next.Add(interval)
			}
		}()
	}

	recs := make([]recorder, e.concurrency)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range e.concurrency {
		w := &worker{id: i, rnd: rand.New(rand.NewPCG(seed, uint64(i)+1)), rec: recorder{}}
		recs[i] = w.rec
		wg.Go(func() {
			for {
				var start time.Time
				if due != nil {
					t, ok := <-due
					if !ok {
						return
					}
					start = t
				} else if runCtx.Err() != nil {
					return
				}
				// The request outlives the run's deadline: a request in
				// flight at the end is answered and counted. Only the
				// caller's ctx (a signal) cuts it.
				reqCtx, cancelReq := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
				var k *kind
				var req *http.Request
				for range 20 {
					if k = pick(w); k.do != nil {
						if req = k.do(reqCtx, w); req != nil {
							break
						}
					}
					e.skipped.Add(1)
				}
				if req == nil {
					cancelReq()
					continue
				}
				if start.IsZero() {
					start = time.Now()
				}
				stop := context.AfterFunc(ctx, cancelReq)
				e.once(w, k, req, start, ctx)
				stop()
				cancelReq()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	return phaseResult{Elapsed: elapsed, Kinds: merge(recs, elapsed), Missed: e.missed.Load(), Skipped: e.skipped.Load()}
}

// once makes one request and records it.
func (e *engine) once(w *worker, k *kind, req *http.Request, start time.Time, ctx context.Context) {
	s := w.rec.of(k.name)
	res, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return // stopped by a signal: not the server's fault
		}
		s.fail(time.Since(start), errorClass(err), err.Error())
		if e.rate == 0 {
			// A server that is gone refuses in microseconds: do not
			// spin, the count of errors says enough.
			time.Sleep(20 * time.Millisecond)
		}
		return
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		s.fail(d, "body", err.Error())
		return
	}
	if res.StatusCode < 200 || res.StatusCode >= 400 {
		snippet := strings.Join(strings.Fields(string(body[:min(len(body), 300)])), " ")
		s.fail(d, strconv.Itoa(res.StatusCode), fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.RequestURI(), res.StatusCode, snippet))
		return
	}
	s.add(d, int64(len(body)))
	if k.done != nil {
		k.done(w, res, body)
	}
}

// errorClass names a failed request's error for the error counts.
func errorClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "refused"
	case strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "EOF"):
		return "reset"
	default:
		return "transport"
	}
}
