package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
)

// HeartbeatWorkflowName is the registered name of the heartbeat workflow.
const HeartbeatWorkflowName = "Heartbeat"

// SignalHeartbeatPing is the signal that carries one ping of a heartbeat.
const SignalHeartbeatPing = "ping"

// QueryHeartbeat is the query that returns a heartbeat's HeartbeatState.
const QueryHeartbeat = "heartbeat"

// Heartbeat statuses.
const (
	HeartbeatUp     = "up"
	HeartbeatMissed = "missed"
)

const (
	// heartbeatPingsPerRun is how many pings one run takes before it continues as new. A ping
	// costs about 6 events (the signal, a workflow task, the cancelled and the new timer), so a
	// run stays near 6,000 events, well under Temporal's 10,240-event warning.
	heartbeatPingsPerRun = 1000
	// heartbeatReraise is how often the alert of a heartbeat that stays silent is raised again,
	// as Alertmanager repeats a firing alert: an incident people resolved while the sender is
	// still silent is opened again.
	heartbeatReraise = 24 * time.Hour
	// heartbeatRetry is how long a heartbeat waits before it tries again to deliver an alert
	// whose activity failed for good.
	heartbeatRetry = 5 * time.Minute
)

// HeartbeatWorkflowID returns the workflow ID of the heartbeat with a name.
func HeartbeatWorkflowID(name string) string { return "heartbeat-" + name }

// HeartbeatInput starts a heartbeat workflow.
type HeartbeatInput struct {
	Name string `json:"name"`
	// Interval and Grace give the ping deadline: a ping is due within Interval+Grace of the last.
	Interval time.Duration `json:"interval"`
	Grace    time.Duration `json:"grace"`
	// Carried is the state of the previous run when the heartbeat continued as new.
	Carried *HeartbeatState `json:"carried,omitempty"`
	// PingsPerRun is how many pings a run takes before it continues as new; zero means 1,000.
	PingsPerRun int `json:"pings_per_run,omitempty"`
}

// HeartbeatPing is one ping. It carries the heartbeat's timing as the HTTP server's
// configuration gives it, so that a changed interval or grace applies from the next ping.
type HeartbeatPing struct {
	Interval time.Duration `json:"interval"`
	Grace    time.Duration `json:"grace"`
}

// HeartbeatState is what a heartbeat workflow knows; the heartbeat query returns it and
// continue-as-new carries it.
type HeartbeatState struct {
	Name     string        `json:"name"`
	Interval time.Duration `json:"interval"`
	Grace    time.Duration `json:"grace"`
	// Status is up while pings arrive in time, missed from the deadline until the next ping.
	Status string `json:"status"`
	// LastPing is when the last ping arrived (the workflow's start until one has).
	LastPing time.Time `json:"last_ping"`
	// Due is when the next ping is due; nil while missed.
	Due *time.Time `json:"due,omitempty"`
	// MissedAt is when the last missed deadline passed, and SilentSince when the last ping before
	// it arrived.
	MissedAt    *time.Time `json:"missed_at,omitempty"`
	SilentSince *time.Time `json:"silent_since,omitempty"`
	// Pings counts the pings received, over every run.
	Pings int `json:"pings"`
	// Misses counts the missed deadlines, over every run.
	Misses int `json:"misses"`
	// AlertFiring says whether the heartbeat's alert was raised and not yet resolved.
	AlertFiring bool `json:"alert_firing"`
	// RaisedAt is when the alert was last raised.
	RaisedAt *time.Time `json:"raised_at,omitempty"`
	// Incident is the workflow ID of the incident that took the alert last.
	Incident string `json:"incident,omitempty"`
	// Problem is why the last delivery of the alert failed; "" once one succeeds.
	Problem string `json:"problem,omitempty"`
	// RetryAt is when a failed delivery is tried again.
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// HeartbeatResult is what a heartbeat workflow returns when it ends.
type HeartbeatResult struct {
	Name string `json:"name"`
	// Ended says why the heartbeat stopped watching.
	Ended string `json:"ended"`
}

// validHeartbeatTiming reports whether an interval and grace are within the configuration's
// bounds.
func validHeartbeatTiming(interval, grace time.Duration) bool {
	const most = 31 * 24 * time.Hour
	return interval >= time.Second && interval <= most && grace >= 0 && grace <= most
}

// heartbeatRun is one run of the heartbeat workflow.
type heartbeatRun struct {
	state       HeartbeatState
	pings       workflow.ReceiveChannel
	runPings    int
	pingsPerRun int
}

// Heartbeat is a dead man's switch: each ping (a signal) re-arms a durable timer of interval plus
// grace. When the timer fires it raises the heartbeat's alert through the routing policy, which
// opens an incident; the next ping resolves the alert. The alert is raised again every 24 hours
// while the heartbeat stays silent. The workflow ends when a missed heartbeat is no longer in the
// worker's configuration, and continues as new every 1,000 pings.
func Heartbeat(ctx workflow.Context, in HeartbeatInput) (HeartbeatResult, error) {
	r := &heartbeatRun{pings: workflow.GetSignalChannel(ctx, SignalHeartbeatPing), pingsPerRun: in.PingsPerRun}
	if r.pingsPerRun <= 0 {
		r.pingsPerRun = heartbeatPingsPerRun
	}
	if in.Carried != nil {
		r.state = *in.Carried
	} else {
		if in.Name == "" || !validHeartbeatTiming(in.Interval, in.Grace) {
			return HeartbeatResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("heartbeat %q: interval %s and grace %s out of range", in.Name, in.Interval, in.Grace), activities.ErrBadInput, nil)
		}
		r.state = HeartbeatState{Name: in.Name, Interval: in.Interval, Grace: in.Grace, Status: HeartbeatUp, LastPing: workflow.Now(ctx).UTC()}
	}
	if err := workflow.SetQueryHandler(ctx, QueryHeartbeat, func() (HeartbeatState, error) { return r.state, nil }); err != nil {
		return HeartbeatResult{}, fmt.Errorf("register heartbeat query: %w", err)
	}
	return r.loop(ctx)
}

// loop takes pings, notices missed deadlines and brings the alert in line with the status, until
// the run continues as new or the heartbeat ends.
func (r *heartbeatRun) loop(ctx workflow.Context) (HeartbeatResult, error) {
	for {
		r.takePings(ctx)
		now := workflow.Now(ctx).UTC()
		if r.state.Status == HeartbeatUp && !now.Before(r.due()) {
			missed, silent := r.due(), r.state.LastPing
			r.state.Status, r.state.MissedAt, r.state.SilentSince, r.state.Due = HeartbeatMissed, &missed, &silent, nil
			r.state.Misses++
			workflow.GetLogger(ctx).Warn("heartbeat missed", "heartbeat", r.state.Name, "last_ping", r.state.LastPing)
		}
		if r.state.Status == HeartbeatUp {
			due := r.due()
			r.state.Due = &due
		}
		workflow.SetCurrentDetails(ctx, r.details())

		needed := r.deliveryNeeded(now)
		if !needed {
			r.state.RetryAt = nil
		}
		if needed && (r.state.RetryAt == nil || !now.Before(*r.state.RetryAt)) {
			if ended, err := r.deliver(ctx); ended != "" || err != nil {
				return HeartbeatResult{Name: r.state.Name, Ended: ended}, err
			}
			continue // pings may have arrived while the alert was delivered
		}
		if r.runPings >= r.pingsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			carried := r.state
			return HeartbeatResult{}, workflow.NewContinueAsNewError(ctx, HeartbeatWorkflowName, HeartbeatInput{
				Name: r.state.Name, Interval: r.state.Interval, Grace: r.state.Grace, Carried: &carried, PingsPerRun: r.pingsPerRun,
			})
		}
		if err := r.wait(ctx, now); err != nil {
			return HeartbeatResult{Name: r.state.Name, Ended: "cancelled"}, err
		}
	}
}

// takePings takes every ping waiting: the heartbeat is up again, due within the (possibly
// changed) interval plus grace from now.
func (r *heartbeatRun) takePings(ctx workflow.Context) {
	for {
		var p HeartbeatPing
		if !r.pings.ReceiveAsync(&p) {
			return
		}
		r.state.Pings++
		r.runPings++
		r.state.LastPing = workflow.Now(ctx).UTC()
		r.state.Status = HeartbeatUp
		switch {
		case p == HeartbeatPing{}:
		case validHeartbeatTiming(p.Interval, p.Grace):
			r.state.Interval, r.state.Grace = p.Interval, p.Grace
		default:
			workflow.GetLogger(ctx).Warn("ping with an invalid interval or grace: keeping the previous ones",
				"heartbeat", r.state.Name, "interval", p.Interval, "grace", p.Grace)
		}
	}
}

// due is when the next ping is due.
func (r *heartbeatRun) due() time.Time {
	return r.state.LastPing.Add(r.state.Interval + r.state.Grace)
}

// deliveryNeeded reports whether the alert must be raised or resolved: it does not match the
// status, or the heartbeat is still silent a day after the alert was raised.
func (r *heartbeatRun) deliveryNeeded(now time.Time) bool {
	if r.state.Status == HeartbeatMissed {
		return !r.state.AlertFiring || !now.Before(r.reraiseAt())
	}
	return r.state.AlertFiring
}

func (r *heartbeatRun) reraiseAt() time.Time {
	if r.state.RaisedAt == nil {
		return time.Time{}
	}
	return r.state.RaisedAt.Add(heartbeatReraise)
}

// deliver raises or resolves the alert. It returns why the heartbeat ends, if it does: a missed
// heartbeat that the worker's configuration no longer has.
func (r *heartbeatRun) deliver(ctx workflow.Context) (string, error) {
	var a *activities.Activities
	s := &r.state
	in := activities.HeartbeatAlert{Name: s.Name, Deadline: s.Interval + s.Grace}
	if s.MissedAt != nil && s.SilentSince != nil {
		in.MissedAt, in.LastPing = *s.MissedAt, *s.SilentSince
		in.Deadline = s.MissedAt.Sub(*s.SilentSince)
	}
	raise := s.Status == HeartbeatMissed
	summary := fmt.Sprintf("raise: heartbeat %s missed (no ping within %s)", s.Name, in.Deadline)
	fn := a.RaiseHeartbeatAlert
	if !raise {
		in.ResumedAt = s.LastPing
		summary = fmt.Sprintf("resolve: heartbeat %s pings again", s.Name)
		fn = a.ResolveHeartbeatAlert
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		Summary:                summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrBadInput},
		},
	})
	var result activities.HeartbeatAlertResult
	err := workflow.ExecuteActivity(actx, fn, in).Get(ctx, &result)
	now := workflow.Now(ctx).UTC()
	switch {
	case err != nil && ctx.Err() != nil:
		return "cancelled", ctx.Err()
	case err != nil:
		retry := now.Add(heartbeatRetry)
		s.Problem, s.RetryAt = err.Error(), &retry
		workflow.GetLogger(ctx).Error("heartbeat alert not delivered: trying again later", "heartbeat", s.Name, "retry_at", retry, "error", err)
		return "", nil
	case raise && !result.Configured:
		return fmt.Sprintf("heartbeat %s missed but is not in the worker's configuration: it is no longer watched", s.Name), nil
	}
	s.Problem, s.RetryAt = "", nil
	if result.Incident != "" {
		s.Incident = result.Incident
	}
	s.AlertFiring = raise
	if raise {
		s.RaisedAt = &now
	}
	return "", nil
}

// wait waits for a ping or for the next moment something is due: the ping deadline, the alert's
// daily repeat or a retry. The timer is cancelled when a ping comes first, so no stale timer fires
// later.
func (r *heartbeatRun) wait(ctx workflow.Context, now time.Time) error {
	at, what := r.nextWake(now)
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	timer := workflow.NewTimerWithOptions(timerCtx, max(at.Sub(now), time.Millisecond), workflow.TimerOptions{Summary: what})
	sel.AddFuture(timer, func(workflow.Future) {})
	sel.AddReceive(r.pings, func(workflow.ReceiveChannel, bool) { r.takePings(ctx) })
	sel.Select(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if timer.IsReady() {
		if err := timer.Get(ctx, nil); err != nil && !errors.Is(err, workflow.ErrCanceled) {
			return err
		}
	}
	return nil
}

// nextWake returns when the workflow must next act without a ping, and a name for that timer:
// the ping deadline while up, the daily repeat while missed, or a failed delivery's retry.
func (r *heartbeatRun) nextWake(now time.Time) (time.Time, string) {
	s := r.state
	var at time.Time
	var what string
	switch {
	case s.Status == HeartbeatUp:
		at, what = r.due(), fmt.Sprintf("ping deadline of %s (interval %s + grace %s)", s.Name, s.Interval, s.Grace)
	case s.AlertFiring:
		at, what = r.reraiseAt(), fmt.Sprintf("%s still silent: raise its alert again", s.Name)
	}
	if s.RetryAt != nil && (at.IsZero() || s.RetryAt.Before(at)) {
		at, what = *s.RetryAt, fmt.Sprintf("retry the alert of %s", s.Name)
	}
	if at.IsZero() { // unreachable: a delivery that is neither done nor failed ran before the wait
		at, what = now.Add(heartbeatRetry), fmt.Sprintf("check %s again", s.Name)
	}
	return at, what
}

// details is the heartbeat's current details for the Web UI.
func (r *heartbeatRun) details() string {
	s := r.state
	text := fmt.Sprintf("**%s**: last ping %s", s.Status, s.LastPing.Format(time.RFC3339))
	if s.Due != nil {
		text += fmt.Sprintf("; next due by %s", s.Due.Format(time.RFC3339))
	}
	if s.Incident != "" {
		text += fmt.Sprintf("; incident `%s`", s.Incident)
	}
	if s.Problem != "" {
		text += "; alert not delivered, retrying at " + s.RetryAt.Format(time.RFC3339)
	}
	return text
}
