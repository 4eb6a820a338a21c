package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/policies"
)

// policyTestOptions are the inputs of policy test.
type policyTestOptions struct {
	IO IOStreams

	Dir     string // empty for the built-in policies
	Config  string // configuration file naming a policies directory
	Verbose bool
}

// newCmdPolicyTest returns policy test; runF replaces policyTestRun in tests.
func newCmdPolicyTest(f *Factory, runF func(context.Context, *policyTestOptions) error) *cobra.Command {
	opts := &policyTestOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "test [--dir DIR] [-v]",
		Short: "Run the policies' Rego tests",
		Long: "Run every Rego test beside the policies, the built-in ones or those in --dir, and " +
			"report each failure with its file and line. Exits non-zero when any test fails.",
		Example: "  firebreak policy test\n  firebreak policy test --dir ./policies -v",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return policyTestRun(cmd.Context(), opts)
		},
	}
	addPolicySourceFlags(cmd, &opts.Dir, &opts.Config)
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "list every test, not only failures")
	return cmd
}

// policyTestRun runs the tests and fails when any does.
func policyTestRun(ctx context.Context, opts *policyTestOptions) error {
	bundle, err := loadBundle(opts.Dir, opts.Config)
	if err != nil {
		return err
	}
	passed, failed, err := policies.RunTests(ctx, bundle, opts.IO.Out, opts.Verbose)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d policy tests failed", failed, passed+failed)
	}
	return nil
}
