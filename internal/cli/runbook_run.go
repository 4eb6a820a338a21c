package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// runbookRunOptions are the inputs of runbook run.
type runbookRunOptions struct {
	responderOptions
	Name   string
	Params map[string]string
}

// newCmdRunbookRun returns runbook run; runF replaces runbookRunRun in tests.
func newCmdRunbookRun(f *Factory, runF func(context.Context, *runbookRunOptions) error) *cobra.Command {
	opts := &runbookRunOptions{}
	var params []string
	cmd := &cobra.Command{
		Use:   "run KEY NAME --as PERSON [--param k=v ...]",
		Short: "Run a runbook in an incident, as a child workflow whose history is its audit trail",
		Example: "  firebreak runbook run checkout-7k2m9q ecs-rollback --as alice \\\n" +
			"      --param cluster=prod --param service=checkout-api",
	}
	cmd = responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		parsed, err := parseParams(params)
		if err != nil {
			return err
		}
		opts.Params = parsed
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runbookRunRun(cmd.Context(), opts)
	})
	runE := cmd.RunE
	cmd.Args = usageArgs(cobra.ExactArgs(2))
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Name = args[1]
		return runE(cmd, args[:1])
	}
	cmd.Flags().StringArrayVar(&params, "param", nil, "a param of the run as `name=value` (repeat for more)")
	return cmd
}

// parseParams reads --param name=value flags.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageErrorf("--param %s: write it as name=value", printable(f))
		}
		if _, dup := out[name]; dup {
			return nil, usageErrorf("--param %s given twice", printable(name))
		}
		out[name] = value
	}
	return out, nil
}

// runbookRunRun asks the incident to start the run.
func runbookRunRun(ctx context.Context, opts *runbookRunOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateRunbookRun, func(e workflows.Expiry) any {
		return workflows.RunbookRunRequest{By: opts.As, Name: opts.Name, Params: opts.Params, Expiry: e}
	})
}

// runbookRunID returns the workflow ID of a run of an incident from the incident's list of runs:
// run n, or the latest when n is 0.
func runbookRunID(runs []workflows.RunbookRunRef, key string, n int) (workflows.RunbookRunRef, error) {
	if len(runs) == 0 {
		return workflows.RunbookRunRef{}, fmt.Errorf("incident %s has no runbook runs in its current run", key)
	}
	if n == 0 {
		return runs[len(runs)-1], nil
	}
	for _, r := range runs {
		if r.Run == n {
			return r, nil
		}
	}
	return workflows.RunbookRunRef{}, fmt.Errorf("incident %s has no runbook run %d (it has runs %d to %d)", key, n, runs[0].Run, runs[len(runs)-1].Run)
}
