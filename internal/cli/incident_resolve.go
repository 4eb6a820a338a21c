package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// resolveOptions are the inputs of incident resolve.
type resolveOptions struct {
	responderOptions
	Summary string
}

// newCmdResolve returns incident resolve; runF replaces resolveRun in tests.
func newCmdResolve(f *Factory, runF func(context.Context, *resolveOptions) error) *cobra.Command {
	opts := &resolveOptions{}
	cmd := &cobra.Command{
		Use:     "resolve KEY --summary SUMMARY --as PERSON",
		Short:   "Declare an incident's impact over",
		Example: `  firebreak incident resolve checkout-7k2m9q --summary "rolled back release 412" --as alice`,
	}
	cmd.Flags().StringVar(&opts.Summary, "summary", "", "`text` saying how the impact ended (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "summary"); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return resolveRun(cmd.Context(), opts)
	})
}

// resolveRun resolves the incident.
func resolveRun(ctx context.Context, opts *resolveOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateResolve, func(e workflows.Expiry) any {
		return workflows.ResolveRequest{By: opts.As, Summary: opts.Summary, Expiry: e}
	})
}
