package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify/sms"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/workflowquery"
	"github.com/firebreak-dev/firebreak/schedule"
	"github.com/firebreak-dev/firebreak/workflows"
)

// DefaultOverridesTimeout bounds one overrides query when ScheduleOverrides sets none.
const DefaultOverridesTimeout = 3 * time.Second

// OverrideSource returns the overrides a schedule's workflow holds; none when the workflow does
// not exist yet.
type OverrideSource interface {
	Overrides(ctx context.Context, schedule string) ([]workflows.ScheduleOverride, error)
}

// ScheduleOverrides reads the overrides of schedules from their workflows, through the
// overrides query.
type ScheduleOverrides struct {
	Temporal  client.Client
	Namespace string
	// Timeout bounds one query; zero means DefaultOverridesTimeout.
	Timeout time.Duration
}

// Overrides returns the overrides the workflow of a schedule holds, in the order they were
// made, or none when the schedule has no workflow yet (nobody ever made an override).
func (s ScheduleOverrides) Overrides(ctx context.Context, id string) ([]workflows.ScheduleOverride, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultOverridesTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := workflowquery.Ask(ctx, s.Temporal, s.Namespace, workflows.ScheduleWorkflowID(id), "", workflows.QueryOverrides)
	if errors.As(err, new(*serviceerror.NotFound)) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("query the overrides of schedule %s: %w", id, err)
	}
	var state workflows.ScheduleState
	if err := resp.Get(&state); err != nil {
		return nil, fmt.Errorf("decode the overrides of schedule %s: %w", id, err)
	}
	return state.Overrides, nil
}

// OnCallAt is who a schedule has on call at an instant, with the schedule it was asked of.
type OnCallAt struct {
	schedule.OnCall
	// Definition is the schedule as the configuration has it, with the overrides applied; an
	// answer's Source indexes its Layers and Overrides.
	Definition schedule.Schedule
	// Overrides are the overrides applied, as the workflow keeps them, in the order of
	// Definition.Overrides.
	Overrides []workflows.ScheduleOverride
}

// ScheduleOnCall returns who a schedule of the configuration has on call at an instant: its
// layers from the configuration, then the overrides given (from its workflow), in order.
func ScheduleOnCall(cfg *config.Config, id string, overrides []workflows.ScheduleOverride, at time.Time) (OnCallAt, error) {
	def, ok := cfg.ScheduleDefinition(id)
	if !ok {
		return OnCallAt{}, fmt.Errorf("resolve on-call: no schedule %q in the configuration", id)
	}
	for _, o := range overrides {
		def.Overrides = append(def.Overrides, o.Override())
	}
	r, err := schedule.NewRoster(def)
	if err != nil {
		return OnCallAt{}, fmt.Errorf("resolve on-call of schedule %s: %w", id, err)
	}
	return OnCallAt{OnCall: r.At(at), Definition: def, Overrides: overrides}, nil
}

// onCall returns the person on call for a team at an instant (see explain); nobody on call is
// an error.
func (d Directory) onCall(ctx context.Context, team string, at time.Time) (string, error) {
	r, err := d.explain(ctx, incident.Target{Team: team}, at)
	if err == nil && r.Person == "" {
		err = errors.New(r.Why)
	}
	return r.Person, err
}

// explain returns who a team's or a schedule's target has on call at an instant, why and until
// when: through the schedule in the configuration (a team's is the one it names, or its
// rotation) and the overrides of the schedule's workflow. When the overrides cannot be read, it
// answers from the layers alone and logs a warning, so that a page still reaches someone.
func (d Directory) explain(ctx context.Context, t incident.Target, at time.Time) (activities.OnCallReason, error) {
	id := t.Schedule
	if id == "" {
		var ok bool
		if id, ok = d.Config.TeamSchedule(t.Team); !ok {
			return activities.OnCallReason{}, activities.ErrUnknownTeam
		}
	} else if _, ok := d.Config.ScheduleDefinition(id); !ok {
		return activities.OnCallReason{}, fmt.Errorf("schedule %q is not in the configuration", id)
	}
	var overrides []workflows.ScheduleOverride
	if d.Overrides != nil {
		all, err := d.overrides(ctx, id)
		if err != nil {
			d.logger().Warn("answering who is on call from the configuration's layers alone", "target", t.String(), "schedule", id, "err", err)
		}
		overrides = KnownOverrides(d.Config, all, func(o workflows.ScheduleOverride) {
			d.logger().Warn("ignoring an override of a person no longer in the configuration", "schedule", id, "override", o.ID, "person", o.Person)
		})
	}
	answer, err := ScheduleOnCall(d.Config, id, overrides, at)
	if err != nil && len(overrides) > 0 {
		// Overrides the schedule package rejects must not stop the page: answer from the
		// layers.
		d.logger().Warn("answering who is on call from the configuration's layers alone", "target", t.String(), "schedule", id, "err", err)
		answer, err = ScheduleOnCall(d.Config, id, nil, at)
	}
	if err != nil {
		return activities.OnCallReason{}, err
	}
	if answer.Person == "" {
		why := fmt.Sprintf("nobody is on call on schedule %s at %s", id, at.UTC().Format(time.RFC3339))
		if !answer.Until.IsZero() {
			why += " until " + answer.Until.UTC().Format(time.RFC3339)
		}
		return activities.OnCallReason{Schedule: id, Why: why, Until: answer.Until}, nil
	}
	return activities.OnCallReason{Person: answer.Person, Schedule: id, Why: answer.Why(id), Until: answer.Until}, nil
}

// Why says in words why the answer's person is on call on the schedule id: the layer's shift
// or the override, and until when.
func (o OnCallAt) Why(id string) string {
	var why string
	switch {
	case o.Source.Override >= 0 && o.Source.Override < len(o.Overrides):
		ov := o.Overrides[o.Source.Override]
		why = fmt.Sprintf("override %s by %s", ov.ID, ov.By)
		if ov.Replacing != "" {
			why += ", replacing " + ov.Replacing
		}
	case o.Source.Layer >= 0 && o.Source.Layer < len(o.Definition.Layers):
		why = fmt.Sprintf("layer %s", o.Definition.Layers[o.Source.Layer].Name)
	default:
		why = "no layer or override"
	}
	until := "with no end"
	if !o.Until.IsZero() {
		until = "until " + o.Until.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("on call on schedule %s (%s) %s", id, why, until)
}

// Explain returns who a team's or a schedule's target has on call at an instant, why and until
// when, or no person and until when nobody is; the error is activities.ErrUnknownTeam when the
// configuration has no such team.
func (d Directory) Explain(t incident.Target, at time.Time) (activities.OnCallReason, error) {
	return d.explain(context.Background(), t, at)
}

// NotificationRules returns a person's contact methods with their delays after a page, and
// whether the configuration has the person.
func (d Directory) NotificationRules(person string) ([]activities.NotificationRule, bool) {
	p, ok := d.Config.Person(person)
	if !ok {
		return nil, false
	}
	var rules []activities.NotificationRule
	for _, r := range p.Rules() {
		rules = append(rules, activities.NotificationRule{Method: r.Notifier, After: time.Duration(r.After)})
	}
	return rules, true
}

// EscalationPolicy returns a configured escalation policy as the plan takes it, and whether the
// configuration has it.
func (d Directory) EscalationPolicy(id string) (incident.EscalationPolicy, bool) {
	p, ok := d.Config.EscalationPolicy(id)
	if !ok {
		return incident.EscalationPolicy{}, false
	}
	out := incident.EscalationPolicy{ID: p.ID, Repeats: p.Repeats, OnEmpty: p.OnEmpty, AckReminder: time.Duration(p.AckTimeout)}
	for _, l := range p.Levels {
		level := incident.PolicyLevel{Delay: time.Duration(l.Delay)}
		for _, t := range l.Targets {
			level.Targets = append(level.Targets, incident.Target{Schedule: t.Schedule, Person: t.Person, Team: t.Team})
		}
		out.Levels = append(out.Levels, level)
	}
	return out, true
}

// KnownOverrides returns the overrides whose person the configuration knows, in order, and calls
// ignored (if not nil) with each of the others: a person removed from the file is never put on
// call.
func KnownOverrides(cfg *config.Config, overrides []workflows.ScheduleOverride, ignored func(workflows.ScheduleOverride)) []workflows.ScheduleOverride {
	var out []workflows.ScheduleOverride
	for _, o := range overrides {
		if _, ok := cfg.Person(o.Person); ok {
			out = append(out, o)
		} else if ignored != nil {
			ignored(o)
		}
	}
	return out
}

// newDirectory returns the configuration as the activities' directory, reading the schedules'
// overrides through Temporal when the settings have a client.
func newDirectory(s Settings) Directory {
	d := Directory{Config: s.Config, Logger: s.Logger}
	if s.Temporal != nil {
		d.Overrides = ScheduleOverrides{Temporal: s.Temporal, Namespace: s.Namespace}
		d.prefetch = newOverridesPrefetch()
	}
	return d
}

func (d Directory) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// newSMS returns an SMS notifier of the configuration, which finds people's numbers in it.
func newSMS(cfg *config.Config, n config.Notifier) (*sms.Notifier, error) {
	token := n.SigningSecret()
	if token == "" {
		return nil, fmt.Errorf("environment variable %s is empty", n.SecretEnv)
	}
	return sms.New(sms.Config{
		URL: n.URL, From: n.From, Username: n.Username, Token: token, Encoding: n.Encoding,
		Phone: func(person string) (string, bool) {
			p, ok := cfg.Person(person)
			return p.Phone, ok && p.Phone != ""
		},
	})
}
