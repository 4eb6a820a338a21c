package cli

import (
	"github.com/spf13/cobra"
)

// newCmdAlert returns the alert command group.
func newCmdAlert(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert <command>",
		Short: "Send alerts to a running Firebreak",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(newCmdAlertSend(f, nil))
	return cmd
}
