package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// severityOptions are the inputs of incident severity.
type severityOptions struct {
	responderOptions
	Severity incident.Severity
	Reason   string
}

// newCmdSeverity returns incident severity; runF replaces severityRun in tests.
func newCmdSeverity(f *Factory, runF func(context.Context, *severityOptions) error) *cobra.Command {
	opts := &severityOptions{}
	var severity string
	cmd := &cobra.Command{
		Use:     "severity KEY --severity SEV --reason REASON --as PERSON",
		Short:   "Override an incident's assessed severity",
		Example: `  firebreak incident severity checkout-7k2m9q --severity sev1 --reason "payments failing" --as alice`,
	}
	cmd.Flags().StringVar(&severity, "severity", "", "`severity`: sev1, sev2 or sev3 (required)")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "`text` saying why the severity is overridden (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "severity", "reason"); err != nil {
			return err
		}
		var err error
		if opts.Severity, err = parseSeverity(severity); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return severityRun(cmd.Context(), opts)
	})
}

// severityRun overrides the severity.
func severityRun(ctx context.Context, opts *severityOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateSeverity, func(e workflows.Expiry) any {
		return workflows.SeverityRequest{By: opts.As, Severity: opts.Severity, Reason: opts.Reason, Expiry: e}
	})
}
