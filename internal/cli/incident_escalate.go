package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// escalateOptions are the inputs of incident escalate.
type escalateOptions struct {
	responderOptions
	Reason string
}

// newCmdEscalate returns incident escalate; runF replaces escalateRun in tests.
func newCmdEscalate(f *Factory, runF func(context.Context, *escalateOptions) error) *cobra.Command {
	opts := &escalateOptions{}
	cmd := &cobra.Command{
		Use:     "escalate KEY --reason REASON --as PERSON",
		Short:   "Page the next escalation level now",
		Example: `  firebreak incident escalate checkout-7k2m9q --reason "need the database team" --as alice`,
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "`text` saying why the incident is escalated (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "reason"); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return escalateRun(cmd.Context(), opts)
	})
}

// escalateRun escalates the incident.
func escalateRun(ctx context.Context, opts *escalateOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateEscalate, func(e workflows.Expiry) any {
		return workflows.EscalateRequest{By: opts.As, Reason: opts.Reason, Expiry: e}
	})
}
