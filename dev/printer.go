package dev

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/edgefn/edgefn/runtime"
)

// printer is the edge's slog.Handler under `edgefn dev`: for each request
// one line (method, uri, status, time, the functions that ran with their
// time and ComputeUtilization) and the functions' console.log lines beneath
// it, or one JSON object per request. The edge logs a request's function
// lines before its access line, so they wait here, by request id, for it.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	colour  bool
	json    bool
	pending map[string][]*functionRun
	// sources are the file and code each function serves, by name, for the
	// code frame of a run's error.
	sources map[string]source
}

type source struct {
	file string
	code []byte
}

type functionRun struct {
	Name               string   `json:"name"`
	EventType          string   `json:"event_type"`
	DurationMS         float64  `json:"duration_ms"`
	ComputeUtilization int      `json:"compute_utilization"`
	Logs               []string `json:"logs"`
	Error              string   `json:"error,omitempty"`
	// Line and Column: where in the function's file the error was thrown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// requestLine is the --json form of a request.
type requestLine struct {
	Method     string         `json:"method"`
	URI        string         `json:"uri"`
	Status     int            `json:"status"`
	DurationMS float64        `json:"duration_ms"`
	RequestID  string         `json:"request_id"`
	Functions  []*functionRun `json:"functions"`
}

func newPrinter(w io.Writer, colour, asJSON bool) *printer {
	return &printer{w: w, colour: colour, json: asJSON, pending: map[string][]*functionRun{}, sources: map[string]source{}}
}

// serving notes the file and code the function named name now serves.
func (p *printer) serving(name, file string, code []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sources[name] = source{file, code}
}

// Enabled takes Debug too: the edge writes its access lines there.
func (p *printer) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelDebug }
func (p *printer) WithAttrs([]slog.Attr) slog.Handler           { return p }
func (p *printer) WithGroup(string) slog.Handler                { return p }

func (p *printer) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Resolve()
		return true
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	id := attrs["request_id"].String()
	switch attrs["log"].String() {
	case "function":
		runs := p.pending[id]
		switch {
		case strings.HasPrefix(r.Message, "START "):
			p.pending[id] = append(runs, &functionRun{Name: attrs["function"].String(), EventType: attrs["event_type"].String(), Logs: []string{}})
		case len(runs) == 0:
		case r.Message == "END":
			run := runs[len(runs)-1]
			run.DurationMS = float64(attrs["duration"].Duration().Microseconds()) / 1000
			run.ComputeUtilization = int(attrs["compute_utilization"].Int64())
		case r.Level >= slog.LevelWarn && strings.HasPrefix(r.Message, "ERROR "):
			run := runs[len(runs)-1]
			run.Error = strings.TrimPrefix(r.Message, "ERROR ")
			run.Line, run.Column = int(attrs["line"].Int64()), int(attrs["column"].Int64())
		default:
			runs[len(runs)-1].Logs = append(runs[len(runs)-1].Logs, r.Message)
		}
	case "access":
		runs := p.pending[id]
		delete(p.pending, id)
		p.request(requestLine{
			Method:     attrs["cs_method"].String(),
			URI:        uriOf(attrs),
			Status:     int(attrs["sc_status"].Int64()),
			DurationMS: float64(time.Duration(attrs["time_taken"].Float64()*float64(time.Second)).Microseconds()) / 1000,
			RequestID:  id,
			Functions:  runs,
		})
	default:
		// The edge's own warnings and errors (its debug lines are noise here).
		if r.Level < slog.LevelInfo {
			return nil
		}
		var b strings.Builder
		b.WriteString(p.paint("\x1b[33m", r.Level.String()+" "+r.Message))
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		fmt.Fprintln(p.w, b.String())
	}
	return nil
}

func uriOf(attrs map[string]slog.Value) string {
	uri := attrs["cs_uri_stem"].String()
	if q := attrs["cs_uri_query"].String(); q != "" && q != "-" {
		uri += "?" + q
	}
	return uri
}

func (p *printer) request(l requestLine) {
	if l.Functions == nil {
		l.Functions = []*functionRun{}
	}
	if p.json {
		b, _ := json.Marshal(l) // plain strings and numbers
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	status := fmt.Sprint(l.Status)
	switch {
	case l.Status >= 500:
		status = p.paint("\x1b[31m", status)
	case l.Status >= 400:
		status = p.paint("\x1b[33m", status)
	default:
		status = p.paint("\x1b[32m", status)
	}
	var fns []string
	for _, f := range l.Functions {
		fns = append(fns, fmt.Sprintf("%s (%s %.2fms CU %d)", p.paint("\x1b[1m", f.Name), f.EventType, f.DurationMS, f.ComputeUtilization))
	}
	line := fmt.Sprintf("%s %s %s %.1fms", l.Method, l.URI, status, l.DurationMS)
	if len(fns) > 0 {
		line += "  " + strings.Join(fns, ", ")
	}
	fmt.Fprintln(p.w, line)
	for _, f := range l.Functions {
		for _, log := range f.Logs {
			fmt.Fprintf(p.w, "  %s %s\n", p.paint("\x1b[2m", f.Name+":"), log)
		}
		if f.Error != "" {
			fmt.Fprintf(p.w, "  %s %s\n", p.paint("\x1b[2m", f.Name+":"), p.paint("\x1b[31m", f.Error))
			if src, ok := p.sources[f.Name]; ok && f.Line > 0 {
				ee := runtime.ExecutionError{Message: f.Error, Line: f.Line, Column: f.Column}
				fmt.Fprint(p.w, indent(ee.Report(src.file, src.code), "    "))
			}
		}
	}
}

func (p *printer) paint(code, s string) string {
	if !p.colour {
		return s
	}
	return code + s + "\x1b[0m"
}

// message prints a line of dev's own (start, reloads, problems).
func (p *printer) message(colour, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(map[string]string{"message": strings.TrimRight(text, "\n")})
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprint(p.w, p.paint(colour, strings.TrimRight(text, "\n"))+"\n")
}

func indent(s, by string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = by + l
		}
	}
	return strings.Join(lines, "")
}
