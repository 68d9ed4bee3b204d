package suite

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, the subset CI systems read: one testsuite, a testcase per
// case, a failure for a case that failed, an error for one that did not
// compile or could not run.
type junitSuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Suites  []junitSet `xml:"testsuite"`
}

type junitSet struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes results as a JUnit XML report of the suite name.
func WriteJUnit(w io.Writer, name string, results []*Result) error {
	set := junitSet{Name: name, Tests: len(results)}
	var total float64
	for _, r := range results {
		secs := r.Duration.Seconds()
		total += secs
		jc := junitCase{Name: r.Case.Name, Classname: name, Time: fmt.Sprintf("%.6f", secs), SystemOut: strings.Join(r.TestResult.FunctionExecutionLogs, "\n")}
		switch r.Status() {
		case Failed:
			set.Failures++
			var text strings.Builder
			for _, d := range r.Diffs {
				fmt.Fprintf(&text, "%s\n", d)
			}
			jc.Failure = &junitProblem{Message: fmt.Sprintf("%d fields differ", len(r.Diffs)), Type: "mismatch", Text: text.String()}
		case NotCompiled:
			set.Errors++
			jc.Error = &junitProblem{Message: r.Compile.Message, Type: "compile", Text: r.Compile.Report(r.Case.File, r.Code)}
		case Unusable:
			set.Errors++
			jc.Error = &junitProblem{Message: r.Err.Error(), Type: "input"}
		}
		set.Cases = append(set.Cases, jc)
	}
	set.Time = fmt.Sprintf("%.6f", total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSet{set}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
