package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	edgeruntime "github.com/edgefn/edgefn/runtime"
)

// Options configures a replay.
type Options struct {
	Files    []string             // log files (see Files)
	Function *edgeruntime.Program // the version under test
	Against  *edgeruntime.Program // the version to compare with, or nil
	KVS      edgeruntime.KeyValueStore
	Workers  int       // default: GOMAXPROCS
	Diffs    io.Writer // one JSON line per differing request, or nil
	// Outputs, without Against, gets one JSON line per request: its
	// outcome, FunctionOutput or error.
	Outputs io.Writer
	// Fields are the columns of log files without a #Fields directive (a
	// real-time log's configured fields, see RealTimeFields), or nil.
	Fields map[string]int
	// FunctionFile and AgainstFile name the versions in the report;
	// FunctionCode is the code of the first, for the frames of its errors.
	FunctionFile, AgainstFile string
	FunctionCode              []byte
	// Progress, when set, counts what has been read so far (for a progress
	// bar).
	Progress *Progress
}

// Progress counts lines replayed and bytes of log files read (as stored,
// compressed or not, so that it measures against the files' sizes).
type Progress struct {
	Lines, Bytes atomic.Int64
}

func (p *Progress) line() {
	if p != nil {
		p.Lines.Add(1)
	}
}

func (p *Progress) bytes() *atomic.Int64 {
	if p == nil {
		return nil
	}
	return &p.Bytes
}

type result struct {
	rec       Record
	new, old  Run
	differing bool
}

// Replay runs every request of the logs through the function(s).
func Replay(ctx context.Context, opts Options) (*Report, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	recs := make(chan Record, 4*workers)
	results := make(chan result, 4*workers)

	var mu sync.Mutex // guards the malformed group, fed by the reader
	rep := &Report{Function: opts.FunctionFile, AgainstFile: opts.AgainstFile, Logs: opts.Files, code: opts.FunctionCode, Malformed: Group{Key: "malformed"}}
	var readErr error
	go func() {
		defer close(recs)
		for _, f := range opts.Files {
			err := readFile(ctx, f, opts.Fields, opts.Progress.bytes(), recs, func(m Malformed) {
				mu.Lock()
				rep.Malformed.add(Sample{Source: m.Source, URI: m.Line, Message: m.Reason})
				mu.Unlock()
				opts.Progress.line()
			})
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range recs {
				res := result{rec: rec, new: runOne(ctx, opts.Function, rec, opts.KVS)}
				if opts.Against != nil {
					res.old = runOne(ctx, opts.Against, rec, opts.KVS)
					res.differing = res.new.Outcome != res.old.Outcome || res.new.Message != res.old.Message || !bytes.Equal(res.new.Output, res.old.Output)
				}
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	agg := newAggregate(opts.Against != nil)
	var writeErr error
	for res := range results {
		opts.Progress.line()
		agg.add(res)
		switch {
		case writeErr != nil:
		case res.differing && opts.Diffs != nil:
			writeErr = writeDiff(opts.Diffs, res)
		case opts.Against == nil && opts.Outputs != nil:
			writeErr = writeOutput(opts.Outputs, res)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	if writeErr != nil {
		return nil, fmt.Errorf("out: %w", writeErr)
	}
	agg.into(rep)
	rep.Lines = rep.Requests + rep.Malformed.Count
	return rep, nil
}

func runOne(ctx context.Context, p *edgeruntime.Program, rec Record, kvs edgeruntime.KeyValueStore) Run {
	// Each run gets its own event: the comparison needs the request as received.
	ev := Event(rec)
	return classify(ev, p.Run(ctx, ev, kvs))
}

type aggregate struct {
	requests         int
	outcomes, errors groups
	rewrites         topN
	hist, oldHist    histogram
	maxCU, oldMaxCU  int
	compare          bool
	differing        int
	kinds            groups
}

func newAggregate(compare bool) *aggregate {
	return &aggregate{outcomes: groups{}, errors: groups{}, rewrites: topN{}, kinds: groups{}, compare: compare}
}

func sampleOf(rec Record, msg string) Sample {
	return Sample{Source: rec.Source, Method: rec.Method, URI: rec.URI, Query: rec.Query, Message: msg}
}

// errorSample is a sample of an error, with where the function threw.
func errorSample(rec Record, r Run) Sample {
	s := sampleOf(rec, "")
	s.Line, s.Column = r.Line, r.Column
	return s
}

func (a *aggregate) add(res result) {
	a.requests++
	r := res.new
	a.outcomes.add(string(r.Outcome), sampleOf(res.rec, r.Message))
	if r.Outcome == Failed || r.Outcome == Invalid {
		a.errors.add(r.Message, errorSample(res.rec, r))
	}
	if r.Outcome == Rewritten {
		a.rewrites.add(r.URI)
	}
	a.hist.add(r.Compute)
	a.maxCU = max(a.maxCU, r.Compute)
	if a.compare {
		a.oldHist.add(res.old.Compute)
		a.oldMaxCU = max(a.oldMaxCU, res.old.Compute)
		if res.differing {
			a.differing++
			a.kinds.add(diffKind(res.old, res.new), sampleOf(res.rec, ""))
		}
	}
}

func (a *aggregate) into(rep *Report) {
	rep.Requests = a.requests
	for _, o := range Outcomes {
		g := Group{Key: string(o), Samples: []Sample{}}
		if got, ok := a.outcomes[string(o)]; ok {
			g = *got
		}
		rep.Outcomes = append(rep.Outcomes, g)
	}
	rep.Errors = a.errors.sorted()
	rep.TopRewrites = a.rewrites.top(topURIs)
	rep.Compute = a.hist.summary(a.maxCU)
	if a.compare {
		rep.Against = &Compare{Differing: a.differing, Kinds: a.kinds.sorted(), Compute: a.oldHist.summary(a.oldMaxCU)}
	}
}

// diffKind names how two runs of one request differ: the change of outcome,
// or the parts of the output that changed.
func diffKind(old, new Run) string {
	if old.Outcome != new.Outcome {
		return fmt.Sprintf("outcome %s → %s", old.Outcome, new.Outcome)
	}
	if old.Message != new.Message {
		return "message"
	}
	return strings.Join(changedParts(old.Output, new.Output), ", ")
}

// changedParts lists the members (request.uri, response.headers, …) whose
// JSON differs.
func changedParts(a, b []byte) []string {
	var ta, tb map[string]map[string]json.RawMessage
	if json.Unmarshal(a, &ta) != nil || json.Unmarshal(b, &tb) != nil {
		return []string{"output"}
	}
	var parts []string
	for top := range union(ta, tb) {
		for k := range union(ta[top], tb[top]) {
			if !bytes.Equal(ta[top][k], tb[top][k]) {
				parts = append(parts, top+"."+k)
			}
		}
	}
	sort.Strings(parts)
	return parts
}

func union[V any](a, b map[string]V) map[string]struct{} {
	u := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		u[k] = struct{}{}
	}
	for k := range b {
		u[k] = struct{}{}
	}
	return u
}

type diffLine struct {
	Source string          `json:"source"`
	Method string          `json:"method"`
	URI    string          `json:"uri"`
	Query  string          `json:"query,omitempty"`
	Kind   string          `json:"kind"`
	Old    json.RawMessage `json:"old"`
	New    json.RawMessage `json:"new"`
}

// runLine is a run as --out writes it.
type runLine struct {
	Outcome Outcome         `json:"outcome"`
	Output  json.RawMessage `json:"output,omitempty"`
	Message string          `json:"message,omitempty"`
	Line    int             `json:"line,omitempty"`
	Column  int             `json:"column,omitempty"`
}

func runJSON(r Run) json.RawMessage {
	b, _ := json.Marshal(runLine{r.Outcome, r.Output, r.Message, r.Line, r.Column})
	return b
}

// writeOutput writes one request's result: where it came from, and the run.
func writeOutput(w io.Writer, res result) error {
	b, err := json.Marshal(struct {
		Source string `json:"source"`
		Method string `json:"method"`
		URI    string `json:"uri"`
		Query  string `json:"query,omitempty"`
		runLine
	}{res.rec.Source, res.rec.Method, res.rec.URI, res.rec.Query, runLine{res.new.Outcome, res.new.Output, res.new.Message, res.new.Line, res.new.Column}})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeDiff(w io.Writer, res result) error {
	b, err := json.Marshal(diffLine{
		Source: res.rec.Source, Method: res.rec.Method, URI: res.rec.URI, Query: res.rec.Query,
		Kind: diffKind(res.old, res.new), Old: runJSON(res.old), New: runJSON(res.new),
	})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
