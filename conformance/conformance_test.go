// Package conformance_test runs the example CloudFront functions in this
// folder: each sub-folder holds a function, a TestFunction event and the
// output CloudFront produces for it (see README.md for the format).
package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// caseSpec is case.json.
type caseSpec struct {
	Runtime     edgefn.Runtime `json:"runtime"`
	Description string         `json:"description"`
	// Kind "connection" makes function.js a connection function, each event
	// a connection event and expected.json its {"decision": ...}.
	Kind string `json:"kind"`
	// EdgeInvalid marks a result TestFunction prints but the edge refuses;
	// EdgeRule is the event.Validate rule expected to refuse it.
	EdgeInvalid bool   `json:"edgeInvalid"`
	EdgeRule    string `json:"edgeRule"`
	// KVSID is the id of the store kvs.json plays (default defaultKVSID).
	KVSID string `json:"kvsId"`
}

// The store every kvs.json plays: a fixed id and fixed metadata dates, so
// cases can check cf.kvs(id) and meta().
const defaultKVSID = "4e1f6a2c-9b3d-4c8e-a7f0-1d2c3b4a5e6f"

var (
	kvsCreated = time.Date(2023, 11, 30, 23, 7, 55, 765e6, time.UTC)
	kvsUpdated = time.Date(2024, 1, 15, 8, 30, 12, 340e6, time.UTC)
)

func TestConformance(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	// A generous hard stop: the cases measure behaviour, not speed, and the
	// default leaves little room under -race.
	eng := runtime.New(runtime.Options{Timeout: 2 * time.Second})
	perRuntime := map[edgefn.Runtime]int{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := e.Name()
		if _, err := os.Stat(filepath.Join(dir, "function.js")); err != nil {
			continue
		}
		spec := readSpec(t, dir)
		perRuntime[spec.Runtime]++
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			runCase(t, eng, dir, spec)
		})
	}
	if perRuntime[edgefn.RuntimeJS1] == 0 || perRuntime[edgefn.RuntimeJS2] == 0 {
		t.Errorf("cases per runtime %v: both runtimes need cases", perRuntime)
	}
}

func readSpec(t *testing.T, dir string) caseSpec {
	t.Helper()
	var spec caseSpec
	decodeStrict(t, filepath.Join(dir, "case.json"), &spec)
	switch {
	case !spec.Runtime.Valid():
		t.Fatalf("%s/case.json: runtime %q is not a CloudFront runtime", dir, spec.Runtime)
	case spec.Description == "":
		t.Fatalf("%s/case.json: description is empty", dir)
	case spec.EdgeInvalid != (spec.EdgeRule != ""):
		t.Fatalf("%s/case.json: edgeInvalid and edgeRule go together", dir)
	case spec.Kind != "" && spec.Kind != kindConnection:
		t.Fatalf("%s/case.json: kind %q is not \"connection\"", dir, spec.Kind)
	case spec.Kind == kindConnection && (spec.Runtime != edgefn.RuntimeJS2 || spec.EdgeInvalid):
		t.Fatalf("%s/case.json: a connection function runs on cloudfront-js-2.0, with no edge rule", dir)
	}
	if spec.KVSID == "" {
		spec.KVSID = defaultKVSID
	}
	return spec
}

// scenarios lists a case's events: event.json, and NAME.event.json for a
// function tested with several events (each with NAME.expected.json and
// optionally NAME.logs.json). The prefix is "" or "NAME.".
func scenarios(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	if _, err := os.Stat(filepath.Join(dir, "event.json")); err == nil {
		out = append(out, "")
	}
	named, err := filepath.Glob(filepath.Join(dir, "*.event.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range named {
		out = append(out, strings.TrimSuffix(filepath.Base(f), "event.json"))
	}
	if len(out) == 0 {
		t.Fatalf("%s: no event.json or NAME.event.json", dir)
	}
	return out
}

func runCase(t *testing.T, eng *runtime.Engine, dir string, spec caseSpec) {
	for _, prefix := range scenarios(t, dir) {
		if prefix == "" {
			runScenario(t, eng, dir, spec, prefix)
			continue
		}
		t.Run(strings.TrimSuffix(prefix, "."), func(t *testing.T) { runScenario(t, eng, dir, spec, prefix) })
	}
}

const kindConnection = "connection"

func runScenario(t *testing.T, eng *runtime.Engine, dir string, spec caseSpec, prefix string) {
	code := readFile(t, filepath.Join(dir, "function.js"))
	eventData := readFile(t, filepath.Join(dir, prefix+"event.json"))
	var want any
	decode(t, filepath.Join(dir, prefix+"expected.json"), &want)
	wantErr, isErrCase := errorExpectation(t, want)
	if isErrCase && spec.EdgeInvalid {
		t.Fatal("case.json: edgeInvalid applies to outputs, not to errors")
	}
	var kvs runtime.KeyValueStore // stays a nil interface without kvs.json
	if m := readKVS(t, dir, spec.KVSID); m != nil {
		kvs = m
	}

	// run runs the program on the scenario's event; check compares a
	// successful run with expected.json.
	var (
		compile func() (*runtime.Program, error)
		run     func(*runtime.Program) *runtime.Result
		check   func(*runtime.Result)
	)
	if spec.Kind == kindConnection {
		conn, err := event.ParseConnectionJSON(eventData)
		if err != nil {
			t.Fatalf("%sevent.json: %v", prefix, err)
		}
		compile = func() (*runtime.Program, error) { return eng.CompileConnection(code) }
		run = func(p *runtime.Program) *runtime.Result { return p.RunConnection(context.Background(), conn, kvs) }
		check = func(res *runtime.Result) { checkDecision(t, res, want) }
	} else {
		ev, err := event.ParseJSON(eventData)
		if err != nil {
			t.Fatalf("%sevent.json: %v", prefix, err)
		}
		compile = func() (*runtime.Program, error) { return eng.Compile(code, spec.Runtime) }
		run = func(p *runtime.Program) *runtime.Result { return p.Run(context.Background(), ev, kvs) }
		check = func(res *runtime.Result) { checkOutput(t, ev, res, want, spec) }
	}

	var res *runtime.Result
	prog, err := compile()
	if err != nil {
		var ce *runtime.CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("compile: %v", err)
		}
		res = &runtime.Result{Err: err}
	} else {
		res = run(prog)
		// A second run reuses the program's pooled VM: CloudFront gives every
		// invocation fresh state, so it must see exactly what the first saw.
		again := run(prog)
		if a, b := summary(res), summary(again); a != b {
			t.Errorf("a second run differs from the first:\n first: %s\nsecond: %s", a, b)
		}
	}

	if isErrCase {
		switch {
		case res.Err == nil:
			t.Errorf("want error containing %q, the run succeeded with %s", wantErr, outputText(res.Output))
		case !strings.Contains(res.Err.Error(), wantErr):
			t.Errorf("error message:\n  want substring %q\n  got            %q", wantErr, res.Err.Error())
		}
	} else {
		check(res)
	}
	checkLogs(t, filepath.Join(dir, prefix+"logs.json"), res.Logs)
}

// checkDecision compares a connection function's verdict, as
// TestConnectionFunction reports it, with expected.json.
func checkDecision(t *testing.T, res *runtime.Result, want any) {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("run failed: %v (logs %q)", res.Err, res.Logs)
	}
	out, err := res.ConnectionOutput()
	if err != nil {
		t.Fatalf("output: %v", err)
	}
	var got any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("ConnectionFunctionOutput\n want: %s\n  got: %s", canonical(want), canonical(got))
	}
}

// errorExpectation recognises {"error": "<substring>"}.
func errorExpectation(t *testing.T, want any) (string, bool) {
	m, ok := want.(map[string]any)
	if !ok {
		t.Fatal("expected.json must be an object")
	}
	v, ok := m["error"]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok || len(m) != 1 {
		t.Fatal(`expected.json: an error expectation is exactly {"error": "<substring>"}`)
	}
	return s, true
}

func checkOutput(t *testing.T, ev *event.Event, res *runtime.Result, want any, spec caseSpec) {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("run failed: %v (logs %q)", res.Err, res.Logs)
	}
	out, err := res.Output.JSON()
	if err != nil {
		t.Fatalf("output: %v", err)
	}
	var got any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("FunctionOutput differs at %s\n want: %s\n  got: %s",
			strings.Join(differences("", want, got), ", "), canonical(want), canonical(got))
	}

	verr := event.Validate(ev, res.Output)
	switch {
	case !spec.EdgeInvalid && verr != nil:
		t.Errorf("the edge would refuse this output: %v", verr)
	case spec.EdgeInvalid && verr == nil:
		t.Errorf("case.json says the edge refuses this output (%s), event.Validate accepts it", spec.EdgeRule)
	case spec.EdgeInvalid:
		var ve *event.ValidationError
		if !errors.As(verr, &ve) || !hasRule(ve, spec.EdgeRule) {
			t.Errorf("the edge should refuse this output by rule %q, got: %v", spec.EdgeRule, verr)
		}
	}
}

func hasRule(ve *event.ValidationError, rule string) bool {
	for _, p := range ve.Problems {
		if p.Rule == rule {
			return true
		}
	}
	return false
}

// checkLogs compares the console lines with logs.json, when there is one.
func checkLogs(t *testing.T, path string, logs []string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	var want []string
	decodeStrict(t, path, &want)
	if len(want) == 0 && len(logs) == 0 {
		return
	}
	if !reflect.DeepEqual(want, logs) {
		t.Errorf("FunctionExecutionLogs differ\n want: %q\n  got: %q", want, logs)
	}
}

// memKVS plays an S3 import file as the function's associated store.
type memKVS struct {
	id    string
	items map[string]string
}

func (m *memKVS) ID() string { return m.id }

func (m *memKVS) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := m.items[key]
	return v, ok, nil
}

func (m *memKVS) Meta(context.Context) (runtime.KVSMeta, error) {
	return runtime.KVSMeta{Created: kvsCreated, LastUpdated: kvsUpdated, KeyCount: len(m.items)}, nil
}

// readKVS loads dir/kvs.json ({"data":[{"key","value"}]}), or returns nil.
func readKVS(t *testing.T, dir, id string) *memKVS {
	t.Helper()
	path := filepath.Join(dir, "kvs.json")
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	var file struct {
		Data []struct {
			Key   *string `json:"key"`
			Value *string `json:"value"`
		} `json:"data"`
	}
	decodeStrict(t, path, &file)
	m := &memKVS{id: id, items: map[string]string{}}
	for i, it := range file.Data {
		if it.Key == nil || it.Value == nil {
			t.Fatalf("kvs.json: data[%d] needs a key and a value", i)
		}
		if _, dup := m.items[*it.Key]; dup {
			t.Fatalf("kvs.json: duplicate key %q", *it.Key)
		}
		m.items[*it.Key] = *it.Value
	}
	return m
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// decodeStrict refuses unknown fields, so a misspelt key fails loudly.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readFile(t, path)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// differences lists the JSON paths where want and got differ.
func differences(path string, want, got any) []string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		var out []string
		for _, k := range names {
			out = append(out, differences(path+"."+k, wm[k], gm[k])...)
		}
		return out
	}
	wa, wok := want.([]any)
	ga, gok := got.([]any)
	if wok && gok && len(wa) == len(ga) {
		var out []string
		for i := range wa {
			out = append(out, differences(fmt.Sprintf("%s[%d]", path, i), wa[i], ga[i])...)
		}
		return out
	}
	if reflect.DeepEqual(want, got) {
		return nil
	}
	if path == "" {
		path = "."
	}
	return []string{path}
}

// canonical renders v with sorted keys, one form for both sides of a diff.
func canonical(v any) string {
	b, err := json.MarshalIndent(v, "       ", "  ")
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// summary renders what TestFunction reports of a run, except timing.
func summary(r *runtime.Result) string {
	msg := ""
	if r.Err != nil {
		msg = r.Err.Error()
	}
	return fmt.Sprintf("output=%s decision=%s/%q logs=%q error=%q", outputText(r.Output), r.Decision, r.CustomLogData, r.Logs, msg)
}

func outputText(o *event.Output) string {
	if o == nil {
		return "no output"
	}
	b, err := o.JSON()
	if err != nil {
		return err.Error()
	}
	return string(b)
}
