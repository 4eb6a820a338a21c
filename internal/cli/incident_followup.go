package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// followUpOptions are the inputs of incident follow-up.
type followUpOptions struct {
	responderOptions
	Owner string
	Text  string
}

// newCmdFollowUp returns incident follow-up; runF replaces followUpRun in tests.
func newCmdFollowUp(f *Factory, runF func(context.Context, *followUpOptions) error) *cobra.Command {
	opts := &followUpOptions{}
	cmd := &cobra.Command{
		Use:     "follow-up KEY --owner PERSON --text TEXT --as PERSON",
		Short:   "Add a follow-up action, with its owner, to an incident's review",
		Example: `  firebreak incident follow-up checkout-7k2m9q --owner tom --text "alert when the pool is 80% used" --as ana`,
	}
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "the `person` who owns the action (required)")
	cmd.Flags().StringVar(&opts.Text, "text", "", "what is to be done (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "owner", "text"); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return followUpRun(cmd.Context(), opts)
	})
}

// followUpRun adds the action.
func followUpRun(ctx context.Context, opts *followUpOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateFollowUp, func(e workflows.Expiry) any {
		return workflows.FollowUpRequest{By: opts.As, Owner: opts.Owner, Text: opts.Text, Expiry: e}
	})
}
