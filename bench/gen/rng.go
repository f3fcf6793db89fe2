package gen

import "math"

// rng is a small, fast generator (SplitMix64). Every random choice of the
// generator comes from one seeded from Config.Seed and what is being made
// (a citizen's number, a day), so that the same seed gives the same data
// set whatever order the parts are made in.
type rng struct{ s uint64 }

// newRNG returns a generator for the stream (seed, a, b).
func newRNG(seed, a, b uint64) *rng {
	r := &rng{s: seed ^ 0x9e3779b97f4a7c15}
	r.s = mix(r.s + a*0xbf58476d1ce4e5b9)
	r.s = mix(r.s + b*0x94d049bb133111eb)
	return r
}

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int((r.next() >> 1) % uint64(n)) }

// between returns a number in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// normal returns a standard normal number (Box–Muller).
func (r *rng) normal() float64 {
	u := r.float()
	if u < 1e-300 {
		u = 1e-300
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// lognormal returns e^(sigma·N(0,1)), a positive weight around 1.
func (r *rng) lognormal(sigma float64) float64 { return math.Exp(sigma * r.normal()) }

// pick returns an index drawn from cumulative weights cum (the last is
// the total).
func (r *rng) pick(cum []float64) int {
	x := r.float() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// weighted picks an index of weights; for short, fixed lists.
func (r *rng) weighted(weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.float() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// cumulative returns the running sums of weights.
func cumulative(weights []float64) []float64 {
	out := make([]float64, len(weights))
	var s float64
	for i, w := range weights {
		s += w
		out[i] = s
	}
	return out
}
