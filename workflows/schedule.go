package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/schedule"
)

// ScheduleWorkflowName is the registered name of the schedule workflow.
const ScheduleWorkflowName = "Schedule"

// Update and query names of the schedule workflow.
const (
	// UpdateAddOverride makes an override: an AddOverrideRequest.
	UpdateAddOverride = "add-override"
	// UpdateRemoveOverride removes an override: a RemoveOverrideRequest.
	UpdateRemoveOverride = "remove-override"
	// QueryOverrides returns the schedule's ScheduleState.
	QueryOverrides = "overrides"
)

// Limits of the schedule workflow's requests.
const (
	// MaxOverrideReason bounds the length of an override's reason, in bytes.
	MaxOverrideReason = 500
	// MaxDefinitionPeople bounds how many people a request's definition may name.
	MaxDefinitionPeople = 10_000
	// OverrideStartGrace is how far in the past an override may start: about the time a request
	// takes to reach the workflow, so that "from now" works. Such a start becomes the workflow's
	// time; anything earlier is refused, as it would change who was on call.
	OverrideStartGrace = 5 * time.Minute
	// MaxOverrideLead is how far ahead of now an override may start.
	MaxOverrideLead = 366 * 24 * time.Hour
	// scheduleChangesPerRun is how many updates one run takes before it continues as new, far
	// below Temporal's 2,000 updates per execution.
	scheduleChangesPerRun = 500
)

// ScheduleWorkflowID returns the workflow ID of the schedule with an ID.
func ScheduleWorkflowID(id string) string { return "schedule-" + id }

// ScheduleInput starts a schedule workflow.
type ScheduleInput struct {
	// Schedule is the schedule's ID in the configuration.
	Schedule string `json:"schedule"`
	// Carried is the state of the previous run when the workflow continued as new.
	Carried *ScheduleState `json:"carried,omitempty"`
	// ChangesPerRun is how many updates a run takes before it continues as new; zero means 500.
	ChangesPerRun int `json:"changes_per_run,omitempty"`
}

// ScheduleState is what a schedule workflow holds; the overrides query returns it and
// continue-as-new carries it.
type ScheduleState struct {
	Schedule string `json:"schedule"`
	// Overrides are the overrides in force or to come, and those that ended since the last
	// change, in the order they were made: a later one wins where two overlap.
	Overrides []ScheduleOverride `json:"overrides"`
	// Made counts the overrides made, over every run; it numbers their IDs.
	Made int `json:"made"`
	// Changes counts the accepted updates, over every run.
	Changes int `json:"changes"`
}

// ScheduleOverride is one override as the schedule workflow keeps it: who it puts on call and
// when, and who made it, why, and whether it was forced through a gap in coverage.
type ScheduleOverride struct {
	ID        string    `json:"id"`
	Person    string    `json:"person"`
	Replacing string    `json:"replacing,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	By        string    `json:"by"`
	Reason    string    `json:"reason,omitempty"`
	Forced    bool      `json:"forced,omitempty"`
	MadeAt    time.Time `json:"made_at"`
}

// Override returns the override in the form of package schedule.
func (o ScheduleOverride) Override() schedule.Override {
	return schedule.Override{ID: o.ID, Person: o.Person, Replacing: o.Replacing, Start: o.Start, End: o.End}
}

// ScheduleOverrides returns the overrides in the form of package schedule, in the order they were
// made.
func (s ScheduleState) ScheduleOverrides() []schedule.Override {
	out := make([]schedule.Override, len(s.Overrides))
	for i, o := range s.Overrides {
		out[i] = o.Override()
	}
	return out
}

// ScheduleDefinition is the schedule as the sender's configuration has it: its layers and the
// people the organisation knows. The workflow checks a change against it (no gap in coverage,
// no unknown person); the layers stay in the configuration file, only the overrides in the
// workflow.
type ScheduleDefinition struct {
	Layers []schedule.Layer `json:"layers"`
	People []string         `json:"people"`
}

// AddOverrideRequest puts Person on call from From until To, in place of whoever the schedule
// has on call or, with Replacing, only while that person would be. A change that leaves nobody
// on call at some time between From and To is refused unless Force is set.
type AddOverrideRequest struct {
	Person     string             `json:"person"`
	From       time.Time          `json:"from"`
	To         time.Time          `json:"to"`
	Replacing  string             `json:"replacing,omitempty"`
	Reason     string             `json:"reason,omitempty"`
	By         string             `json:"by"`
	Force      bool               `json:"force,omitempty"`
	Definition ScheduleDefinition `json:"definition"`
	Expiry
}

// RemoveOverrideRequest removes the override with ID. A removal that leaves nobody on call at
// some time the override covered from now on is refused unless Force is set.
type RemoveOverrideRequest struct {
	ID         string             `json:"id"`
	Reason     string             `json:"reason,omitempty"`
	By         string             `json:"by"`
	Force      bool               `json:"force,omitempty"`
	Definition ScheduleDefinition `json:"definition"`
	Expiry
}

// OverrideResult is what an override update returns.
type OverrideResult struct {
	// Text says what changed, in one line.
	Text string `json:"text"`
	// Override is the override made or removed.
	Override ScheduleOverride `json:"override"`
	// Gaps are the stretches, within the override's span from now on, with nobody on call after
	// the change: only a forced change leaves any.
	Gaps []schedule.Interval `json:"gaps,omitempty"`
}

// ScheduleResult is what a schedule workflow returns when it ends, which it does only when
// cancelled.
type ScheduleResult struct {
	Schedule string `json:"schedule"`
}

// scheduleRun is one run of the schedule workflow.
type scheduleRun struct {
	state ScheduleState
	// changes counts this run's accepted updates.
	changes, perRun int
}

// Schedule is the entity workflow of one on-call schedule (ID schedule-<id>): it holds the
// schedule's overrides, and its history is their audit log. Updates add and remove overrides,
// each checked by a validator before anything is recorded: the people must be known, an
// override may not start in the past (beyond OverrideStartGrace) or beyond the schedule
// package's limits, and a change that leaves a gap in coverage is refused unless forced. The
// query returns the overrides. Overrides that have ended are dropped at every change, and the
// workflow continues as new every 500 changes or when Temporal suggests it. It does nothing
// between changes and never reads the configuration: the layers come with each request.
func Schedule(ctx workflow.Context, in ScheduleInput) (ScheduleResult, error) {
	r := &scheduleRun{perRun: in.ChangesPerRun}
	if r.perRun <= 0 {
		r.perRun = scheduleChangesPerRun
	}
	switch {
	case in.Carried != nil:
		r.state = *in.Carried
	case in.Schedule == "":
		return ScheduleResult{}, temporal.NewNonRetryableApplicationError("start schedule workflow: missing schedule ID", activities.ErrBadInput, nil)
	default:
		r.state = ScheduleState{Schedule: in.Schedule}
	}
	if r.state.Overrides == nil {
		r.state.Overrides = []ScheduleOverride{}
	}
	if err := r.register(ctx); err != nil {
		return ScheduleResult{}, err
	}
	workflow.SetCurrentDetails(ctx, r.details())
	err := workflow.Await(ctx, func() bool {
		return r.changes >= r.perRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	})
	if err != nil {
		return ScheduleResult{Schedule: r.state.Schedule}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return ScheduleResult{Schedule: r.state.Schedule}, err
	}
	r.prune(workflow.Now(ctx))
	carried := r.state
	return ScheduleResult{}, workflow.NewContinueAsNewError(ctx, ScheduleWorkflowName, ScheduleInput{
		Schedule: r.state.Schedule, Carried: &carried, ChangesPerRun: in.ChangesPerRun,
	})
}

// register sets the overrides query and the two updates.
func (r *scheduleRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryOverrides, func() (ScheduleState, error) { return r.state, nil }); err != nil {
		return fmt.Errorf("set overrides query: %w", err)
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAddOverride,
		func(ctx workflow.Context, req AddOverrideRequest) (OverrideResult, error) {
			// Run again: an earlier update in the same workflow task may have changed the state.
			o, gaps, err := r.checkAdd(ctx, req)
			if err != nil {
				return OverrideResult{}, err
			}
			return r.add(ctx, o, gaps), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AddOverrideRequest) error {
			_, _, err := r.checkAdd(ctx, req)
			return err
		}})
	if err != nil {
		return fmt.Errorf("set update handler %s: %w", UpdateAddOverride, err)
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateRemoveOverride,
		func(ctx workflow.Context, req RemoveOverrideRequest) (OverrideResult, error) {
			i, gaps, err := r.checkRemove(ctx, req)
			if err != nil {
				return OverrideResult{}, err
			}
			return r.remove(ctx, i, req, gaps), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req RemoveOverrideRequest) error {
			_, _, err := r.checkRemove(ctx, req)
			return err
		}})
	if err != nil {
		return fmt.Errorf("set update handler %s: %w", UpdateRemoveOverride, err)
	}
	return nil
}

// checkAdd returns the override an add request makes, with the gaps it leaves in its span, or
// why it is refused.
func (r *scheduleRun) checkAdd(ctx workflow.Context, req AddOverrideRequest) (ScheduleOverride, []schedule.Interval, error) {
	now := workflow.Now(ctx).UTC()
	known, err := r.checkRequest(now, req.Expiry, req.By, req.Reason, req.Definition)
	if err != nil {
		return ScheduleOverride{}, nil, err
	}
	for _, p := range []struct{ role, id string }{{"person", req.Person}, {"replaced person", req.Replacing}} {
		if p.id != "" && !known[p.id] {
			return ScheduleOverride{}, nil, fmt.Errorf("%s %q is not a person the organisation knows", p.role, p.id)
		}
	}
	from, to := req.From.UTC(), req.To.UTC()
	switch {
	case req.Person == "":
		return ScheduleOverride{}, nil, errors.New("missing person to put on call")
	case req.Replacing == req.Person:
		return ScheduleOverride{}, nil, fmt.Errorf("%q cannot replace themselves", req.Person)
	case from.IsZero() || to.IsZero():
		return ScheduleOverride{}, nil, errors.New("missing start or end of the override")
	case !to.After(from):
		return ScheduleOverride{}, nil, fmt.Errorf("the override ends at %s, not after its start %s", stamp(to), stamp(from))
	case from.Before(now.Add(-OverrideStartGrace)):
		return ScheduleOverride{}, nil, fmt.Errorf("the override starts at %s, in the past (it is %s): an override changes who is on call from now on, never who was", stamp(from), stamp(now))
	case to.Sub(from) > schedule.MaxOverride:
		return ScheduleOverride{}, nil, fmt.Errorf("the override lasts %s: at most %s (change the layers in the configuration for longer)", to.Sub(from), schedule.MaxOverride)
	case from.After(now.Add(MaxOverrideLead)):
		return ScheduleOverride{}, nil, fmt.Errorf("the override starts at %s, more than %s ahead", stamp(from), MaxOverrideLead)
	}
	if active := r.active(now); len(active) >= schedule.MaxOverrides {
		return ScheduleOverride{}, nil, fmt.Errorf("the schedule has %d overrides in force or to come: at most %d; remove one first", len(active), schedule.MaxOverrides)
	}
	o := ScheduleOverride{
		ID: "o-" + strconv.Itoa(r.state.Made+1), Person: req.Person, Replacing: req.Replacing,
		Start: later(from, now), End: to, By: req.By, Reason: req.Reason, Forced: req.Force, MadeAt: now,
	}
	after := append(slices.Clip(r.active(now)), o)
	gaps, err := gapsIn(req.Definition.Layers, after, o.Start, o.End)
	if err != nil {
		return ScheduleOverride{}, nil, err
	}
	if len(gaps) > 0 && !req.Force {
		return ScheduleOverride{}, nil, fmt.Errorf("nobody would be on call %s: make the override with force to leave %s", describeGaps(gaps), plural(len(gaps), "that gap", "those gaps"))
	}
	return o, gaps, nil
}

// checkRemove returns the index of the override a remove request takes away, with the gaps its
// removal leaves, or why it is refused.
func (r *scheduleRun) checkRemove(ctx workflow.Context, req RemoveOverrideRequest) (int, []schedule.Interval, error) {
	now := workflow.Now(ctx).UTC()
	if _, err := r.checkRequest(now, req.Expiry, req.By, req.Reason, req.Definition); err != nil {
		return 0, nil, err
	}
	i := slices.IndexFunc(r.state.Overrides, func(o ScheduleOverride) bool { return o.ID == req.ID })
	if i < 0 {
		return 0, nil, fmt.Errorf("no override %q on schedule %s", req.ID, r.state.Schedule)
	}
	o := r.state.Overrides[i]
	if !o.End.After(now) {
		return 0, nil, fmt.Errorf("override %s ended at %s: nothing to remove", o.ID, stamp(o.End))
	}
	after := slices.DeleteFunc(r.active(now), func(a ScheduleOverride) bool { return a.ID == o.ID })
	gaps, err := gapsIn(req.Definition.Layers, after, later(o.Start, now), o.End)
	if err != nil {
		return 0, nil, err
	}
	if len(gaps) > 0 && !req.Force {
		return 0, nil, fmt.Errorf("nobody would be on call %s: remove the override with force to leave %s", describeGaps(gaps), plural(len(gaps), "that gap", "those gaps"))
	}
	return i, gaps, nil
}

// checkRequest checks what every change carries: it has not expired, its definition is within
// bounds, and the person making it and the reason are acceptable. It returns the known people.
func (r *scheduleRun) checkRequest(now time.Time, e Expiry, by, reason string, def ScheduleDefinition) (map[string]bool, error) {
	if !e.Expires.IsZero() && now.After(e.Expires) {
		return nil, ErrExpired
	}
	if len(def.People) == 0 || len(def.People) > MaxDefinitionPeople {
		return nil, fmt.Errorf("the request names %d people: want 1 to %d, the people of the configuration", len(def.People), MaxDefinitionPeople)
	}
	known := make(map[string]bool, len(def.People))
	for _, p := range def.People {
		known[p] = true
	}
	switch {
	case strings.TrimSpace(by) == "":
		return nil, errors.New("say who makes the change")
	case !known[by]:
		return nil, fmt.Errorf("%q is not a person the organisation knows", by)
	case len(reason) > MaxOverrideReason:
		return nil, fmt.Errorf("the reason is %d bytes long: at most %d", len(reason), MaxOverrideReason)
	case !utf8.ValidString(reason):
		return nil, errors.New("the reason is not valid UTF-8")
	}
	return known, nil
}

// add records an override checked by checkAdd.
func (r *scheduleRun) add(ctx workflow.Context, o ScheduleOverride, gaps []schedule.Interval) OverrideResult {
	r.prune(workflow.Now(ctx))
	r.state.Overrides = append(r.state.Overrides, o)
	r.state.Made++
	r.changed(ctx)
	text := fmt.Sprintf("override %s: %s on call from %s to %s", o.ID, o.Person, stamp(o.Start), stamp(o.End))
	if o.Replacing != "" {
		text += " wherever " + o.Replacing + " would be"
	}
	if len(gaps) > 0 {
		text += "; forced: nobody is on call " + describeGaps(gaps)
	}
	workflow.GetLogger(ctx).Info("override made", "schedule", r.state.Schedule, "override", o.ID, "by", o.By)
	return OverrideResult{Text: text, Override: o, Gaps: gaps}
}

// remove takes away the override at index i, checked by checkRemove.
func (r *scheduleRun) remove(ctx workflow.Context, i int, req RemoveOverrideRequest, gaps []schedule.Interval) OverrideResult {
	o := r.state.Overrides[i]
	r.state.Overrides = slices.Delete(r.state.Overrides, i, i+1)
	r.prune(workflow.Now(ctx))
	r.changed(ctx)
	text := fmt.Sprintf("override %s removed: %s is no longer on call from %s to %s", o.ID, o.Person, stamp(later(o.Start, workflow.Now(ctx))), stamp(o.End))
	if len(gaps) > 0 {
		text += "; forced: nobody is on call " + describeGaps(gaps)
	}
	workflow.GetLogger(ctx).Info("override removed", "schedule", r.state.Schedule, "override", o.ID, "by", req.By)
	return OverrideResult{Text: text, Override: o, Gaps: gaps}
}

// changed counts an accepted change and shows the overrides in the Web UI.
func (r *scheduleRun) changed(ctx workflow.Context) {
	r.state.Changes++
	r.changes++
	workflow.SetCurrentDetails(ctx, r.details())
}

// active returns the overrides that have not ended at now, in order.
func (r *scheduleRun) active(now time.Time) []ScheduleOverride {
	return slices.DeleteFunc(slices.Clone(r.state.Overrides), func(o ScheduleOverride) bool { return !o.End.After(now) })
}

// prune drops the overrides that have ended: they change no answer about now or later.
func (r *scheduleRun) prune(now time.Time) {
	r.state.Overrides = r.active(now)
}

// details lists the overrides for the Web UI.
func (r *scheduleRun) details() string {
	s := r.state
	if len(s.Overrides) == 0 {
		return fmt.Sprintf("Schedule **%s**: no overrides.", s.Schedule)
	}
	lines := []string{fmt.Sprintf("Schedule **%s**: %s.", s.Schedule, plural(len(s.Overrides), "1 override", strconv.Itoa(len(s.Overrides))+" overrides"))}
	for i, o := range s.Overrides {
		if i == 10 {
			lines = append(lines, fmt.Sprintf("- and %d more", len(s.Overrides)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("- `%s` %s, %s to %s, by %s", o.ID, o.Person, stamp(o.Start), stamp(o.End), o.By))
	}
	return strings.Join(lines, "\n")
}

// gapsIn returns the stretches of [from, to) with nobody on call under the layers and the
// overrides.
func gapsIn(layers []schedule.Layer, overrides []ScheduleOverride, from, to time.Time) ([]schedule.Interval, error) {
	s := schedule.Schedule{Layers: layers, Overrides: make([]schedule.Override, len(overrides))}
	for i, o := range overrides {
		s.Overrides[i] = o.Override()
	}
	r, err := schedule.NewRoster(s)
	if err != nil {
		return nil, fmt.Errorf("check the schedule with the change: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	gaps, err := r.Gaps(from, to)
	if err != nil {
		return nil, fmt.Errorf("check coverage: %w", err)
	}
	return gaps, nil
}

// describeGaps words the first few gaps.
func describeGaps(gaps []schedule.Interval) string {
	const shown = 3
	parts := make([]string, 0, shown+1)
	for i, g := range gaps {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more times", len(gaps)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("from %s to %s", stamp(g.Start), stamp(g.End)))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
