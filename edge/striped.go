package edge

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// The metrics every request updates are striped: the event loops (one per
// core) count each request, and one atomic counter or histogram shared by
// them all moved its cache line from core to core on every update (with a
// function: the request counter, the duration histogram and the function's
// histogram, 3-4% of the edge's CPU per request in interleaved A/B rounds).
// An update goes to a stripe picked at random, so two loops meet on one a
// sixteenth of the time; a scrape sums the stripes. Java's LongAdder is the
// same idea.
const stripes = 16

// stripedCounter is a counter in stripes.
type stripedCounter struct {
	s [stripes]struct {
		n atomic.Uint64
		_ [56]byte // a cache line each
	}
}

func (c *stripedCounter) inc() { c.s[rand.Uint32()%stripes].n.Add(1) }

func (c *stripedCounter) value() uint64 {
	var n uint64
	for i := range c.s {
		n += c.s[i].n.Load()
	}
	return n
}

// stripedHistogram is a histogram of fixed upper bounds in stripes.
type stripedHistogram struct {
	bounds []float64
	s      [stripes]histogramStripe
}

type histogramStripe struct {
	sum atomic.Uint64 // float64 bits
	// buckets counts the observations of each bound's bucket alone (not
	// cumulative), the last those above every bound: their total is the
	// count, which a scrape cannot then see below a bucket.
	buckets []atomic.Uint64
	_       [32]byte
}

func newStripedHistogram(bounds []float64) *stripedHistogram {
	h := &stripedHistogram{bounds: bounds}
	for i := range h.s {
		// Padded, so that two stripes' buckets share no cache line.
		h.s[i].buckets = make([]atomic.Uint64, len(bounds)+1, len(bounds)+1+8)
	}
	return h
}

func (h *stripedHistogram) observe(v float64) {
	st := &h.s[rand.Uint32()%stripes]
	st.buckets[sort.SearchFloat64s(h.bounds, v)].Add(1) // the first bound >= v: Prometheus's le
	for {
		old := st.sum.Load()
		if st.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// count is the number of observations.
func (h *stripedHistogram) count() uint64 {
	var n uint64
	for i := range h.s {
		for j := range h.s[i].buckets {
			n += h.s[i].buckets[j].Load()
		}
	}
	return n
}

// metric is the histogram as Prometheus exposes one, with label values.
func (h *stripedHistogram) metric(desc *prometheus.Desc, labels ...string) prometheus.Metric {
	per := make([]uint64, len(h.bounds)+1)
	sum := 0.0
	for i := range h.s {
		for j := range per {
			per[j] += h.s[i].buckets[j].Load()
		}
		sum += math.Float64frombits(h.s[i].sum.Load())
	}
	cumulative := make(map[float64]uint64, len(h.bounds))
	var n uint64
	for j, b := range h.bounds {
		n += per[j]
		cumulative[b] = n
	}
	return prometheus.MustNewConstHistogram(desc, n+per[len(h.bounds)], sum, cumulative, labels...)
}
