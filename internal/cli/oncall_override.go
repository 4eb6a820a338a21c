package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// overrideOptions are the inputs of oncall override.
type overrideOptions struct {
	scheduleOptions

	Schedule  string
	Person    string
	From      string
	To        string
	Replacing string
	Reason    string
	As        string
	Force     bool
}

// newCmdOverride returns oncall override; runF replaces overrideRun in tests.
func newCmdOverride(f *Factory, runF func(context.Context, *overrideOptions) error) *cobra.Command {
	opts := &overrideOptions{scheduleOptions: scheduleOptions{IO: f.IO}}
	cmd := &cobra.Command{
		Use:   "override --schedule S --person P --from T1 --to T2 --as PERSON",
		Short: "Put someone on call for a while, in place of whoever the schedule has on call",
		Long: "Put --person on call from --from until --to on the schedule, in place of whoever its layers " +
			"(and earlier overrides) have on call; with --replacing, only while that person would be on " +
			"call. The override is kept by the schedule's Temporal workflow, whose history records who " +
			"made it, when and why. It is refused when it starts in the past, names someone the " +
			"configuration does not know, or leaves nobody on call at some time between --from and --to " +
			"(say --force to make it anyway).",
		Example: "  firebreak oncall override --schedule payments --person priya --from now --to +8h --reason \"marco is ill\" --as marco\n" +
			"  firebreak oncall override --schedule payments --person tom --replacing giulia --from 2026-12-24T00:00:00+01:00 --to 2026-12-27T00:00:00+01:00 --as giulia",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := requireFlags(cmd, "schedule", "person", "from", "to", "as"); err != nil {
				return err
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			now := time.Now()
			from, err := parseWhen("from", opts.From, now)
			if err != nil {
				return err
			}
			to, err := parseWhen("to", opts.To, now)
			if err != nil {
				return err
			}
			if !to.After(from) {
				return usageErrorf("invalid --to %q: it is not after --from %q", opts.To, opts.From)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return overrideRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Schedule, "schedule", "", "`schedule` ID, or the ID of a team with a rotation (required)")
	fl.StringVar(&opts.Person, "person", "", "`person` to put on call (required)")
	fl.StringVar(&opts.From, "from", "", "start `time`: now, 2026-12-07T09:00:00+01:00 or +2h (required)")
	fl.StringVar(&opts.To, "to", "", "end `time`, as --from (required)")
	fl.StringVar(&opts.Replacing, "replacing", "", "only while this `person` would be on call")
	fl.StringVar(&opts.Reason, "reason", "", "why, for the record (`text`)")
	fl.StringVar(&opts.As, "as", "", "`person` making the override (required)")
	fl.BoolVar(&opts.Force, "force", false, "make the override even if it leaves nobody on call at some time")
	addScheduleFlags(cmd, &opts.scheduleOptions, true)
	return cmd
}

// overrideRun makes the override through the schedule's workflow, starting it if need be.
func overrideRun(ctx context.Context, opts *overrideOptions) error {
	cfg, err := opts.loadSchedule(opts.Schedule)
	if err != nil {
		return err
	}
	now := opts.now()
	from, err := parseWhen("from", opts.From, now)
	if err != nil {
		return err
	}
	to, err := parseWhen("to", opts.To, now)
	if err != nil {
		return err
	}
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	req := workflows.AddOverrideRequest{
		Person: opts.Person, From: from.UTC(), To: to.UTC(), Replacing: opts.Replacing, Reason: opts.Reason,
		By: opts.As, Force: opts.Force, Definition: definition(cfg, opts.Schedule),
		Expiry: workflows.Expiry{Expires: now.Add(opts.Wait).UTC()},
	}
	res, err := updateSchedule(ctx, c.Temporal, opts.Schedule, workflows.UpdateAddOverride, req, opts.Wait, true)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s: %s\n", printable(opts.Schedule), printable(res.Text))
	return err
}

// definition returns what an override update carries of the configuration: the schedule's
// layers and the people.
func definition(cfg *config.Config, id string) workflows.ScheduleDefinition {
	def, _ := cfg.ScheduleDefinition(id)
	return workflows.ScheduleDefinition{Layers: def.Layers, People: cfg.PersonIDs()}
}

// removeOverrideOptions are the inputs of oncall remove-override.
type removeOverrideOptions struct {
	scheduleOptions

	ID       string
	Schedule string
	Reason   string
	As       string
	Force    bool
}

// newCmdRemoveOverride returns oncall remove-override; runF replaces removeOverrideRun in tests.
func newCmdRemoveOverride(f *Factory, runF func(context.Context, *removeOverrideOptions) error) *cobra.Command {
	opts := &removeOverrideOptions{scheduleOptions: scheduleOptions{IO: f.IO}}
	cmd := &cobra.Command{
		Use:   "remove-override ID --schedule S --as PERSON",
		Short: "Remove an override, so the schedule's layers decide again",
		Long: "Remove the override with ID (as `firebreak oncall overrides` lists it) from the schedule. " +
			"It is refused when it would leave nobody on call at some time the override covered from " +
			"now on (say --force to remove it anyway).",
		Example: "  firebreak oncall remove-override o-3 --schedule payments --reason \"marco is back\" --as marco",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			opts.ID = args[0]
			if err := requireFlags(cmd, "schedule", "as"); err != nil {
				return err
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return removeOverrideRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Schedule, "schedule", "", "`schedule` ID, or the ID of a team with a rotation (required)")
	fl.StringVar(&opts.Reason, "reason", "", "why, for the record (`text`)")
	fl.StringVar(&opts.As, "as", "", "`person` removing the override (required)")
	fl.BoolVar(&opts.Force, "force", false, "remove the override even if that leaves nobody on call at some time")
	addScheduleFlags(cmd, &opts.scheduleOptions, true)
	return cmd
}

// removeOverrideRun removes the override through the schedule's workflow.
func removeOverrideRun(ctx context.Context, opts *removeOverrideOptions) error {
	cfg, err := opts.loadSchedule(opts.Schedule)
	if err != nil {
		return err
	}
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	req := workflows.RemoveOverrideRequest{
		ID: opts.ID, Reason: opts.Reason, By: opts.As, Force: opts.Force, Definition: definition(cfg, opts.Schedule),
		Expiry: workflows.Expiry{Expires: opts.now().Add(opts.Wait).UTC()},
	}
	res, err := updateSchedule(ctx, c.Temporal, opts.Schedule, workflows.UpdateRemoveOverride, req, opts.Wait, false)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s: %s\n", printable(opts.Schedule), printable(res.Text))
	return err
}
