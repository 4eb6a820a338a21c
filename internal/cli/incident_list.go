package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
)

// listOptions are the inputs of incident list.
type listOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)

	Filter starter.ListFilter
	Output string
}

// newCmdList returns incident list; runF replaces listRun in tests.
func newCmdList(f *Factory, runF func(context.Context, *listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List incidents, newest first",
		Example: "  firebreak incident list --status triggered\n" +
			"  firebreak incident list --severity sev1 --service checkout -o json",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			switch incident.Status(opts.Filter.Status) {
			case "", incident.StatusTriggered, incident.StatusAcknowledged, incident.StatusResolved:
			default:
				return usageErrorf("invalid --status %q: use triggered, acknowledged or resolved", opts.Filter.Status)
			}
			if opts.Filter.Severity != "" {
				sev, err := parseSeverity(opts.Filter.Severity)
				if err != nil {
					return err
				}
				opts.Filter.Severity = string(sev)
			}
			if opts.Filter.Limit < 1 {
				return usageErrorf("invalid --limit %d: use 1 or more", opts.Filter.Limit)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Filter.Status, "status", "", "only incidents with this `status`: triggered, acknowledged or resolved")
	fl.StringVar(&opts.Filter.Severity, "severity", "", "only incidents with this `severity`: sev1, sev2 or sev3")
	fl.StringVar(&opts.Filter.Service, "service", "", "only incidents of this `service`")
	fl.IntVar(&opts.Filter.Limit, "limit", 100, "at most `N` incidents")
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// listRun lists the incidents matching the filter as a table or JSON.
func listRun(ctx context.Context, opts *listOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	rows, err := c.List(ctx, opts.Filter)
	if err != nil {
		return err
	}
	if opts.Output == formatJSON {
		if rows == nil {
			rows = []starter.Listed{}
		}
		return writeJSON(opts.IO.Out, rows)
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(opts.IO.Out, "No incidents match.")
		return err
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tSEVERITY\tSTATUS\tPHASE\tSERVICE\tSTARTED\tTITLE")
	for _, r := range rows {
		title := r.Title
		if title == "" {
			title = r.Summary
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Key, orDash(r.Severity), orDash(r.Status),
			orDash(r.Phase), orDash(r.Service), stampMinute(r.StartedAt), oneLine(title))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write list: %w", err)
	}
	return nil
}

// stampMinute formats a time in UTC to the minute; the zero time is a dash.
func stampMinute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
