package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// functionSeries are one function's counters in one distribution, as the edge
// keeps them (edge/metrics.go); the front-end charts their differences
// between polls.
type functionSeries struct {
	DistributionID   string  `json:"distributionId"`
	FunctionName     string  `json:"functionName"`
	Invocations      float64 `json:"invocations"`
	ValidationErrors float64 `json:"validationErrors"`
	ExecutionErrors  float64 `json:"executionErrors"`
	Throttles        float64 `json:"throttles"`
	// UtilizationSum and UtilizationCount are the ComputeUtilization
	// histogram's sum and count: their differences give the mean of a poll's
	// interval.
	UtilizationSum   float64 `json:"utilizationSum"`
	UtilizationCount uint64  `json:"utilizationCount"`
}

// metrics answers the signed-in account's function metrics, read from the
// registry in-process.
func (c *Console) metrics(w http.ResponseWriter, r *http.Request, who *signedIn) {
	own, err := c.distributionIDs(r.Context(), who.cred.AccountID)
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: metrics", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the distributions could not be listed")
		return
	}
	families, err := c.cfg.Metrics.Gather()
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: gather metrics", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the metrics could not be read")
		return
	}
	fns, dists := gatherSeries(families, own)
	writeJSON(w, http.StatusOK, map[string]any{"time": c.cfg.Now().UnixMilli(), "functions": fns, "distributions": dists})
}

func (c *Console) distributionIDs(ctx context.Context, account string) (map[string]bool, error) {
	ids := map[string]bool{}
	marker := ""
	for {
		page, next, err := c.cfg.Distributions.ListDistributions(ctx, account, marker, 100)
		if err != nil {
			return nil, fmt.Errorf("list distributions: %w", err)
		}
		for _, d := range page {
			ids[d.ID] = true
		}
		if next == "" {
			return ids, nil
		}
		marker = next
	}
}

// distributionSeries are one distribution's viewer request counters, summed
// from the edge's edgefn_edge_requests_total (by status and
// x-edge-result-type); the front-end charts rates from their differences.
type distributionSeries struct {
	DistributionID string  `json:"distributionId"`
	Requests       float64 `json:"requests"`
	Errors4xx      float64 `json:"errors4xx"`
	Errors5xx      float64 `json:"errors5xx"`
	// CacheHits (Hit and RefreshHit) and CacheMisses (Miss) are the requests
	// the cache answered and those that went to the origin.
	CacheHits   float64 `json:"cacheHits"`
	CacheMisses float64 `json:"cacheMisses"`
}

// gatherSeries picks the edge's function and request series of the
// distributions in own out of the gathered families.
func gatherSeries(families []*dto.MetricFamily, own map[string]bool) ([]functionSeries, []distributionSeries) {
	type key struct{ dist, fn string }
	byKey := map[key]*functionSeries{}
	byDist := map[string]*distributionSeries{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var k key
			var status, result string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "distribution_id":
					k.dist = l.GetValue()
				case "function_name":
					k.fn = l.GetValue()
				case "status":
					status = l.GetValue()
				case "result_type":
					result = l.GetValue()
				}
			}
			if !own[k.dist] {
				continue
			}
			if f.GetName() == "edgefn_edge_requests_total" {
				d := byDist[k.dist]
				if d == nil {
					d = &distributionSeries{DistributionID: k.dist}
					byDist[k.dist] = d
				}
				d.add(status, result, m.GetCounter().GetValue())
				continue
			}
			if k.fn == "" {
				continue
			}
			s := byKey[k]
			if s == nil {
				s = &functionSeries{DistributionID: k.dist, FunctionName: k.fn}
				byKey[k] = s
			}
			switch f.GetName() {
			case "edgefn_function_invocations_total":
				s.Invocations = m.GetCounter().GetValue()
			case "edgefn_function_validation_errors_total":
				s.ValidationErrors = m.GetCounter().GetValue()
			case "edgefn_function_execution_errors_total":
				s.ExecutionErrors = m.GetCounter().GetValue()
			case "edgefn_function_throttles_total":
				s.Throttles = m.GetCounter().GetValue()
			case "edgefn_function_compute_utilization":
				s.UtilizationSum = m.GetHistogram().GetSampleSum()
				s.UtilizationCount = m.GetHistogram().GetSampleCount()
			}
		}
	}
	fns := make([]functionSeries, 0, len(byKey))
	for _, s := range byKey {
		fns = append(fns, *s)
	}
	sort.Slice(fns, func(i, j int) bool {
		if fns[i].DistributionID != fns[j].DistributionID {
			return fns[i].DistributionID < fns[j].DistributionID
		}
		return fns[i].FunctionName < fns[j].FunctionName
	})
	dists := make([]distributionSeries, 0, len(byDist))
	for _, d := range byDist {
		dists = append(dists, *d)
	}
	sort.Slice(dists, func(i, j int) bool { return dists[i].DistributionID < dists[j].DistributionID })
	return fns, dists
}

// add counts n requests of one status code and result type.
func (d *distributionSeries) add(status, result string, n float64) {
	d.Requests += n
	switch {
	case strings.HasPrefix(status, "4"):
		d.Errors4xx += n
	case strings.HasPrefix(status, "5"):
		d.Errors5xx += n
	}
	switch result {
	case "Hit", "RefreshHit":
		d.CacheHits += n
	case "Miss":
		d.CacheMisses += n
	}
}
