// Command edgefn runs CloudFront Functions and KeyValueStores on your own
// machines: `edgefn serve` speaks the AWS APIs and serves viewer traffic,
// `edgefn test` runs a function once offline, `edgefn kvs` edits store items.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		os.Exit(exitCode(err))
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "edgefn",
		Short:         "Self-hosted CloudFront Functions and KeyValueStore",
		SilenceUsage:  true,
		SilenceErrors: false,
		Version:       version(),
	}
	root.AddCommand(newServeCommand(), newTestCommand(), newKVSCommand(), newReplayCommand(), newInitCommand(), newDevCommand(), newDeployCommand())
	return root
}

// exitError carries an exit status other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 1
}

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}
