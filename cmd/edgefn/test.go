package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/runtime"
)

// testResult is TestFunction's TestResult without the FunctionSummary; other
// tools script against this exact shape.
type testResult struct {
	FunctionOutput        string   `json:"FunctionOutput"`
	FunctionExecutionLogs []string `json:"FunctionExecutionLogs"`
	FunctionErrorMessage  string   `json:"FunctionErrorMessage"`
	ComputeUtilization    string   `json:"ComputeUtilization"`
}

func newTestCommand() *cobra.Command {
	var (
		rt, eventPath, kvsPath, kvsID, expectPath string
		pretty                                    bool
	)
	cmd := &cobra.Command{
		Use:   "test --event EVENT.json [--kvs KVS.json] FUNCTION.js",
		Short: "Run a function once, offline, and print its TestResult as JSON",
		Long: `Runs FUNCTION.js once with the event in EVENT.json, exactly as TestFunction
would, and prints {"FunctionOutput", "FunctionExecutionLogs",
"FunctionErrorMessage", "ComputeUtilization"} as JSON.

--kvs takes a KeyValueStore import file ({"data":[{"key":..,"value":..}]}) and
plays the function's associated store; cf.kvs(id) accepts any id unless
--kvs-id is given.

Exit status: 0 when the function ran (a thrown error is a result too), 1 when
--expect did not match, 2 for unusable input.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("want one FUNCTION.js, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if eventPath == "" {
				return usageError("--event EVENT.json is required")
			}
			var want any
			if expectPath != "" {
				var err error
				if want, err = readExpected(expectPath); err != nil {
					return err
				}
			}
			res, err := runTest(cmd.Context(), testInput{
				codePath: args[0], eventPath: eventPath, kvsPath: kvsPath, kvsID: kvsID,
				runtime: edgefn.Runtime(rt),
			})
			if err != nil {
				return err
			}
			if err := writeResult(cmd.OutOrStdout(), res, pretty); err != nil {
				return err
			}
			if expectPath != "" {
				return expect(res, want, expectPath)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rt, "runtime", string(edgefn.RuntimeJS2), "cloudfront-js-1.0 or cloudfront-js-2.0")
	cmd.Flags().StringVar(&eventPath, "event", "", "TestFunction event object (JSON)")
	cmd.Flags().StringVar(&kvsPath, "kvs", "", "KeyValueStore import file playing the associated store")
	cmd.Flags().StringVar(&kvsID, "kvs-id", "", "the store id cf.kvs(id) must name (default: any)")
	cmd.Flags().StringVar(&expectPath, "expect", "", "expected FunctionOutput (JSON); exit 1 when it differs")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "print for people: output as indented JSON, logs as lines")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}

type testInput struct {
	codePath, eventPath, kvsPath, kvsID string
	runtime                             edgefn.Runtime
}

func runTest(ctx context.Context, in testInput) (*testResult, error) {
	if !in.runtime.Valid() {
		return nil, usageError("--runtime %q: must be cloudfront-js-1.0 or cloudfront-js-2.0", in.runtime)
	}
	code, err := os.ReadFile(in.codePath)
	if err != nil {
		return nil, usageError("function: %v", err)
	}
	limits := edgefn.DefaultLimits()
	if len(code) > limits.FunctionCodeBytes {
		return nil, usageError("function: %d bytes, over the %d-byte limit of CloudFront Functions", len(code), limits.FunctionCodeBytes)
	}
	raw, err := os.ReadFile(in.eventPath)
	if err != nil {
		return nil, usageError("event: %v", err)
	}
	ev, err := event.ParseJSON(raw)
	if err != nil {
		return nil, usageError("event %s: %v", in.eventPath, err)
	}
	var kvs runtime.KeyValueStore
	if in.kvsPath != "" {
		f, err := os.Open(in.kvsPath)
		if err != nil {
			return nil, usageError("kvs: %v", err)
		}
		items, err := kvsimport.Parse(f, limits)
		f.Close()
		if err != nil {
			return nil, usageError("kvs %s: %v", in.kvsPath, err)
		}
		kvs = newMemoryKVS(in.kvsID, items)
	}
	res := &testResult{FunctionExecutionLogs: []string{}}
	prog, err := runtime.New(runtime.Options{}).Compile(code, in.runtime)
	if err != nil {
		if _, ok := err.(*runtime.CompileError); !ok {
			return nil, usageError("%v", err)
		}
		res.FunctionErrorMessage = err.Error()
		res.ComputeUtilization = "0"
		return res, nil
	}
	r := prog.Run(ctx, ev, kvs)
	res.FunctionExecutionLogs = append(res.FunctionExecutionLogs, r.Logs...)
	res.ComputeUtilization = strconv.Itoa(r.ComputeUtilization)
	if r.Err != nil {
		res.FunctionErrorMessage = r.Err.Error()
		return res, nil
	}
	out, err := r.Output.JSON()
	if err != nil {
		res.FunctionErrorMessage = err.Error()
		return res, nil
	}
	res.FunctionOutput = string(out)
	return res, nil
}

func writeResult(w io.Writer, res *testResult, pretty bool) error {
	if !pretty {
		return json.NewEncoder(w).Encode(res)
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

// expect compares the output with the expected JSON semantically: CloudFront's
// own output order is not stable (spec §2.9).
func expect(res *testResult, want any, path string) error {
	if res.FunctionOutput == "" {
		return &exitError{code: 1, err: fmt.Errorf("expected output, the function failed: %s", res.FunctionErrorMessage)}
	}
	var got any
	if err := json.Unmarshal([]byte(res.FunctionOutput), &got); err != nil {
		return err
	}
	if !reflect.DeepEqual(want, got) {
		return &exitError{code: 1, err: fmt.Errorf("output differs from %s:\n  want %s\n  got  %s", path, canonical(want), canonical(got))}
	}
	return nil
}

// readExpected loads --expect before the run: unusable input prints no result.
func readExpected(path string) (any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError("expect: %v", err)
	}
	var want any
	if err := json.Unmarshal(raw, &want); err != nil {
		return nil, usageError("expect %s: %v", path, err)
	}
	return want, nil
}

func canonical(v any) string {
	b, _ := json.Marshal(v) // map keys come out sorted
	return string(b)
}

// memoryKVS plays a store from an import file.
type memoryKVS struct {
	id    string
	items map[string]string
	at    time.Time
}

func newMemoryKVS(id string, items []edgefn.Item) *memoryKVS {
	m := &memoryKVS{id: id, items: make(map[string]string, len(items)), at: time.Now()}
	for _, it := range items {
		m.items[it.Key] = it.Value
	}
	return m
}

func (m *memoryKVS) ID() string { return m.id }

func (m *memoryKVS) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := m.items[key]
	return v, ok, nil
}

func (m *memoryKVS) Meta(context.Context) (runtime.KVSMeta, error) {
	return runtime.KVSMeta{Created: m.at, LastUpdated: m.at, KeyCount: len(m.items)}, nil
}
