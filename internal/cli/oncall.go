package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// scheduleOptions are what the on-call commands share: the configuration whose schedules they
// read, the Temporal client that reaches the schedules' workflows, the clock, and how long a
// worker has to answer.
type scheduleOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)
	// Now is the clock that "now" and relative times are read from; nil means time.Now.
	Now func() time.Time

	ConfigPath string
	Wait       time.Duration
}

// addScheduleFlags adds --config and --wait; change says whether the command changes a schedule.
func addScheduleFlags(cmd *cobra.Command, o *scheduleOptions, change bool) {
	cmd.Flags().StringVar(&o.ConfigPath, "config", "", "configuration `file` whose schedules to use (the worker's); the built-in example when empty")
	wait := "how long a worker has to answer (`duration`)"
	if change {
		wait += "; a change not made by then is never made"
	}
	cmd.Flags().DurationVar(&o.Wait, "wait", defaultWait, wait)
}

func (o *scheduleOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// overrides returns the overrides of a schedule's workflow whose person the configuration knows,
// warning on standard error of each it ignores, as the worker does.
func (o *scheduleOptions) overrides(ctx context.Context, c *starter.Client, cfg *config.Config, id string) ([]workflows.ScheduleOverride, error) {
	all, err := worker.ScheduleOverrides{Temporal: c.Temporal, Namespace: c.Namespace, Timeout: o.Wait}.Overrides(ctx, id)
	if err != nil {
		if timedOutErr(err) {
			return nil, fmt.Errorf("read the overrides of schedule %s: no worker answered within %s", id, o.Wait)
		}
		return nil, fmt.Errorf("read the overrides of schedule %s: %w", id, err)
	}
	return worker.KnownOverrides(cfg, all, func(ov workflows.ScheduleOverride) {
		fmt.Fprintf(o.IO.ErrOut, "firebreak: warning: override %s of schedule %s puts %s on call, who is not in the configuration: it is ignored\n",
			printable(ov.ID), printable(id), printable(ov.Person))
	}), nil
}

// loadSchedule loads the configuration and finds a schedule in it.
func (o *scheduleOptions) loadSchedule(id string) (*config.Config, error) {
	cfg, err := loadConfig(o.ConfigPath)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.ScheduleDefinition(id); !ok {
		return nil, fmt.Errorf("no schedule %q in the configuration (%s): it has %s", id, describeConfig(o.ConfigPath), strings.Join(cfg.ScheduleIDs(), ", "))
	}
	return cfg, nil
}

// parseWhen reads a time flag: "now", an RFC 3339 time such as 2026-12-07T09:00:00+01:00, or a
// duration from now such as +2h or -30m.
func parseWhen(flag, value string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(value)
	switch {
	case v == "" || v == "now":
		return now, nil
	case v[0] == '+' || v[0] == '-':
		d, err := time.ParseDuration(v)
		if err == nil {
			return now.Add(d), nil
		}
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("invalid --%s %q: use now, a time such as 2026-12-07T09:00:00+01:00, or a duration from now such as +2h or -30m", flag, value)
}

// updateSchedule sends an override update to a schedule's workflow, starting the workflow first
// when start is set, and waits up to wait for its result.
func updateSchedule(ctx context.Context, c client.Client, id, name string, req any, wait time.Duration, start bool) (workflows.OverrideResult, error) {
	opCtx, cancel := withWaitCtx(ctx, wait)
	defer cancel()
	update := client.UpdateWorkflowOptions{
		WorkflowID: workflows.ScheduleWorkflowID(id), UpdateName: name, Args: []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var handle client.WorkflowUpdateHandle
	var err error
	if start {
		op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID:                       workflows.ScheduleWorkflowID(id),
			TaskQueue:                workflows.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			StaticSummary:            "On-call schedule " + id + ": its overrides",
		}, workflows.ScheduleWorkflowName, workflows.ScheduleInput{Schedule: id})
		handle, err = c.UpdateWithStartWorkflow(opCtx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: update})
	} else {
		handle, err = c.UpdateWorkflow(opCtx, update)
	}
	var res workflows.OverrideResult
	if err == nil {
		err = handle.Get(opCtx, &res)
	}
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		return workflows.OverrideResult{}, fmt.Errorf("%s on schedule %s: %w", name, id, ctx.Err())
	case errors.As(err, new(*serviceerror.NotFound)):
		return workflows.OverrideResult{}, fmt.Errorf("%s on schedule %s: the schedule has no overrides", name, id)
	case timedOutErr(err) || opCtx.Err() != nil:
		return workflows.OverrideResult{}, fmt.Errorf("%s on schedule %s: no worker answered within %s, and the change expires then, so no worker makes it later; "+
			"see `firebreak oncall overrides --schedule %s`", name, id, wait, id)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return workflows.OverrideResult{}, fmt.Errorf("%s rejected: %s", name, app.Message())
	}
	return workflows.OverrideResult{}, fmt.Errorf("%s on schedule %s: %w", name, id, err)
}

// withWaitCtx bounds ctx by wait, unless wait is 0 or less.
func withWaitCtx(ctx context.Context, wait time.Duration) (context.Context, context.CancelFunc) {
	if wait <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, wait)
}

// timedOutErr reports whether err says a request ran out of time.
func timedOutErr(err error) bool {
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timeout) && !errors.Is(err, context.Canceled) ||
		errors.As(err, new(*serviceerror.DeadlineExceeded))
}

// oncallOptions are the inputs of oncall.
type oncallOptions struct {
	scheduleOptions

	Team   string
	At     string
	Output string
}

// newCmdOncall returns the oncall command, which shows who is on call, and groups the override
// commands; runF replaces oncallRun in tests.
func newCmdOncall(f *Factory, runF func(context.Context, *oncallOptions) error) *cobra.Command {
	opts := &oncallOptions{scheduleOptions: scheduleOptions{IO: f.IO}}
	cmd := &cobra.Command{
		Use:   "oncall [--team TEAM] [--at TIME]",
		Short: "Show who is on call, since and until when, and why; make and list overrides",
		Long: "Show, for each team of the configuration (or the one asked), who its schedule has on call " +
			"now or at --at: since and until when, and whether a layer of the schedule or an override " +
			"puts them there. The layers come from the configuration (--config, the same file the " +
			"worker runs with); the overrides from the schedule's Temporal workflow, which the worker " +
			"reads too when it pages.",
		Example: "  firebreak oncall\n  firebreak oncall --team payments --at +12h -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Starter = f.Starter
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			if _, err := parseWhen("at", opts.At, time.Now()); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return oncallRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Team, "team", "", "only this `team`")
	cmd.Flags().StringVar(&opts.At, "at", "now", "the `time` to ask about: now, 2026-12-07T09:00:00+01:00, +2h, -30m")
	addScheduleFlags(cmd, &opts.scheduleOptions, false)
	addOutputFlag(cmd, &opts.Output)
	cmd.AddCommand(newCmdOverride(f, nil), newCmdOverrides(f, nil), newCmdRemoveOverride(f, nil))
	return cmd
}

// onCallRow is who one team has on call.
type onCallRow struct {
	Team     string `json:"team"`
	Schedule string `json:"schedule"`
	// Person is "" when nobody is on call.
	Person string `json:"person,omitempty"`
	// Since and Until bound the stretch; a missing Since means always, a missing Until never.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Layer or Override says what puts Person on call.
	Layer    string                      `json:"layer,omitempty"`
	Override *workflows.ScheduleOverride `json:"override,omitempty"`
}

// onCallAnswer is what oncall -o json prints.
type onCallAnswer struct {
	At    time.Time   `json:"at"`
	Teams []onCallRow `json:"teams"`
}

// oncallRun shows who each team has on call.
func oncallRun(ctx context.Context, opts *oncallOptions) error {
	cfg, err := loadConfig(opts.ConfigPath)
	if err != nil {
		return err
	}
	at, err := parseWhen("at", opts.At, opts.now())
	if err != nil {
		return err
	}
	teams := cfg.Teams
	if opts.Team != "" {
		t, ok := cfg.Team(opts.Team)
		if !ok {
			return fmt.Errorf("no team %q in the configuration (%s)", opts.Team, describeConfig(opts.ConfigPath))
		}
		teams = []config.Team{t}
	}
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	answer := onCallAnswer{At: at.UTC(), Teams: []onCallRow{}}
	read := map[string][]workflows.ScheduleOverride{}
	for _, t := range teams {
		id, _ := cfg.TeamSchedule(t.ID)
		overrides, done := read[id]
		if !done {
			if overrides, err = opts.overrides(ctx, c, cfg, id); err != nil {
				return err
			}
			read[id] = overrides
		}
		got, err := worker.ScheduleOnCall(cfg, id, overrides, at)
		if err != nil {
			return err
		}
		row := onCallRow{Team: t.ID, Schedule: id, Person: got.Person, Since: got.Since, Until: got.Until}
		if i := got.Source.Layer; i >= 0 {
			row.Layer = got.Definition.Layers[i].Name
		}
		if i := got.Source.Override; i >= 0 {
			row.Override = &got.Overrides[i]
		}
		answer.Teams = append(answer.Teams, row)
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, answer)
	}
	return writeOnCall(opts.IO.Out, answer)
}

// writeOnCall prints who is on call as a table.
func writeOnCall(out io.Writer, answer onCallAnswer) error {
	fmt.Fprintf(out, "On call at %s:\n", stampMinute(answer.At))
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TEAM\tSCHEDULE\tON CALL\tSINCE\tUNTIL\tBECAUSE OF")
	for _, r := range answer.Teams {
		person, because := r.Person, "nobody: no layer covers this time"
		switch {
		case r.Override != nil:
			because = fmt.Sprintf("override %s by %s", r.Override.ID, r.Override.By)
			if r.Override.Reason != "" {
				because += ": " + r.Override.Reason
			}
		case r.Layer != "":
			because = "layer " + r.Layer
		}
		since, until := stampMinute(r.Since), stampMinute(r.Until)
		if r.Since.IsZero() {
			since = "always"
		}
		if r.Until.IsZero() {
			until = "never"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", printable(r.Team), printable(r.Schedule), printable(orDash(person)), since, until, printable(because))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write on-call: %w", err)
	}
	return nil
}
