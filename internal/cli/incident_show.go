package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// showOptions are the inputs of incident show.
type showOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)

	// Now is the clock who is on call is asked at; nil means time.Now.
	Now func() time.Time

	Key        string
	Output     string
	Wait       time.Duration
	ConfigPath string
}

// newCmdShow returns incident show; runF replaces showRun in tests.
func newCmdShow(f *Factory, runF func(context.Context, *showOptions) error) *cobra.Command {
	opts := &showOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "show KEY",
		Short: "Show an incident's state, responders and timeline",
		Long: "Show an incident's state, responders and timeline as a worker answers the state query, " +
			"and who the engaged teams and schedules have on call now (the same lookup as firebreak oncall: " +
			"the layers of --config, the overrides of the schedules' workflows). " +
			"KEY is the incident's key or its workflow ID (incident-KEY). When no worker answers within " +
			"--wait, show what Temporal itself knows (search attributes, memo, start and close) and say so " +
			"on standard error; the command still succeeds.",
		Example: "  firebreak incident show checkout-7k2m9q\n" +
			"  firebreak incident show incident-checkout-7k2m9q -o json",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			var err error
			if opts.Key, err = incidentKey(args); err != nil {
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
			return showRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().DurationVar(&opts.Wait, "wait", defaultWait, "how long a worker has to answer (`duration`) "+
		"before showing what Temporal's visibility knows")
	cmd.Flags().StringVar(&opts.ConfigPath, "config", "", "configuration `file` whose schedules say who is on call (the worker's); the built-in example when empty")
	return cmd
}

// noWorkerShowing is the note show writes when no worker answers and it falls back to what
// Temporal knows.
const noWorkerShowing = "no worker is processing incidents: showing what Temporal's visibility knows"

// showRun queries the incident's state and prints it; when no worker answers, it prints what
// Temporal knows instead, with a note on the error stream.
func showRun(ctx context.Context, opts *showOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	s, err := c.State(ctx, opts.Key, opts.Wait)
	if errors.Is(err, starter.ErrNoWorker) {
		return showDescribed(ctx, opts, c)
	}
	if err != nil {
		return err
	}
	onCall := engagedOnCall(ctx, opts, c, s)
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, showReport{State: s, OnCall: onCall})
	}
	id := s.WorkflowID
	if id == "" {
		id = workflows.WorkflowID(opts.Key)
	}
	return writeReport(opts.IO.Out, s, onCall, c.WorkflowURL(id))
}

// showReport is show's JSON: the incident's state and who its engaged teams and schedules have
// on call now.
type showReport struct {
	workflows.State
	OnCall []onCallTarget `json:"on_call,omitempty"`
}

// onCallTarget is who one engaged team or schedule has on call, until when and why.
type onCallTarget struct {
	Target   string    `json:"target"`
	Schedule string    `json:"schedule,omitempty"`
	Person   string    `json:"person,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	Why      string    `json:"why"`
}

// engagedOnCall returns who the teams and schedules of an open incident's plan have on call now,
// through the same lookup as firebreak oncall. What it cannot find out it says on the error
// stream and leaves out: the incident's report never waits on it.
func engagedOnCall(ctx context.Context, opts *showOptions, c *starter.Client, s workflows.State) []onCallTarget {
	var targets []incident.Target
	for _, tier := range s.Plan.Tiers {
		for _, t := range tier {
			if t.Person == "" && !slices.Contains(targets, t) {
				targets = append(targets, t)
			}
		}
	}
	if len(targets) == 0 || s.Status == incident.StatusResolved {
		return nil
	}
	warn := func(err error) {
		fmt.Fprintf(opts.IO.ErrOut, "firebreak: warning: cannot say who is on call: %s\n", printable(err.Error()))
	}
	cfg, err := loadConfig(opts.ConfigPath)
	if err != nil {
		warn(err)
		return nil
	}
	sched := scheduleOptions{IO: opts.IO, Starter: opts.Starter, Now: opts.Now, ConfigPath: opts.ConfigPath, Wait: opts.Wait}
	now := sched.now()
	var out []onCallTarget
	for _, t := range targets {
		row := onCallTarget{Target: t.String(), Schedule: t.Schedule}
		if t.Team != "" {
			if id, ok := cfg.TeamSchedule(t.Team); ok {
				row.Schedule = id
			}
		}
		if _, ok := cfg.ScheduleDefinition(row.Schedule); !ok {
			row.Why = "not in the configuration (" + describeConfig(opts.ConfigPath) + ")"
			out = append(out, row)
			continue
		}
		overrides, err := sched.overrides(ctx, c, cfg, row.Schedule)
		if err != nil {
			warn(err)
			return nil
		}
		answer, err := worker.ScheduleOnCall(cfg, row.Schedule, overrides, now)
		if err != nil {
			warn(err)
			return nil
		}
		row.Person, row.Until, row.Why = answer.Person, answer.Until, answer.Why(row.Schedule)
		if answer.Person == "" {
			row.Why = "nobody is on call"
		}
		out = append(out, row)
	}
	return out
}

// describedReport is show's JSON when no worker answered: what Temporal knows, and why that is all.
type describedReport struct {
	Problem string `json:"problem"`
	starter.Described
}

// showDescribed prints what Temporal knows of the incident without a worker, every text from
// outside made printable.
func showDescribed(ctx context.Context, opts *showOptions, c *starter.Client) error {
	describeCtx, cancel := context.WithTimeout(ctx, opts.Wait)
	defer cancel()
	d, err := c.Describe(describeCtx, opts.Key)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, noWorkerShowing)
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, describedReport{Problem: noWorkerShowing, Described: d})
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	line := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", printables(a)...) }
	line("%s", orDash(d.Title))
	line("  key\t%s (workflow %s)", d.Key, d.WorkflowID)
	line("  summary\t%s", orDash(d.Summary))
	line("  service\t%s (%s)", orDash(d.Service), orDash(d.Type))
	line("  severity\t%s", orDash(d.Severity))
	line("  status\t%s", orDash(d.Status))
	line("  phase\t%s", orDash(d.Phase))
	if d.Level > 0 {
		line("  escalation\tlevel %d", d.Level)
	} else {
		line("  escalation\tnot paged yet")
	}
	line("  commander\t%s", orDash(d.Commander))
	line("  started\t%s", stamp(d.StartedAt))
	if d.ClosedAt != nil {
		line("  workflow\t%s at %s", d.Workflow, stamp(*d.ClosedAt))
	} else {
		line("  workflow\t%s", d.Workflow)
	}
	line("\nResponders, roles, metrics and the timeline need a worker to answer.")
	line("Web UI: %s", d.URL)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeReport prints an incident's state for people, section by section, every text from
// outside made printable.
func writeReport(out io.Writer, s workflows.State, onCall []onCallTarget, url string) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	line := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", printables(a)...) }

	line("%s", orDash(s.Title))
	line("  key\t%s (workflow %s)", s.Key, orDash(s.WorkflowID))
	line("  service\t%s (%s, from %s)", orDash(s.Service), orDash(s.Type), orDash(s.Source))
	line("  severity\t%s", orDash(string(s.Severity)))
	for _, reason := range s.SeverityReasons {
		line("  \t- %s", reason)
	}
	if s.Override != nil {
		line("  override\t%s by %s: %s", s.Override.Severity, orDash(s.Override.By), s.Override.Reason)
	}
	line("  impact\t%s", s.Impact)
	line("  status\t%s", orDash(string(s.Status)))
	if s.AcknowledgedBy != "" {
		acked := s.AcknowledgedBy
		if s.AcknowledgedAt != nil {
			acked += " at " + stamp(*s.AcknowledgedAt)
		}
		line("  acknowledged\tby %s", acked)
	}
	line("  phase\t%s", orDash(string(s.Phase)))
	line("  escalation\t%s", escalation(s))
	if s.AckDeadline != nil {
		line("  ack due\t%s", stamp(*s.AckDeadline))
	}
	if s.DeferredUntil != nil {
		line("  paging deferred\tuntil %s", stamp(*s.DeferredUntil))
	}
	if s.CommanderDue != nil {
		line("  commander due\t%s", stamp(*s.CommanderDue))
	}
	if s.FalseAlarmDue != nil {
		line("  false alarm at\t%s, unless an alert fires again", stamp(*s.FalseAlarmDue))
	}
	if s.Reopens != "" {
		line("  follows\t%s", s.Reopens)
	}
	line("  started\t%s", stamp(s.StartedAt))
	if s.ResolvedAt != nil {
		line("  resolved\t%s: %s", stamp(*s.ResolvedAt), s.Resolution)
	}
	if s.Channels.Channel != "" {
		line("  channel\t%s", s.Channels.Channel)
	}
	if s.Channels.BridgeURL != "" {
		line("  bridge\t%s", s.Channels.BridgeURL)
	}
	if s.Tracking.Ref != "" {
		line("  tracking\t%s %s %s", s.Tracking.System, s.Tracking.Ref, s.Tracking.URL)
	}

	line("\nResponders")
	if len(s.Responders) == 0 {
		line("  none paged")
	} else {
		line("  PERSON\tTEAM\tLEVEL\tPAGED AT\tACKNOWLEDGED")
		for _, r := range s.Responders {
			acked := "no"
			if r.AcknowledgedAt != nil {
				acked = "yes, " + stamp(*r.AcknowledgedAt)
			}
			line("  %s\t%s\t%d\t%s\t%s", r.Person, orDash(r.Team), r.Level, stamp(r.PagedAt), acked)
		}
	}

	if len(onCall) > 0 {
		line("\nOn call now for the engaged teams")
		line("  TARGET\tON CALL\tUNTIL\tWHY")
		for _, r := range onCall {
			line("  %s\t%s\t%s\t%s", r.Target, orDash(r.Person), stamp(r.Until), r.Why)
		}
	}

	if len(s.Alerts) > 0 {
		line("\nAlerts (%d received)", s.AlertCount)
		line("  FINGERPRINT\tSOURCE\tSTATUS\tCOUNT\tFIRST SEEN\tLAST SEEN\tTITLE")
		for _, a := range s.Alerts {
			line("  %s\t%s\t%s\t%d\t%s\t%s\t%s", a.Fingerprint, a.Source, a.Status, a.Count, stamp(a.FirstSeen), stamp(a.LastSeen), oneLine(a.Title))
		}
	}

	line("\nRoles")
	for _, role := range incident.Roles() {
		line("  %s\t%s", role, orDash(s.Roles[role]))
	}

	m := s.Metrics
	line("\nMetrics")
	line("  time to acknowledge\t%s", figure(m.TimeToAcknowledge, m.ResponseTarget, s.Plan.ResponseTarget, m.ResponseTargetMet))
	line("  time to resolve\t%s", figure(m.TimeToResolve, m.ResolutionTarget, s.Plan.ResolutionTarget, m.ResolutionTargetMet))
	line("  pages sent\t%d", m.PagesSent)
	line("  escalations by deadline\t%d", m.EscalationsByDeadline)

	line("\nTimeline")
	if s.TimelineEarlier > 0 {
		line("  (%d earlier entries are in the run %s and those before it: open them in the Web UI)", s.TimelineEarlier, s.EarlierRun)
	}
	if len(s.Timeline) == 0 {
		line("  empty")
	}
	for _, e := range s.Timeline {
		line("  %s\t%s\t%s\t%s", stamp(e.At), e.Kind, orDash(e.By), oneLine(e.Text))
	}

	if len(s.Messages) > 0 {
		line("\nMessages")
		for _, m := range s.Messages {
			line("  %s\t%s\t%s", stamp(m.At), m.Audience, oneLine(m.Text))
		}
	}

	line("\nWeb UI: %s", url)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// escalation describes the escalation level, of how many, and how often the ladder repeated.
func escalation(s workflows.State) string {
	if s.Level == 0 {
		return "not paged yet"
	}
	text := fmt.Sprintf("level %d", s.Level)
	if levels := s.Plan.Levels(); levels > 0 {
		text += fmt.Sprintf(" of %d", levels)
	}
	if s.Round > 0 {
		text += fmt.Sprintf(", round %d", s.Round+1)
	}
	if s.LadderExhausted {
		text += ", ladder exhausted"
	}
	return text
}

// figure describes a response figure against its target: the metrics' target once resolved, the
// plan's before.
func figure(took, target, planned time.Duration, met *bool) string {
	if target == 0 {
		target = planned
	}
	var parts []string
	if took > 0 {
		parts = append(parts, duration(took))
	} else {
		parts = append(parts, "-")
	}
	var notes []string
	if target > 0 {
		notes = append(notes, "target "+duration(target))
	}
	if met != nil {
		notes = append(notes, map[bool]string{true: "met", false: "missed"}[*met])
	}
	if len(notes) > 0 {
		parts = append(parts, "("+strings.Join(notes, ", ")+")")
	}
	return strings.Join(parts, " ")
}

// stamp formats a time in UTC to the second; the zero time is a dash.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// orDash returns s, or a dash when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// duration formats d to the second without trailing zero units: "4m", "1h30m", "42s".
func duration(d time.Duration) string {
	text := d.Round(time.Second).String()
	if strings.HasSuffix(text, "m0s") {
		text = strings.TrimSuffix(text, "0s")
	}
	if strings.HasSuffix(text, "h0m") {
		text = strings.TrimSuffix(text, "0m")
	}
	return text
}
