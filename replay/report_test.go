package replay

import (
	"fmt"
	"strings"
	"testing"
)

// TestBounded feeds far more distinct keys than the bounds and checks what is
// retained, not how long it took.
func TestBounded(t *testing.T) {
	a := newAggregate(true)
	for i := range 20000 {
		rec := Record{Source: fmt.Sprint(i), Method: "GET", URI: fmt.Sprintf("/u%d", i)}
		a.add(result{rec: rec, differing: true,
			new: Run{Outcome: Rewritten, URI: rec.URI, Compute: i % 300},
			old: Run{Outcome: Failed, Message: fmt.Sprintf("Error: %d", i)}})
		a.add(result{rec: rec, new: Run{Outcome: Failed, Message: strings.Repeat("x", i%500)}})
	}
	if len(a.rewrites) > maxURIs || len(a.errors) > maxGroups+1 || len(a.kinds) > maxGroups+1 {
		t.Fatalf("retained %d uris, %d errors, %d kinds", len(a.rewrites), len(a.errors), len(a.kinds))
	}
	for _, gs := range []groups{a.errors, a.kinds, a.outcomes} {
		for _, g := range gs {
			if len(g.Samples) > maxSamples {
				t.Fatalf("%s: %d samples", g.Key, len(g.Samples))
			}
		}
	}
	var rep Report
	a.into(&rep)
	if rep.Requests != 40000 || rep.Compute.Max != 299 || rep.Compute.Histogram[maxCompute+1] == 0 {
		t.Errorf("requests %d compute %+v", rep.Requests, rep.Compute)
	}
}

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		values   []int
		p50, p99 int
	}{
		{nil, 0, 0},
		{[]int{7}, 7, 7},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 10},
		{[]int{0, 0, 0, 500}, 0, 101},
	} {
		var h histogram
		for _, v := range tc.values {
			h.add(v)
		}
		c := h.summary(0)
		if c.P50 != tc.p50 || c.P99 != tc.p99 {
			t.Errorf("%v: p50 %d p99 %d, want %d %d", tc.values, c.P50, c.P99, tc.p50, tc.p99)
		}
	}
}
