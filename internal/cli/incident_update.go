package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// statusUpdateOptions are the inputs of incident update.
type statusUpdateOptions struct {
	responderOptions
	Public   string
	Internal string
}

// newCmdStatusUpdate returns incident update; runF replaces statusUpdateRun in tests.
func newCmdStatusUpdate(f *Factory, runF func(context.Context, *statusUpdateOptions) error) *cobra.Command {
	opts := &statusUpdateOptions{}
	cmd := &cobra.Command{
		Use:   "update KEY [--public TEXT] [--internal TEXT] --as PERSON",
		Short: "Post a status update to customers, stakeholders or both",
		Long: `Post a status update. --public goes to customers (the status page and its feed), --internal to
responders and stakeholders. With neither, the templates go out: the internal one always, the public
one once the incident is confirmed. The communication policy decides who may post a public update
(by default the communications lead or the commander of a sev1 or sev2 incident) and how often one is
due; a public update restarts that clock.`,
		Example: `  firebreak incident update checkout-7k2m9q --public "We have found the cause and are rolling back." --as lena
  firebreak incident update checkout-7k2m9q --internal "Database failover finished." --as tom`,
	}
	cmd.Flags().StringVar(&opts.Public, "public", "", "the public update's `text`, for customers")
	cmd.Flags().StringVar(&opts.Internal, "internal", "", "the internal update's `text`, for responders and stakeholders")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		for name, text := range map[string]string{"public": opts.Public, "internal": opts.Internal} {
			if len(text) > incident.MaxUpdateText {
				return usageErrorf("--%s is %d bytes; at most %d", name, len(text), incident.MaxUpdateText)
			}
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return statusUpdateRun(cmd.Context(), opts)
	})
}

// statusUpdateRun posts the update.
func statusUpdateRun(ctx context.Context, opts *statusUpdateOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdatePost, func(e workflows.Expiry) any {
		return workflows.PostUpdateRequest{By: opts.As, Public: opts.Public, Internal: opts.Internal, Expiry: e}
	})
}
