package cli

import (
	"github.com/spf13/cobra"
)

// newCmdIncident returns the incident command group.
func newCmdIncident(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident <command>",
		Short: "Start, inspect and act on incidents",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(
		newCmdStart(f, nil),
		newCmdList(f, nil),
		newCmdShow(f, nil),
		newCmdAck(f, nil),
		newCmdEscalate(f, nil),
		newCmdAssign(f, nil),
		newCmdSeverity(f, nil),
		newCmdImpact(f, nil),
		newCmdNote(f, nil),
		newCmdStatusUpdate(f, nil),
		newCmdFollowUp(f, nil),
		newCmdCloseReview(f, nil),
		newCmdResolve(f, nil),
		newCmdReview(f, nil),
	)
	return cmd
}
