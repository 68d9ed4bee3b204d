package replay

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "lines\t%d\nrequests\t%d\nmalformed lines\t%d\n", r.Lines, r.Requests, r.Malformed.Count)
	for _, s := range r.Malformed.Samples {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Source, s.Message)
	}
	fmt.Fprintln(tw, "\noutcome\trequests\tsample")
	for _, g := range r.Outcomes {
		sample := ""
		if len(g.Samples) > 0 {
			sample = g.Samples[0].Method + " " + g.Samples[0].URI
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", g.Key, g.Count, sample)
	}
	if len(r.TopRewrites) > 0 {
		fmt.Fprintln(tw, "\ntop rewritten uris\trequests")
		for _, u := range r.TopRewrites {
			fmt.Fprintf(tw, "%s\t%d\n", u.URI, u.Count)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(tw, "\nerror\trequests\tsample")
		for _, g := range r.Errors {
			fmt.Fprintf(tw, "%s\t%d\t%s %s\n", g.Key, g.Count, g.Samples[0].Source, g.Samples[0].URI)
		}
	}
	fmt.Fprintf(tw, "\nComputeUtilization\tp50 %d\tp99 %d\tmax %d\n", r.Compute.P50, r.Compute.P99, r.Compute.Max)
	if a := r.Against; a != nil {
		fmt.Fprintf(tw, "  --against\tp50 %d\tp99 %d\tmax %d\n", a.Compute.P50, a.Compute.P99, a.Compute.Max)
		fmt.Fprintf(tw, "\ndiffering requests\t%d\n", a.Differing)
		for _, g := range a.Kinds {
			fmt.Fprintf(tw, "%s\t%d\t%s %s\n", g.Key, g.Count, g.Samples[0].Source, g.Samples[0].URI)
		}
	}
	return tw.Flush()
}
