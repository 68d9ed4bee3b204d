package main

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/dev"
	"github.com/edgefn/edgefn/project"
)

// devDefaultAddr is where `edgefn dev` listens: its own port, so that it
// runs beside an `edgefn serve` (API on 8080, edge on 8081), which a deploy
// in the same loop talks to.
const devDefaultAddr = "127.0.0.1:8787"

func newDevCommand() *cobra.Command {
	var (
		origin, addr, rt, eventType, kvsPath string
		asJSON, watching                     bool
	)
	cmd := &cobra.Command{
		Use:   "dev [PROJECT.yaml | DIR | FUNCTION.js]",
		Short: "Serve a project on the edge in front of an origin, reloading on save",
		Long: `Serves the project (edgefn.yaml in DIR or the working directory) on the real
edge, with its functions, behaviors and KeyValueStores, in front of its origin
or --origin: an http(s):// URL, or a directory served as an S3 origin. It
prints the URL and serves at once.

For one function, name FUNCTION.js instead: it runs for every path, on
--event-type, with --kvs as its store.

Saving a function, a store file or the project file applies the change to the
next requests; code that does not compile is printed with file:line:column and
a code frame, and the last version that loaded keeps serving (a function that
has never loaded fails closed: its behaviors answer 503). Each request
prints one line (method, uri, status, time, the functions that ran with their
time and ComputeUtilization) and the functions' console.log lines beneath it;
--json prints one JSON object per request instead.

The edge answers for the hosts localhost and 127.0.0.1 (any port) and the
project's aliases, as the aliases of the one distribution it serves: try a
host-based function with curl -H 'Host: www.example.com' http://127.0.0.1:8787/.
It listens on 127.0.0.1:8787 by default, beside edgefn serve's 8080.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := ""
			if len(args) == 1 {
				target = args[0]
			}
			load := func() (*project.Project, error) {
				path, err := project.Find(target)
				if err != nil {
					return nil, err
				}
				return project.Load(path)
			}
			if filepath.Ext(target) == ".js" {
				if origin == "" {
					return usageError("%s: serving one function needs --origin URL or DIR", target)
				}
				if _, err := project.Single(target, edgefn.Runtime(rt), eventType, kvsPath); err != nil {
					return usageError("%v", err)
				}
				load = func() (*project.Project, error) {
					return project.Single(target, edgefn.Runtime(rt), eventType, kvsPath)
				}
			} else if kvsPath != "" || cmd.Flags().Changed("event-type") || cmd.Flags().Changed("runtime") {
				return usageError("--kvs, --event-type and --runtime go with FUNCTION.js; a project names them in its file")
			}
			srv, err := dev.Start(cmd.Context(), dev.Config{Load: load, Origin: origin, Addr: addr, Out: cmd.OutOrStdout(), Colour: isTerminal(cmd.OutOrStdout()), JSON: asJSON})
			if err != nil {
				return usageError("%v", err)
			}
			serving := func() { srv.Message("edgefn dev: serving on " + srv.URL()) }
			if watching {
				// Said once the files are watched: a save after it is seen.
				err = srv.Watch(cmd.Context(), serving)
			} else {
				serving()
				<-cmd.Context().Done()
			}
			if cerr := srv.Close(); err == nil {
				err = cerr
			}
			return err
		},
	}
	cmd.Flags().StringVar(&origin, "origin", "", "the origin: an http(s):// URL or a directory (served as an S3 origin)")
	cmd.Flags().StringVar(&addr, "addr", devDefaultAddr, "where the edge listens (port 0 picks a free one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per request")
	cmd.Flags().BoolVar(&watching, "watch", true, "apply changes to the project's files as they are saved")
	cmd.Flags().StringVar(&rt, "runtime", string(edgefn.RuntimeJS2), "FUNCTION.js: cloudfront-js-1.0 or cloudfront-js-2.0")
	cmd.Flags().StringVar(&eventType, "event-type", "viewer-request", "FUNCTION.js: viewer-request or viewer-response")
	cmd.Flags().StringVar(&kvsPath, "kvs", "", "FUNCTION.js: a KeyValueStore import file for its store")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}
