package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// defaultWait is how long a command waits for a worker by default, before it says none is
// processing incidents.
const defaultWait = 10 * time.Second

// responderOptions are what every responder command shares: the incident, who is acting, and how
// long a worker has to accept the update.
type responderOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)
	// Now is the clock the update's expiry is read from; nil means time.Now.
	Now func() time.Time

	Key  string
	As   string
	Wait time.Duration
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
		if err := checkWait(o.Wait); err != nil {
			return err
		}
		return fill(cmd)
	}
	cmd.Flags().StringVar(&o.As, "as", "", "`person` acting (required)")
	cmd.Flags().DurationVar(&o.Wait, "wait", defaultWait, "how long a worker has to accept the update (`duration`); "+
		"after that it is never applied")
	return cmd
}

// sendUpdate sends one update to the incident and prints its outcome. request builds the update
// with its expiry: now plus --wait, after which no worker applies it.
func sendUpdate(ctx context.Context, o responderOptions, name string, request func(workflows.Expiry) any) error {
	c, err := o.Starter(ctx)
	if err != nil {
		return err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	req := request(workflows.Expiry{Expires: now().Add(o.Wait).UTC()})
	out, err := c.Update(ctx, o.Key, name, req, o.Wait)
	if err != nil {
		return err
	}
	return writeOutcome(o.IO.Out, o.Key, out)
}

// writeOutcome prints what an update did and where the incident now stands, made printable.
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
	_, err := fmt.Fprintf(w, "%s: %s\n%s\n", printable(key), printable(out.Text), printable(strings.Join(stands, ", ")))
	return err
}
