package suite

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// ANSI colours for Report on a terminal.
const (
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// Report writes one line per case and, under each one that did not pass,
// why: the fields that differ (with where the function threw, and a code
// frame), every compile error with a code frame (once per function), or the
// input that could not be used; then a summary line. colour adds ANSI
// colours, for terminals.
func Report(w io.Writer, results []*Result, colour bool) {
	paint := func(c, s string) string {
		if !colour {
			return s
		}
		return c + s + reset
	}
	var counts [Unusable + 1]int
	shown := map[string]bool{} // the functions whose compile errors are printed
	for _, r := range results {
		st := r.Status()
		counts[st]++
		label := paint(red, st.String())
		switch {
		case r.Recorded != "":
			label = paint(yellow, "RECORDED")
		case st == Passed:
			label = paint(green, st.String())
		}
		fmt.Fprintf(w, "%s %s %s\n", label, paint(bold, r.Case.Name), paint(dim, "("+r.Duration.Round(10*time.Microsecond).String()+")"))
		if r.Recorded != "" {
			fmt.Fprintf(w, "  wrote %s\n", r.Recorded)
		}
		for _, warning := range r.Warnings {
			fmt.Fprintf(w, "  %s %s\n", paint(yellow, "warning:"), warning)
		}
		switch st {
		case Unusable:
			fmt.Fprintf(w, "    %v\n", r.Err)
		case NotCompiled:
			// A function's errors once, however many cases run it.
			key := r.Case.File + "\x00" + string(r.Code)
			if shown[key] {
				fmt.Fprintf(w, "    %s does not compile (the errors are above)\n", r.Case.File)
				break
			}
			shown[key] = true
			fmt.Fprint(w, indent(r.Compile.Report(r.Case.File, r.Code)))
		case Failed:
			for _, d := range r.Diffs {
				fmt.Fprintf(w, "  %s\n", d)
			}
			if r.Thrown != nil {
				fmt.Fprint(w, indent(r.Thrown.Report(r.Case.File, r.Code)))
			}
			if len(r.TestResult.FunctionExecutionLogs) > 0 {
				fmt.Fprintf(w, "  logs:\n")
				for _, l := range r.TestResult.FunctionExecutionLogs {
					fmt.Fprintf(w, "    %s\n", l)
				}
			}
		}
	}
	fmt.Fprintf(w, "%d cases: %d passed, %d failed, %d did not compile, %d unusable\n",
		len(results), counts[Passed], counts[Failed], counts[NotCompiled], counts[Unusable])
}

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "")
}

// Worst is the worst status of results (Passed for none).
func Worst(results []*Result) Status {
	worst := Passed
	for _, r := range results {
		worst = max(worst, r.Status())
	}
	return worst
}
