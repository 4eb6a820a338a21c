package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// ackOptions are the inputs of incident ack.
type ackOptions struct {
	responderOptions
}

// newCmdAck returns incident ack; runF replaces ackRun in tests.
func newCmdAck(f *Factory, runF func(context.Context, *ackOptions) error) *cobra.Command {
	opts := &ackOptions{}
	cmd := &cobra.Command{
		Use:     "ack KEY --as PERSON",
		Short:   "Acknowledge an incident, stopping its escalation",
		Example: "  firebreak incident ack checkout-7k2m9q --as alice",
	}
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return ackRun(cmd.Context(), opts)
	})
}

// ackRun acknowledges the incident.
func ackRun(ctx context.Context, opts *ackOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateAcknowledge, func(e workflows.Expiry) any {
		return workflows.AckRequest{By: opts.As, Expiry: e}
	})
}
