package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
	// Now is the clock a --since duration counts back from; nil means time.Now.
	Now func() time.Time

	Filter starter.ListFilter
	Since  since
	Output string
}

// since is a --since value: a duration back from now, or an instant.
type since struct {
	Ago time.Duration
	At  time.Time
}

// maxSinceDays bounds a --since duration in days, so that it cannot overflow.
const maxSinceDays = 36_500

// parseSince reads a --since value: a positive Go duration (90m, 24h), a number of days (7d), an
// RFC 3339 time, or a date (2006-01-02, midnight UTC).
func parseSince(value string) (since, error) {
	bad := func(why string) error {
		return usageErrorf("invalid --since %q: %s", value, why)
	}
	const want = "use a duration such as 24h or 7d, an RFC 3339 time such as 2026-12-01T09:00:00Z, or a date such as 2026-12-01"
	if days, ok := strings.CutSuffix(value, "d"); ok {
		n, err := strconv.Atoi(days)
		switch {
		case err != nil:
			return since{}, bad(want)
		case n < 1 || n > maxSinceDays:
			return since{}, bad(fmt.Sprintf("use 1 to %d days", maxSinceDays))
		}
		return since{Ago: time.Duration(n) * 24 * time.Hour}, nil
	}
	if d, err := time.ParseDuration(value); err == nil {
		if d <= 0 {
			return since{}, bad("use a positive duration")
		}
		return since{Ago: d}, nil
	}
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return since{At: t.UTC()}, nil
	}
	if t, err := time.Parse(time.DateOnly, value); err == nil {
		return since{At: t}, nil
	}
	return since{}, bad(want)
}

// newCmdList returns incident list; runF replaces listRun in tests.
func newCmdList(f *Factory, runF func(context.Context, *listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO}
	var sinceValue string
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List incidents, newest first",
		Long: "List incidents, newest first, from Temporal's visibility: open ones first, then the " +
			"resolved by when they closed. Any --limit up to 100000 is read a page at a time.",
		Example: "  firebreak incident list --status open\n" +
			"  firebreak incident list --since 24h --severity sev1\n" +
			"  firebreak incident list --since 2026-12-01 --service checkout --limit 1000 -o json",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			switch incident.Status(opts.Filter.Status) {
			case "", incident.StatusTriggered, incident.StatusAcknowledged, incident.StatusResolved, starter.StatusOpen:
			default:
				return usageErrorf("invalid --status %q: use open, triggered, acknowledged or resolved", opts.Filter.Status)
			}
			if opts.Filter.Severity != "" {
				sev, err := parseSeverity(opts.Filter.Severity)
				if err != nil {
					return err
				}
				opts.Filter.Severity = string(sev)
			}
			if opts.Filter.Limit < 1 || opts.Filter.Limit > starter.MaxListLimit {
				return usageErrorf("invalid --limit %d: use 1 to %d", opts.Filter.Limit, starter.MaxListLimit)
			}
			if cmd.Flags().Changed("since") {
				var err error
				if opts.Since, err = parseSince(sinceValue); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Filter.Status, "status", "", "only incidents with this `status`: open (triggered or acknowledged), "+
		"triggered, acknowledged or resolved")
	fl.StringVar(&opts.Filter.Severity, "severity", "", "only incidents with this `severity`: sev1, sev2 or sev3")
	fl.StringVar(&opts.Filter.Service, "service", "", "only incidents of this `service`")
	fl.StringVar(&sinceValue, "since", "", "only incidents started in the last `DURATION` (90m, 24h, 7d) or since "+
		"a TIME (RFC 3339, or a date such as 2026-12-01 for midnight UTC)")
	fl.IntVar(&opts.Filter.Limit, "limit", starter.DefaultListLimit, fmt.Sprintf("at most `N` incidents (up to %d)", starter.MaxListLimit))
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// listRun lists the incidents matching the filter as a table or JSON, every text from outside
// made printable.
func listRun(ctx context.Context, opts *listOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	filter := opts.Filter
	switch {
	case opts.Since.Ago > 0:
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		filter.Since = now().Add(-opts.Since.Ago)
	case !opts.Since.At.IsZero():
		filter.Since = opts.Since.At
	}
	rows, err := c.List(ctx, filter)
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printables([]any{r.Key, orDash(r.Severity), orDash(r.Status),
			orDash(r.Phase), orDash(r.Service), stampMinute(r.StartedAt), orDash(title)})...)
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
