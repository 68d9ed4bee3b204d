package replay

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/edgefn/edgefn/runtime"
)

// logNames lists the log files, or counts them past a few.
func (r *Report) logNames() string {
	if len(r.Logs) > 3 {
		return fmt.Sprintf("%s and %d more files", strings.Join(r.Logs[:3], ", "), len(r.Logs)-3)
	}
	return strings.Join(r.Logs, ", ")
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if r.Function != "" {
		fmt.Fprintf(tw, "function\t%s\n", r.Function)
	}
	if r.AgainstFile != "" {
		fmt.Fprintf(tw, "against\t%s\n", r.AgainstFile)
	}
	fmt.Fprintf(tw, "logs\t%s\n", r.logNames())
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
	if err := tw.Flush(); err != nil {
		return err
	}
	// Where each error was thrown, with the code around it (not tabulated).
	for _, g := range r.Errors {
		if s := g.Samples[0]; s.Line > 0 && r.Function != "" {
			ee := runtime.ExecutionError{Message: g.Key, Line: s.Line, Column: s.Column}
			fmt.Fprintf(w, "\n%s", ee.Report(r.Function, r.code))
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
