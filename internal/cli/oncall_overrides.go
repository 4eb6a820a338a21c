package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// overridesOptions are the inputs of oncall overrides.
type overridesOptions struct {
	scheduleOptions

	Schedule string
	Output   string
}

// newCmdOverrides returns oncall overrides; runF replaces overridesRun in tests.
func newCmdOverrides(f *Factory, runF func(context.Context, *overridesOptions) error) *cobra.Command {
	opts := &overridesOptions{scheduleOptions: scheduleOptions{IO: f.IO}}
	cmd := &cobra.Command{
		Use:   "overrides --schedule S",
		Short: "List a schedule's overrides that are in force or to come",
		Long: "List the overrides of a schedule that have not ended, in the order they were made (a later " +
			"one wins where two overlap), with who made each and why. The schedule's workflow history " +
			"in the Web UI holds every change ever made.",
		Example: "  firebreak oncall overrides --schedule payments\n  firebreak oncall overrides --schedule payments -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := requireFlags(cmd, "schedule"); err != nil {
				return err
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return overridesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Schedule, "schedule", "", "`schedule` ID, or the ID of a team with a rotation (required)")
	addScheduleFlags(cmd, &opts.scheduleOptions, false)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// overridesRun lists the schedule's overrides that have not ended.
func overridesRun(ctx context.Context, opts *overridesOptions) error {
	cfg, err := opts.loadSchedule(opts.Schedule)
	if err != nil {
		return err
	}
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	all, err := opts.overrides(ctx, c, cfg, opts.Schedule)
	if err != nil {
		return err
	}
	now := opts.now()
	current := []workflows.ScheduleOverride{}
	for _, o := range all {
		if o.End.After(now) {
			current = append(current, o)
		}
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, current)
	}
	if len(current) == 0 {
		_, err := fmt.Fprintf(opts.IO.Out, "Schedule %s has no overrides in force or to come.\n", printable(opts.Schedule))
		return err
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPERSON\tREPLACING\tFROM\tTO\tBY\tMADE\tREASON")
	for _, o := range current {
		reason := o.Reason
		if o.Forced {
			reason = "(forced through a gap) " + reason
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(o.ID), printable(o.Person), printable(orDash(o.Replacing)),
			stampMinute(o.Start), stampMinute(o.End), printable(o.By), stampMinute(o.MadeAt), printable(orDash(reason)))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write overrides: %w", err)
	}
	return nil
}
