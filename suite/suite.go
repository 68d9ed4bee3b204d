// Package suite runs CloudFront Functions test cases offline, as TestFunction
// would run them: a case is a function file, an event (TestFunction's JSON
// EventObject or a raw HTTP request), an optional KeyValueStore import file
// and what to expect of the TestResult (the output, an error message, the
// logs), with fields to ignore. A failing case says field by field what
// differs; Report prints the results for people and JUnit for CI.
package suite

import (
	"github.com/edgefn/edgefn"
)

// Case is one test case. Paths are as given (relative to the working
// directory or absolute).
type Case struct {
	Name    string
	File    string // the function's code
	Runtime edgefn.Runtime
	// Kind says which function File is: a viewer function (the default) or
	// a connection function, run as TestConnectionFunction runs it.
	Kind Kind
	// Event is a TestFunction EventObject (JSON) or a raw HTTP request,
	// which makes a viewer-request event; for a connection function, a
	// connection event (TestConnectionFunction's ConnectionObject).
	Event string
	// KVS is a KeyValueStore import file playing the function's store; KVSID
	// the id cf.kvs(id) must name ("" accepts any).
	KVS, KVSID string
	// Expect is what the TestResult must show; nil passes any run that
	// produced an output.
	Expect *Expectation
	// Ignore lists fields of the output left out of the comparison, as
	// jq-style paths (".response.headers.date").
	Ignore []string
	// ExpectFile and LogsFile are where Record writes the expectation and
	// the expected logs ("": nowhere); ExpectFile need not exist yet.
	ExpectFile, LogsFile string
}

// Kind is what a case's function is.
type Kind string

const (
	KindViewer     Kind = "viewer" // handler(event): a viewer request or response
	KindConnection Kind = "connection"
)

// valid reports whether k is a kind; "" is a viewer function.
func (k Kind) valid() bool { return k == "" || k == KindViewer || k == KindConnection }

// Expectation is what a case's TestResult must show. Each part is checked
// only when set.
type Expectation struct {
	// Output is the FunctionOutput, decoded ({"request": ...} or
	// {"response": ...}; a connection function's {"decision": ...}),
	// compared as JSON: key order does not matter.
	Output any
	// Error must be part of FunctionErrorMessage; "" means the run must fail.
	Error *string
	// Logs are the FunctionExecutionLogs, compared exactly and in order.
	Logs []string
}

// TestResult is TestFunction's TestResult without the FunctionSummary.
type TestResult struct {
	FunctionOutput        string   `json:"FunctionOutput"`
	FunctionExecutionLogs []string `json:"FunctionExecutionLogs"`
	FunctionErrorMessage  string   `json:"FunctionErrorMessage"`
	ComputeUtilization    string   `json:"ComputeUtilization"`
}
