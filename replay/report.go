package replay

import (
	"math"
	"sort"
)

// Bounds on what a report retains, so memory stays flat however long the logs.
const (
	maxSamples = 5
	maxGroups  = 100  // error messages and kinds of difference
	maxURIs    = 1000 // rewritten uris tracked (the top-N is approximate beyond)
	topURIs    = 20
	maxCompute = 100 // histogram buckets 0..maxCompute, then one for more
)

// Sample is one request shown as an example.
type Sample struct {
	Source  string `json:"source"`
	Method  string `json:"method"`
	URI     string `json:"uri"`
	Query   string `json:"query,omitempty"`
	Message string `json:"message,omitempty"`
	// Line and Column: where the function threw, for an error's sample.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Group counts the requests sharing an outcome, a message or a difference.
type Group struct {
	Key     string   `json:"key"`
	Count   int      `json:"count"`
	Samples []Sample `json:"samples"`
}

func (g *Group) add(s Sample) {
	g.Count++
	if len(g.Samples) < maxSamples {
		g.Samples = append(g.Samples, s)
	}
}

// groups is a map of Groups holding at most maxGroups keys; later keys fall
// into one "(other)" group.
type groups map[string]*Group

func (gs groups) add(key string, s Sample) {
	g, ok := gs[key]
	if !ok {
		if len(gs) >= maxGroups {
			key = "(other)"
		}
		if g, ok = gs[key]; !ok {
			g = &Group{Key: key}
			gs[key] = g
		}
	}
	g.add(s)
}

func (gs groups) sorted() []Group {
	out := make([]Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// URICount is a rewritten uri and how often requests were rewritten to it.
type URICount struct {
	URI   string `json:"uri"`
	Count int    `json:"count"`
}

// topN counts keys with the Space-Saving algorithm: at most maxURIs counters,
// exact while the keys fit, an overestimate by at most the evicted minimum after.
type topN map[string]int

func (t topN) add(key string) {
	if _, ok := t[key]; !ok && len(t) >= maxURIs {
		minKey, minN := "", int(^uint(0)>>1)
		for k, n := range t {
			if n < minN {
				minKey, minN = k, n
			}
		}
		delete(t, minKey)
		t[key] = minN
	}
	t[key]++
}

func (t topN) top(n int) []URICount {
	out := make([]URICount, 0, len(t))
	for k, c := range t {
		out = append(out, URICount{k, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].URI < out[j].URI
	})
	return out[:min(n, len(out))]
}

// Compute summarises ComputeUtilization.
type Compute struct {
	P50       int   `json:"p50"`
	P99       int   `json:"p99"`
	Max       int   `json:"max"`
	Histogram []int `json:"histogram"` // Histogram[i]: runs at i; the last bucket: over maxCompute
}

type histogram [maxCompute + 2]int

func (h *histogram) add(cu int) { h[min(max(cu, 0), maxCompute+1)]++ }

func (h *histogram) summary(maxSeen int) Compute {
	var total int
	for _, n := range h {
		total += n
	}
	c := Compute{Max: maxSeen, Histogram: append([]int(nil), h[:]...)}
	c.P50, c.P99 = h.quantile(total, 0.50), h.quantile(total, 0.99)
	return c
}

func (h *histogram) quantile(total int, q float64) int {
	if total == 0 {
		return 0
	}
	rank := max(int(math.Ceil(q*float64(total))), 1) // nearest rank
	seen := 0
	for i, n := range h {
		if seen += n; seen >= rank {
			return i
		}
	}
	return maxCompute + 1
}

// Report is the summary of a replay.
type Report struct {
	Function    string     `json:"function,omitempty"` // the file of the version under test
	AgainstFile string     `json:"againstFunction,omitempty"`
	Logs        []string   `json:"logs"`
	Lines       int        `json:"lines"`
	Requests    int        `json:"requests"`
	Malformed   Group      `json:"malformed"`
	Outcomes    []Group    `json:"outcomes"`
	TopRewrites []URICount `json:"topRewrittenUris"`
	Errors      []Group    `json:"errors"`
	Compute     Compute    `json:"computeUtilization"`
	Against     *Compare   `json:"against,omitempty"`
	code        []byte     // Function's, for code frames
}

// Compare summarises the differences between the two versions.
type Compare struct {
	Differing int     `json:"differing"`
	Kinds     []Group `json:"kinds"`
	Compute   Compute `json:"computeUtilization"`
}
