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
		endpoint             string
		toAWS, dryRun, prune bool
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
published. The plan is printed first, naming the keys put (+ new, ~ changed)
and deleted (-) and the ARN of each function and store; --dry-run stops there.
The ARNs of what a deploy creates are printed after it. Deploying an unchanged
project changes nothing. Distributions are not deployed.

--prune also deletes every function and store of the account that the project
does not name (they are listed in the plan): use it when the account, or the
edgefn server, is the project's alone. A function a distribution still uses
cannot be deleted: detach it first.

Credentials come from EDGEFN_ACCESS_KEY_ID and EDGEFN_SECRET_ACCESS_KEY when both
are set; for a loopback endpoint with no AWS credentials in the environment,
from the development key pair edgefn serve accepts there; otherwise from the
standard AWS environment variables and profiles.

Exit status: 0 deployed (or planned, with --dry-run); 1 the API refused a
change; 2 unusable input (a project, function or store file that cannot be
used; nothing changed); 3 a function does not compile (nothing changed).`,
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
			plan, err := deploy.MakePlan(cmd.Context(), clients, p, deploy.Options{Prune: prune})
			if ce, ok := errors.AsType[*deploy.CompileError](err); ok {
				return &exitError{code: exitNotCompiled, err: ce}
			}
			if ie, ok := errors.AsType[*deploy.InputError](err); ok {
				return usageError("%v", ie)
			}
			if err != nil {
				return fmt.Errorf("plan: %w", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), plan)
			if dryRun || plan.Empty() {
				return nil
			}
			err = deploy.Apply(cmd.Context(), clients, plan)
			fmt.Fprint(cmd.OutOrStdout(), plan.Created()) // also what a failed deploy left
			if err != nil {
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
	cmd.Flags().BoolVar(&prune, "prune", false, "delete the account's functions and stores the project does not name")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	return cmd
}
