package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"

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
	writeJSON(w, http.StatusOK, map[string]any{"time": c.cfg.Now().UnixMilli(), "functions": functionMetrics(families, own)})
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

// functionMetrics picks the edge's function series of the distributions in
// own out of the gathered families.
func functionMetrics(families []*dto.MetricFamily, own map[string]bool) []functionSeries {
	type key struct{ dist, fn string }
	byKey := map[key]*functionSeries{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var k key
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "distribution_id":
					k.dist = l.GetValue()
				case "function_name":
					k.fn = l.GetValue()
				}
			}
			if k.fn == "" || !own[k.dist] {
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
	out := make([]functionSeries, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DistributionID != out[j].DistributionID {
			return out[i].DistributionID < out[j].DistributionID
		}
		return out[i].FunctionName < out[j].FunctionName
	})
	return out
}
