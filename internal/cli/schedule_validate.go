package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/schedule"
)

// gapHorizon is how far ahead schedule validate looks for times with nobody on call.
const gapHorizon = 14 * 24 * time.Hour

// newCmdSchedule returns the schedule command group.
func newCmdSchedule(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule <command>",
		Short: "Check the on-call schedules of a configuration",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(newCmdScheduleValidate(f, nil))
	return cmd
}

// scheduleValidateOptions are the inputs of schedule validate.
type scheduleValidateOptions struct {
	IO IOStreams
	// Now is the clock the coverage check starts from; nil means time.Now.
	Now func() time.Time

	// Path is the configuration file; empty means the built-in example.
	Path string
	// Compare is the configuration file in use, to tell who the new one puts on call now
	// instead; empty means no comparison.
	Compare string
}

// newCmdScheduleValidate returns schedule validate; runF replaces scheduleValidateRun in tests.
func newCmdScheduleValidate(f *Factory, runF func(context.Context, *scheduleValidateOptions) error) *cobra.Command {
	opts := &scheduleValidateOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check a configuration's schedules and report every problem with its file and line",
		Long: "Check the configuration file at PATH (the built-in example when none is given), its " +
			"schedules and the teams' rotations among the rest: participants the configuration knows, " +
			"time zones, shift lengths, handoff times, restrictions, and layers on one level that " +
			"cover the same instant. Prints each problem as file:line: field: problem and exits " +
			"non-zero when there is any. For a valid file, prints each schedule with its layers and " +
			"teams, and warns of times in the next 14 days when nobody is on call. With --compare, also " +
			"warns of each schedule whose layers put someone else on call now than in the file in use.",
		Example: "  firebreak schedule validate firebreak.yaml\n  firebreak schedule validate new.yaml --compare firebreak.yaml",
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Path = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return scheduleValidateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Compare, "compare", "", "configuration `file` in use, to warn of schedules whose layers put someone else on call now")
	return cmd
}

// scheduleValidateRun prints the configuration's problems, or its schedules and any gaps in
// their coverage.
func scheduleValidateRun(_ context.Context, opts *scheduleValidateOptions) error {
	cfg, err := loadConfig(opts.Path)
	if err != nil {
		var cerr *config.Error
		if !errors.As(err, &cerr) {
			return err
		}
		problems := unjoinErrors(err)
		for _, p := range problems {
			if _, err := fmt.Fprintln(opts.IO.Out, printable(p.Error())); err != nil {
				return fmt.Errorf("write results: %w", err)
			}
		}
		return fmt.Errorf("%s in %s", nounCount(len(problems), "problem"), printable(describeConfig(opts.Path)))
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	teams := map[string][]string{}
	for _, t := range cfg.Teams {
		id, _ := cfg.TeamSchedule(t.ID)
		teams[id] = append(teams[id], t.ID)
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	var warnings []string
	for _, id := range cfg.ScheduleIDs() {
		def, _ := cfg.ScheduleDefinition(id)
		names := make([]string, len(def.Layers))
		for i, l := range def.Layers {
			names[i] = l.Name
		}
		fmt.Fprintf(w, "ok\t%s\t%s: %s\tteams: %s\n", printable(id), nounCount(len(def.Layers), "layer"),
			printable(strings.Join(names, ", ")), printable(orDash(strings.Join(teams[id], ", "))))
		if warning := gapWarning(id, def, now); warning != "" {
			warnings = append(warnings, warning)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if opts.Compare != "" {
		old, err := config.Load(opts.Compare)
		if err != nil {
			return fmt.Errorf("read the configuration to compare with: %w", err)
		}
		warnings = append(warnings, changesNow(old, cfg, now)...)
	}
	for _, warning := range warnings {
		if _, err := fmt.Fprintln(opts.IO.Out, printable(warning)); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	return nil
}

// gapWarning says when, in the gapHorizon from now, the schedule's layers leave nobody on call,
// or returns "".
func gapWarning(id string, def schedule.Schedule, now time.Time) string {
	r, err := schedule.NewRoster(def)
	if err != nil {
		return fmt.Sprintf("warning: schedule %s: %v", id, err)
	}
	gaps, err := r.Gaps(now, now.Add(gapHorizon))
	if err != nil || len(gaps) == 0 {
		return ""
	}
	first := fmt.Sprintf("warning: schedule %s has nobody on call from %s to %s", id, stampMinute(gaps[0].Start), stampMinute(gaps[0].End))
	if len(gaps) > 1 {
		more := "time"
		if len(gaps) > 2 {
			more = "times"
		}
		first += fmt.Sprintf(" and %d more %s in the next %d days", len(gaps)-1, more, int(gapHorizon/(24*time.Hour)))
	}
	return first + ": pages to its teams then reach nobody unless an override covers them"
}

// changesNow warns of each schedule of both configurations whose layers put someone else on
// call at now in cfg than in old: editing a file changes who is on call now only where it says
// so.
func changesNow(old, cfg *config.Config, now time.Time) []string {
	var warnings []string
	for _, id := range cfg.ScheduleIDs() {
		was, ok := old.ScheduleDefinition(id)
		if !ok {
			continue
		}
		is, _ := cfg.ScheduleDefinition(id)
		before, errBefore := schedule.NewRoster(was)
		after, errAfter := schedule.NewRoster(is)
		if errBefore != nil || errAfter != nil {
			continue
		}
		if b, a := before.At(now).Person, after.At(now).Person; a != b {
			warnings = append(warnings, fmt.Sprintf("warning: schedule %s puts %s on call now instead of %s; to make the change later, keep the old "+
				"layer with an end: at a handoff and add the new layer with that start:", id, orNobody(a), orNobody(b)))
		}
	}
	return warnings
}

func orNobody(person string) string {
	if person == "" {
		return "nobody"
	}
	return person
}

// unjoinErrors returns the errors err joins, or err itself.
func unjoinErrors(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}
