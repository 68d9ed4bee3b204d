package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/replay"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/suite"
)

func newReplayCommand() *cobra.Command {
	var (
		logs                                        []string
		against, kvsPath, rt, out, htmlPath, fields string
		asJSON                                      bool
	)
	cmd := &cobra.Command{
		Use:   "replay --logs FILE... FUNCTION.js [--against OLD.js] [--kvs KVS.json]",
		Short: "Run CloudFront access logs through a function, offline, and compare two versions",
		Long: `Reads CloudFront standard access logs (W3C, gzip or plain) and standard
logging v2 JSON, files or directories, rebuilds each viewer request and runs it
through FUNCTION.js on all cores. Prints outcomes, top rewritten uris, errors
(with where the function threw) and ComputeUtilization (from each run's CPU
time); with --against, the requests whose output differs. Real-time logs
(Kinesis records, tab-separated, no header) need --fields: the field names of
the real-time log configuration, in order. Malformed log lines are counted and
sampled, never fatal; logs of which no line is a request are.

Exit status: 0 when the logs were replayed; 2 for unusable input (also when
no line of the logs is a request); 3 when a function does not compile (the
errors are printed on stderr, each with file:line:column).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("want one FUNCTION.js, got %d arguments", len(args))
			}
			if len(logs) == 0 {
				return usageError("--logs FILE is required")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// ComputeUtilization from CPU time: the same log gives the same
			// percentiles however busy the machine.
			engine := runtime.New(runtime.Options{CPUTime: true})
			opts := replay.Options{FunctionFile: args[0], AgainstFile: against}
			var err error
			if opts.Function, opts.FunctionCode, err = compileFile(engine, args[0], edgefn.Runtime(rt)); err != nil {
				return err
			}
			if against != "" {
				if opts.Against, _, err = compileFile(engine, against, edgefn.Runtime(rt)); err != nil {
					return err
				}
			}
			if fields != "" {
				if opts.Fields, err = replay.RealTimeFields(fields); err != nil {
					return usageError("--fields: %v", err)
				}
			}
			if kvsPath != "" {
				if opts.KVS, err = loadKVS(kvsPath); err != nil {
					return err
				}
			}
			if opts.Files, err = replay.Files(logs); err != nil {
				return usageError("logs: %v", err)
			}
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return usageError("--out: %v", err)
				}
				defer f.Close()
				if against != "" {
					opts.Diffs = f
				} else {
					opts.Outputs = f
				}
			}
			stop := showProgress(cmd.Context(), cmd.ErrOrStderr(), &opts)
			rep, err := replay.Replay(cmd.Context(), opts)
			stop()
			if err != nil {
				return err
			}
			if rep.Requests == 0 && rep.Malformed.Count > 0 {
				return usageError("no line of the logs is a request (%s: %s)", rep.Malformed.Samples[0].Source, rep.Malformed.Samples[0].Message)
			}
			if htmlPath != "" {
				if err := writeHTML(htmlPath, rep); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringSliceVar(&logs, "logs", nil, "access log files or directories (repeat or comma-separate)")
	cmd.Flags().StringVar(&against, "against", "", "the function version to compare with")
	cmd.Flags().StringVar(&kvsPath, "kvs", "", "KeyValueStore import file playing the associated store")
	cmd.Flags().StringVar(&rt, "runtime", string(edgefn.RuntimeJS2), "cloudfront-js-1.0 or cloudfront-js-2.0")
	cmd.Flags().StringVar(&out, "out", "", "write each request's result as a JSON line here (with --against: each differing request, both results)")
	cmd.Flags().StringVar(&fields, "fields", "", "real-time logs: the configured field names, in order, comma-separated")
	cmd.Flags().StringVar(&htmlPath, "html", "", "write a self-contained HTML report with charts here")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}

func writeHTML(path string, rep *replay.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return usageError("--html: %v", err)
	}
	if err := rep.WriteHTML(f); err != nil {
		f.Close()
		return fmt.Errorf("--html: %w", err)
	}
	return f.Close()
}

// compileFile compiles the function in path; code that does not compile
// exits 3 with every error at its file:line:column, as `edgefn test`.
func compileFile(e *runtime.Engine, path string, rt edgefn.Runtime) (*runtime.Program, []byte, error) {
	if !rt.Valid() {
		return nil, nil, usageError("--runtime %q: must be cloudfront-js-1.0 or cloudfront-js-2.0", rt)
	}
	code, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, usageError("function: %v", err)
	}
	p, err := e.Compile(code, rt)
	if ce, ok := errors.AsType[*runtime.CompileError](err); ok {
		return nil, nil, &exitError{code: exitNotCompiled, err: errors.New("the function does not compile:\n" + ce.Report(path, code))}
	}
	if err != nil {
		return nil, nil, usageError("%s: %v", path, err)
	}
	return p, code, nil
}

func loadKVS(path string) (runtime.KeyValueStore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError("kvs: %v", err)
	}
	defer f.Close()
	items, err := kvsimport.Parse(f, edgefn.DefaultLimits())
	if err != nil {
		return nil, usageError("kvs %s: %v", path, err)
	}
	return suite.NewMemoryKVS("", items), nil
}

// showProgress draws a bar of the log bytes read, with the line count, rate
// and ETA, on a terminal only; it returns the function that stops it.
func showProgress(ctx context.Context, w io.Writer, opts *replay.Options) func() {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	opts.Progress = new(replay.Progress)
	bar := progressbar.NewOptions64(replay.Size(opts.Files), progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth())
	update := func() {
		n, start := opts.Progress.Lines.Load(), bar.State().SecondsSince
		rate := 0.0
		if start > 0 {
			rate = float64(n) / start
		}
		bar.Describe(fmt.Sprintf("%d lines, %.0f lines/s", n, rate))
		_ = bar.Set64(opts.Progress.Bytes.Load())
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				update()
				_ = bar.Finish()
				fmt.Fprintln(w)
				return
			case <-t.C:
				update()
			}
		}
	}()
	return func() { cancel(); <-done }
}
