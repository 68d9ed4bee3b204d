package edge

import (
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestStripedHistogram: what a striped histogram exposes is what
// Prometheus's own histogram exposes for the same observations, made from
// many goroutines at once.
func TestStripedHistogram(t *testing.T) {
	bounds := []float64{0.5, 1, 10}
	for _, tc := range []struct {
		name   string
		values []float64
	}{
		{"none", nil},
		{"on the bounds", []float64{0.5, 1, 10}},
		{"between and beyond", []float64{0, 0.25, 0.75, 2, 9.5, 11, 1e9, -3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newStripedHistogram(bounds)
			want := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Buckets: bounds})
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for _, v := range tc.values {
						got.observe(v)
						want.Observe(v)
					}
				})
			}
			wg.Wait()
			g, w := written(t, got.metric(prometheus.NewDesc("h", "", nil, nil))), written(t, want)
			if g.GetSampleCount() != w.GetSampleCount() || g.GetSampleSum() != w.GetSampleSum() {
				t.Errorf("count %d sum %g, want %d %g", g.GetSampleCount(), g.GetSampleSum(), w.GetSampleCount(), w.GetSampleSum())
			}
			if got.count() != w.GetSampleCount() {
				t.Errorf("count() %d, want %d", got.count(), w.GetSampleCount())
			}
			for i, b := range w.Bucket {
				if gb := g.Bucket[i]; gb.GetUpperBound() != b.GetUpperBound() || gb.GetCumulativeCount() != b.GetCumulativeCount() {
					t.Errorf("bucket le=%g: %d, want le=%g: %d", gb.GetUpperBound(), gb.GetCumulativeCount(), b.GetUpperBound(), b.GetCumulativeCount())
				}
			}
		})
	}
}

func TestStripedCounter(t *testing.T) {
	var c stripedCounter
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.inc()
			}
		})
	}
	wg.Wait()
	if c.value() != 8000 {
		t.Errorf("value %d, want 8000", c.value())
	}
}

func written(t *testing.T, m prometheus.Metric) *dto.Histogram {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram()
}
