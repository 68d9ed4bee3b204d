package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edgefn/edgefn/project"
)

func newInitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a starter project: a function, its KeyValueStore, tests and a site",
		Long: `Writes a starter project into DIR (default: the working directory): edgefn.yaml,
a viewer-request function reading a KeyValueStore, the store's import file, two
test cases and a directory origin. Nothing is written if any file exists.
Then: edgefn test, edgefn dev.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			files, err := project.WriteStarter(dir)
			if err != nil {
				return usageError("%v", err)
			}
			for _, f := range files {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", f)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "next: edgefn test %s; edgefn dev %s\n", dir, dir)
			return nil
		},
	}
}
