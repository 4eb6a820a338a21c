package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// responderOptions are what every responder command shares: the incident and who is acting.
type responderOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)

	Key string
	As  string
}

// responderCommand returns a command acting on the incident named by its one argument, with the
// required --as flag. fill checks the command's own flags once the shared ones are read.
func responderCommand(f *Factory, o *responderOptions, cmd *cobra.Command, fill func(*cobra.Command) error) *cobra.Command {
	o.IO = f.IO
	cmd.Args = usageArgs(cobra.ExactArgs(1))
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		o.Starter = f.Starter
		key, err := incidentKey(args)
		if err != nil {
			return err
		}
		o.Key = key
		if err := requireFlags(cmd, "as"); err != nil {
			return err
		}
		return fill(cmd)
	}
	cmd.Flags().StringVar(&o.As, "as", "", "`person` acting (required)")
	return cmd
}

// sendUpdate sends one update to the incident and prints its outcome.
func sendUpdate(ctx context.Context, o responderOptions, name string, req any) error {
	c, err := o.Starter(ctx)
	if err != nil {
		return err
	}
	out, err := c.Update(ctx, o.Key, name, req)
	if err != nil {
		return err
	}
	return writeOutcome(o.IO.Out, o.Key, out)
}

// writeOutcome prints what an update did and where the incident now stands.
func writeOutcome(w io.Writer, key string, out workflows.Outcome) error {
	var stands []string
	if out.Status != "" {
		stands = append(stands, "status "+string(out.Status))
	}
	if out.Severity != "" {
		stands = append(stands, "severity "+string(out.Severity))
	}
	if out.Phase != "" {
		stands = append(stands, "phase "+string(out.Phase))
	}
	if out.Level > 0 {
		stands = append(stands, fmt.Sprintf("escalation level %d", out.Level))
	}
	_, err := fmt.Fprintf(w, "%s: %s\n%s\n", key, out.Text, strings.Join(stands, ", "))
	return err
}
