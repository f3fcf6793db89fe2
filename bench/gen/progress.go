package gen

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints, every so often, how many rows each running counter has
// reached and at what rate.
type progress struct {
	w     io.Writer
	every time.Duration

	mu       sync.Mutex
	counters []*counter
	ticker   *time.Ticker
	done     chan struct{}
	stopped  bool
}

type counter struct {
	name     string
	target   int64 // 0 when unknown
	n        atomic.Int64
	last     int64
	started  time.Time
	lastTick time.Time
}

func (c *counter) Add(n int64) { c.n.Add(n) }

func newProgress(w io.Writer, every time.Duration) *progress {
	p := &progress{w: w, every: every}
	if w != nil {
		p.ticker = time.NewTicker(every)
		p.done = make(chan struct{})
		go p.loop()
	}
	return p
}

func (p *progress) loop() {
	for {
		select {
		case <-p.done:
			return
		case <-p.ticker.C:
			p.print(false)
		}
	}
}

// counter starts a counter, printed until finish.
func (p *progress) counter(name string, target int64) *counter {
	now := time.Now()
	c := &counter{name: name, target: target, started: now, lastTick: now}
	p.mu.Lock()
	p.counters = append(p.counters, c)
	p.mu.Unlock()
	return c
}

// finish prints the running counters' totals and forgets them.
func (p *progress) finish() {
	p.print(true)
	p.mu.Lock()
	p.counters = nil
	p.mu.Unlock()
}

func (p *progress) print(final bool) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.counters) == 0 {
		return
	}
	now := time.Now()
	var parts []string
	for _, c := range p.counters {
		n := c.n.Load()
		var rate float64
		if final {
			rate = float64(n) / now.Sub(c.started).Seconds()
		} else if dt := now.Sub(c.lastTick).Seconds(); dt > 0 {
			rate = float64(n-c.last) / dt
		}
		c.last, c.lastTick = n, now
		s := fmt.Sprintf("%s %s", c.name, thousands(n))
		if c.target > 0 {
			s += fmt.Sprintf("/%s (%.1f%%)", thousands(c.target), 100*float64(n)/float64(c.target))
		}
		s += fmt.Sprintf(" %s rows/s", thousands(int64(rate)))
		parts = append(parts, s)
	}
	elapsed := now.Sub(p.counters[0].started).Round(time.Second)
	word := "gen:"
	if final {
		word = "gen: done"
	}
	fmt.Fprintf(p.w, "%s %s · %s\n", word, strings.Join(parts, " · "), elapsed)
}

func (p *progress) stop() {
	if p.ticker != nil && !p.stopped {
		p.stopped = true
		p.ticker.Stop()
		close(p.done)
	}
}

// thousands writes n with commas: 10,000,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Thousands writes n with commas, for reports of Stats.
func Thousands(n int64) string { return thousands(n) }
