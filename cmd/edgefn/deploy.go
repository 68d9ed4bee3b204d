package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/edgefn/edgefn/deploy"
	"github.com/edgefn/edgefn/project"
)

func newDeployCommand() *cobra.Command {
	var (
		endpoint      string
		toAWS, dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "deploy [PROJECT.yaml | DIR]",
		Short: "Push a project's functions and KeyValueStores to a CloudFront API",
		Long: `Pushes the project (edgefn.yaml in DIR or the working directory) to a running
edgefn server (--endpoint, env EDGEFN_ENDPOINT) or, with --aws, to the API the
AWS SDK's own settings name (AWS itself; AWS_ENDPOINT_URL, profiles, region):
every store is created if missing and its items synced with its file by
diff, in UpdateKeys batches of at most 50 keys with ETags; every function is
compiled locally, then created or updated with its store associated, and
published. The plan is printed first; --dry-run stops there. Deploying an
unchanged project changes nothing. Distributions are not deployed.

Credentials come from EDGEFN_ACCESS_KEY_ID and EDGEFN_SECRET_ACCESS_KEY when both
are set, otherwise from the standard AWS environment variables and profiles.

Exit status: 0 deployed (or planned, with --dry-run); 1 the API refused a
change; 2 unusable input; 3 a function does not compile (nothing changed).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := ""
			if len(args) == 1 {
				target = args[0]
			}
			path, err := project.Find(target)
			if err != nil {
				return usageError("%v", err)
			}
			p, err := project.Load(path)
			if err != nil {
				return usageError("%v", err)
			}
			if toAWS {
				if cmd.Flags().Changed("endpoint") {
					return usageError("--aws and --endpoint name two targets: give one")
				}
				endpoint = ""
			}
			c, err := newKVSClient(cmd.Context(), endpoint)
			if err != nil {
				return usageError("%v", err)
			}
			clients := deploy.Clients{CloudFront: c.control, KeyValueStore: c.data}
			plan, err := deploy.MakePlan(cmd.Context(), clients, p)
			if ce, ok := errors.AsType[*deploy.CompileError](err); ok {
				return &exitError{code: exitNotCompiled, err: ce}
			}
			if err != nil {
				return fmt.Errorf("plan: %w", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), plan)
			if dryRun || plan.Empty() {
				return nil
			}
			if err := deploy.Apply(cmd.Context(), clients, plan); err != nil {
				return fmt.Errorf("deploy: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deployed")
			return nil
		},
	}
	endpoint = os.Getenv("EDGEFN_ENDPOINT")
	if endpoint == "" {
		endpoint = kvsDefaultEndpoint
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", endpoint, "edgefn API endpoint (env EDGEFN_ENDPOINT)")
	cmd.Flags().BoolVar(&toAWS, "aws", false, "deploy where the AWS SDK's settings point (AWS itself by default)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan only")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}
