package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// startOptions are the inputs of incident start.
type startOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)

	Key      string // empty for a generated key
	Service  string
	Title    string
	Type     string
	Labels   map[string]string
	Impact   incident.Impact
	Override *incident.SeverityOverride
	Private  bool
	Output   string
}

// newCmdStart returns incident start; runF replaces startRun in tests.
func newCmdStart(f *Factory, runF func(context.Context, *startOptions) error) *cobra.Command {
	opts := &startOptions{IO: f.IO}
	var impact, labels []string
	var severity, reason, as string
	cmd := &cobra.Command{
		Use:   "start --service SERVICE --title TITLE [flags]",
		Short: "Start an incident",
		Long: "Start an incident and print its key and Web UI link. Starting again with the same --id " +
			"returns the incident already started.",
		Example: `  firebreak incident start --service checkout --title "Checkout returns 500s" \
      --impact customers=some --impact core_degraded=true
  firebreak incident start --service api --title "Login down" --severity sev1 --reason "all logins fail"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := requireFlags(cmd, "service", "title"); err != nil {
				return err
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.Key != "" {
				if err := workflows.ValidateKey(opts.Key); err != nil {
					return usageErrorf("--id: %w", err)
				}
			}
			var err error
			if opts.Impact, err = parseImpact(impact); err != nil {
				return err
			}
			if opts.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			switch {
			case severity != "" && reason == "":
				return usageErrorf("--severity needs --reason")
			case severity == "" && reason != "":
				return usageErrorf("--reason goes with --severity")
			case severity != "":
				sev, err := parseSeverity(severity)
				if err != nil {
					return err
				}
				if as == "" {
					as = "cli"
				}
				opts.Override = &incident.SeverityOverride{Severity: sev, Reason: reason, By: as}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return startRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Service, "service", "", "affected `service` (required)")
	fl.StringVar(&opts.Title, "title", "", "one-line `title` (required)")
	fl.StringVar(&opts.Type, "type", "outage", "incident `type`: outage, degradation, security, ...")
	fl.StringVar(&opts.Key, "id", "", "incident `key` (lowercase letters, digits, dashes); generated when empty")
	fl.StringArrayVar(&impact, "impact", nil, "impact fact `key=value`, repeatable: "+impactKeys)
	fl.StringVar(&severity, "severity", "", "override the assessed `severity`: sev1, sev2 or sev3 (with --reason)")
	fl.StringVar(&reason, "reason", "", "`text` saying why the severity is overridden")
	fl.StringVar(&as, "as", "", "`person` overriding the severity (default \"cli\")")
	fl.StringArrayVar(&labels, "label", nil, "`key=value` label, repeatable")
	fl.BoolVar(&opts.Private, "private", false, "keep the incident off the public status page (/status and its feed)")
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// startRun starts the incident and prints its key and Web UI link.
func startRun(ctx context.Context, opts *startOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	started, err := c.Start(ctx, starter.StartRequest{
		Key: opts.Key, Source: "cli", Service: opts.Service, Type: opts.Type, Title: opts.Title,
		Labels: opts.Labels, Impact: opts.Impact, Override: opts.Override, Private: opts.Private,
	})
	if err != nil {
		return err
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, started)
	}
	verb := "Started incident"
	if started.Existing {
		verb = "Incident already existed:"
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s %s (workflow %s)\nWeb UI: %s\n", printables([]any{verb, started.Key, started.WorkflowID, started.URL})...)
	return err
}
