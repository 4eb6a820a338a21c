package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// runbookValidateOptions are the inputs of runbook validate.
type runbookValidateOptions struct {
	IO IOStreams

	// Paths are runbook files and directories; empty means ./runbooks.
	Paths []string
}

// newCmdRunbookValidate returns runbook validate; runF replaces runbookValidateRun in tests.
func newCmdRunbookValidate(f *Factory, runF func(context.Context, *runbookValidateOptions) error) *cobra.Command {
	opts := &runbookValidateOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check runbook files and report every problem with its file, line and column",
		Long: "Check each runbook file, or each *.yaml and *.yml file of a directory (./runbooks when " +
			"no PATH is given): its YAML, the runbook JSON Schema, each step's action and parameters, " +
			"references to params, the incident and earlier steps' outputs, and the types of " +
			"expressions. Prints each problem as file:line:column: field: message and exits non-zero " +
			"when there is any.",
		Example: "  firebreak runbook validate\n  firebreak runbook validate runbooks/ecs-rollback.yaml ./more-runbooks",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Paths = args
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runbookValidateRun(cmd.Context(), opts)
		},
	}
	return cmd
}

// runbookValidateRun prints a line for each valid runbook and one for each problem, and fails
// when there is any problem.
func runbookValidateRun(_ context.Context, opts *runbookValidateOptions) error {
	paths, err := runbookPaths(opts.Paths)
	if err != nil {
		return err
	}
	files, problems, err := loadRunbooks(paths)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	for _, f := range files {
		fmt.Fprintf(w, "ok\t%s\t%s\t%s\n", safetext.Line(f.Path), f.Runbook.Name, f.Runbook.Hash)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	for _, p := range problems {
		if _, err := fmt.Fprintln(opts.IO.Out, p.Error()); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if len(problems) > 0 {
		return problemSummary(problems)
	}
	if len(files) == 0 {
		return fmt.Errorf("no runbook files in %s", safetext.Line(fmt.Sprint(paths)))
	}
	return nil
}
