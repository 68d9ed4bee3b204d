package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/suite"
)

// Exit statuses of `edgefn test` beyond 0 (passed) and 2 (unusable input).
const (
	exitFailed      = 1
	exitNotCompiled = 3
)

func newTestCommand() *cobra.Command {
	var (
		rt, kind, eventPath, kvsPath, kvsID, expectPath, junitPath string
		pretty, watch, update                                      bool
	)
	cmd := &cobra.Command{
		Use:   "test [--event EVENT [--kvs KVS.json] [--expect EXPECTED.json] FUNCTION.js | DIR | PROJECT.yaml]",
		Short: "Run a function once, or a suite of test cases, offline",
		Long: `With --event, runs FUNCTION.js once with the event in EVENT, exactly as
TestFunction would, and prints {"FunctionOutput", "FunctionExecutionLogs",
"FunctionErrorMessage", "ComputeUtilization"} as JSON. EVENT is a TestFunction
EventObject (JSON) or a raw HTTP request ("GET /path HTTP/1.1", headers).
With --kind connection, FUNCTION.js is a connection function (viewer mTLS,
connectionHandler(connection)), run as TestConnectionFunction would: EVENT is
a connection event ({"clientCertificate": {"certificates": {"leaf": ...}},
"clientIp", "endpoint", "distributionId", "connectionId"}) and the output its
decision, {"decision": "allow"|"deny"}, with "customLogData" when it logs
some.

--kvs takes a KeyValueStore import file ({"data":[{"key":..,"value":..}]}) and
plays the function's associated store; cf.kvs(id) accepts any id unless
--kvs-id is given. --expect takes the expected result: the FunctionOutput
object ({"request": ...}, {"response": ...} or {"decision": ...}) or
{"error": "<part of the message>"}, either with "logs": [...]; what differs
is listed field by field.

Without --event, runs a suite: the cases of a project file (edgefn.yaml, the
default), or a directory of cases laid out as the repository's conformance/
cases (function.js, case.json, event.json or NAME.event.json, expected.json,
logs.json, kvs.json); a case.json with "kind": "connection", or a project
function with kind: connection, makes the cases connection functions. --junit writes a JUnit XML report; --watch runs the
suite again whenever one of its files changes. --update records: each case
that differs, or has no expectation yet, gets its actual result written as
its expectation (expected.json, or the test's expect: and logs: files; with
--event, the --expect file), as snapshot-testing tools do; review the change
with git diff. Functions that do not compile are never recorded.

Exit status: 0 when the function ran (a thrown error is a result too) or every
case passed; 1 when a result differs from what was expected; 2 for unusable
input; 3 when a function does not compile and no expectation said it would
not (the errors are printed on stderr, each with file:line:column).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("want one FUNCTION.js, DIR or PROJECT file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if eventPath == "" {
				if kvsPath != "" || expectPath != "" || kvsID != "" || kind != "" {
					return usageError("--kind, --kvs, --kvs-id and --expect go with --event (a single run); a suite names them per case")
				}
				target := ""
				if len(args) == 1 {
					target = args[0]
				}
				if update && watch {
					return usageError("--update records once: it does not go with --watch")
				}
				if filepath.Ext(target) == ".js" {
					return usageError("%s: running one function needs --event EVENT", target)
				}
				return runSuite(cmd, target, junitPath, watch, update)
			}
			if len(args) != 1 {
				return usageError("want one FUNCTION.js with --event")
			}
			if junitPath != "" || watch {
				return usageError("--junit and --watch run suites: leave out --event")
			}
			if update && expectPath == "" {
				return usageError("--update with --event records into the --expect file: name one")
			}
			c := &suite.Case{Name: args[0], File: args[0], Runtime: edgefn.Runtime(rt), Kind: suite.Kind(kind), Event: eventPath, KVS: kvsPath, KVSID: kvsID, ExpectFile: expectPath}
			if _, err := os.Stat(expectPath); expectPath != "" && (err == nil || !update) {
				exp, err := suite.ReadExpectation(expectPath, "")
				if err != nil {
					return usageError("expect: %v", err)
				}
				c.Expect = exp
			}
			return runOnce(cmd, c, pretty, update)
		},
	}
	cmd.Flags().StringVar(&rt, "runtime", string(edgefn.RuntimeJS2), "cloudfront-js-1.0 or cloudfront-js-2.0")
	cmd.Flags().StringVar(&kind, "kind", "", "viewer (default) or connection: FUNCTION.js is a connection function")
	cmd.Flags().StringVar(&eventPath, "event", "", "TestFunction event object (JSON) or raw HTTP request; with --kind connection, a connection event")
	cmd.Flags().StringVar(&kvsPath, "kvs", "", "KeyValueStore import file playing the associated store")
	cmd.Flags().StringVar(&kvsID, "kvs-id", "", "the store id cf.kvs(id) must name (default: any)")
	cmd.Flags().StringVar(&expectPath, "expect", "", "expected result (JSON); exit 1 when it differs")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "print for people: output as indented JSON, logs as lines")
	cmd.Flags().StringVar(&junitPath, "junit", "", "suites: write a JUnit XML report to this file")
	cmd.Flags().BoolVar(&watch, "watch", false, "suites: run again whenever a file of the suite changes")
	cmd.Flags().BoolVar(&update, "update", false, "record: write each differing result as the case's expectation")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}

// runOnce is the single-function form.
func runOnce(cmd *cobra.Command, c *suite.Case, pretty, update bool) error {
	res := suite.Run(cmd.Context(), []*suite.Case{c})[0]
	if update {
		if err := suite.Record([]*suite.Result{res}); err != nil {
			return err
		}
		if res.Recorded != "" {
			fmt.Fprintln(cmd.ErrOrStderr(), "recorded", res.Recorded)
		}
	}
	st := res.Status()
	if st == suite.Unusable {
		return usageError("%v", res.Err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	if err := writeResult(cmd.OutOrStdout(), &res.TestResult, pretty); err != nil {
		return err
	}
	if res.Thrown != nil {
		// Where it threw, for people; the output keeps TestFunction's message.
		fmt.Fprint(cmd.ErrOrStderr(), res.Thrown.Report(c.File, res.Code))
	}
	switch st {
	case suite.NotCompiled:
		return &exitError{code: exitNotCompiled, err: errors.New("the function does not compile:\n" + res.Compile.Report(c.File, res.Code))}
	case suite.Failed:
		var b bytes.Buffer
		fmt.Fprintf(&b, "the result differs from %s:", c.Name)
		for _, d := range res.Diffs {
			fmt.Fprintf(&b, "\n  %s", d)
		}
		return &exitError{code: exitFailed, err: errors.New(b.String())}
	}
	return nil
}

func writeResult(w io.Writer, res *suite.TestResult, pretty bool) error {
	if !pretty {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false) // & in a query string stays &, not \u0026
		return enc.Encode(res)
	}
	var b bytes.Buffer
	if res.FunctionOutput != "" {
		_ = json.Indent(&b, []byte(res.FunctionOutput), "", "  ")
	}
	fmt.Fprintf(w, "Output:\n%s\n", b.String())
	fmt.Fprintf(w, "Logs:\n")
	for _, l := range res.FunctionExecutionLogs {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if res.FunctionErrorMessage != "" {
		fmt.Fprintf(w, "Error: %s\n", res.FunctionErrorMessage)
	}
	fmt.Fprintf(w, "Compute utilization: %s\n", res.ComputeUtilization)
	return nil
}

// suiteExit maps the worst status of a suite to the exit status.
func suiteExit(results []*suite.Result) error {
	switch suite.Worst(results) {
	case suite.Failed:
		return &exitError{code: exitFailed, err: errors.New("some cases failed")}
	case suite.NotCompiled:
		return &exitError{code: exitNotCompiled, err: errors.New("some functions do not compile")}
	case suite.Unusable:
		return &exitError{code: 2, err: errors.New("some cases could not run")}
	}
	return nil
}

// writeJUnit writes the report file, if one is asked for.
func writeJUnit(path, name string, results []*suite.Result) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	if err := suite.WriteJUnit(f, name, results); err != nil {
		f.Close()
		return fmt.Errorf("--junit: %w", err)
	}
	return f.Close()
}
