package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Output formats of report.
const (
	formatTable = "table"
	formatHTML  = "html"
)

// defaultReportLimit is how many incidents a report reads unless --limit says otherwise.
const defaultReportLimit = 500

// reportOptions are the inputs of report.
type reportOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)
	// Now is the end of the period and the clock --since counts back from; nil means time.Now.
	Now func() time.Time

	Since   since
	Service string
	Limit   int
	Output  string
}

// newCmdReport returns report; runF replaces reportRun in tests.
func newCmdReport(f *Factory, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{IO: f.IO}
	var sinceValue string
	cmd := &cobra.Command{
		Use:   "report [flags]",
		Short: "Report MTTA, MTTR and target breaches over a period",
		Long: "Report the response figures of the incidents that started since --since: MTTA (first " +
			"acknowledgement less first page), MTTR (resolution less start), counts by severity (the most " +
			"severe each incident had) and by service, and every response or resolution target missed, " +
			"including open incidents already past a target. Incidents come from Temporal's visibility, " +
			"newest first and at most --limit of them, and each one's figures from its workflow history. " +
			"-o html writes one page with SVG charts of incidents over time and MTTA and MTTR by severity.",
		Example: "  firebreak report --since 30d\n" +
			"  firebreak report --since 7d --service checkout -o json\n" +
			"  firebreak report --since 2026-11-01 -o html > report.html",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			var err error
			if opts.Since, err = parseSince(sinceValue); err != nil {
				return err
			}
			if opts.Service != "" && workflows.ValidateKey(opts.Service) != nil {
				return usageErrorf("invalid --service %q: use lowercase letters, digits and dashes", opts.Service)
			}
			if opts.Limit < 1 || opts.Limit > starter.MaxReportIncidents {
				return usageErrorf("invalid --limit %d: use 1 to %d", opts.Limit, starter.MaxReportIncidents)
			}
			switch opts.Output {
			case formatTable, formatJSON, formatHTML:
			default:
				return usageErrorf("invalid --output %q: use table, json or html", opts.Output)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&sinceValue, "since", "30d", "the period's start: a `duration` back from now (24h, 30d), an RFC 3339 time or a date")
	cmd.Flags().StringVar(&opts.Service, "service", "", "only this `service`")
	cmd.Flags().IntVar(&opts.Limit, "limit", defaultReportLimit, "read at most this many incidents (`n`), the newest")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", formatTable, "output `format`: table, json or html")
	return cmd
}

// reportRun reads the incidents of the period and writes their report.
func reportRun(ctx context.Context, opts *reportOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	until := now().UTC()
	from := opts.Since.At
	if opts.Since.Ago > 0 {
		from = until.Add(-opts.Since.Ago)
	}
	r, err := c.Report(ctx, starter.ListFilter{Service: opts.Service, Since: from, Limit: opts.Limit}, until)
	if err != nil {
		return err
	}
	switch opts.Output {
	case formatJSON:
		return writeJSON(opts.IO.Out, r)
	case formatHTML:
		return r.WriteHTML(opts.IO.Out)
	default:
		return r.WriteTable(opts.IO.Out)
	}
}
