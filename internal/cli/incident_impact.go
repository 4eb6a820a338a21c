package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// impactOptions are the inputs of incident impact.
type impactOptions struct {
	responderOptions
	Impact incident.Impact
}

// newCmdImpact returns incident impact; runF replaces impactRun in tests.
func newCmdImpact(f *Factory, runF func(context.Context, *impactOptions) error) *cobra.Command {
	opts := &impactOptions{}
	var impact []string
	cmd := &cobra.Command{
		Use:   "impact KEY --impact KEY=VALUE... --as PERSON",
		Short: "Report new impact facts, which reassess the severity",
		Example: "  firebreak incident impact checkout-7k2m9q --impact customers=all --impact data_loss=true --as alice\n" +
			"  firebreak incident impact checkout-7k2m9q --impact support_cases=12 --as alice",
	}
	cmd.Flags().StringArrayVar(&impact, "impact", nil, "impact fact `key=value`, repeatable (required): "+impactKeys)
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if len(impact) == 0 {
			return usageErrorf("required flag --impact not set")
		}
		var err error
		if opts.Impact, err = parseImpact(impact); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return impactRun(cmd.Context(), opts)
	})
}

// impactRun reports the impact facts.
func impactRun(ctx context.Context, opts *impactOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateImpact, func(e workflows.Expiry) any {
		return workflows.ImpactRequest{By: opts.As, Impact: opts.Impact, Expiry: e}
	})
}
