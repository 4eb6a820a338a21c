package incident

import (
	"time"
	"unicode/utf8"
)

// Bounds on what an incident keeps, so that its state stays far below Temporal's payload limits
// (2 MB) whatever arrives: the state is the query result and what continue-as-new carries.
const (
	// MaxTextLen bounds a timeline entry's text and a title, in bytes.
	MaxTextLen = 2000
	// MaxTimeline is how many timeline entries a run keeps before it continues as new; the
	// entries before the last CarriedTimeline stay in the earlier run's history.
	MaxTimeline = 1000
	// CarriedTimeline is how many of the latest timeline entries continue-as-new carries.
	CarriedTimeline = 100
	// RecentAlerts is how many distinct alerts, the most recently seen, keep a full record.
	RecentAlerts = 20
	// MaxTrackedAlerts is how many distinct alerts have their status tracked; beyond it alerts
	// are only counted, and the incident can no longer close itself as a false alarm.
	MaxTrackedAlerts = 5000
	// MaxResponders is how many responder records are kept; older pages stay on the timeline.
	MaxResponders = 200
)

// truncatedMarker ends a text that was cut to fit.
const truncatedMarker = " …[truncated]"

// Truncate returns s cut to at most n bytes on a rune boundary, ending in a visible marker when
// it was cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len(truncatedMarker)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + truncatedMarker
}

// Deadline names what a pending deadline is for.
type Deadline string

// The incident's deadlines. At most one timer is armed: for the earliest of them.
const (
	DeadlineAck          Deadline = "ack"
	DeadlineCommander    Deadline = "commander"
	DeadlineWorkingHours Deadline = "working-hours"
	DeadlineFalseAlarm   Deadline = "false-alarm"
	DeadlineConfirm      Deadline = "confirm"
	DeadlineLadderEnd    Deadline = "ladder-end"
	DeadlineClose        Deadline = "close"
	DeadlineUpdate       Deadline = "update"
	DeadlineReview       Deadline = "review"
)

// State is everything an incident knows about itself. The workflow's query returns it and
// continue-as-new carries it; every collection in it is bounded.
type State struct {
	Key        string            `json:"key"`
	WorkflowID string            `json:"workflow_id"`
	Source     string            `json:"source"`
	Service    string            `json:"service"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Labels     map[string]string `json:"labels,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	// Private keeps the incident off the public status page and its feed, whatever happens.
	Private bool `json:"private,omitempty"`

	Phase  Phase  `json:"phase"`
	Status Status `json:"status"`

	Impact          Impact            `json:"impact"`
	Override        *SeverityOverride `json:"override,omitempty"`
	Severity        Severity          `json:"severity"`
	SeverityReasons []string          `json:"severity_reasons"`
	PolicyRevision  string            `json:"policy_revision"`

	Tracking TrackingRecord `json:"tracking"`
	// TrackedThrough and PostedThrough count the timeline entries (of this run and earlier ones)
	// considered for the tracking record and the channel; TrackingClosed is set once the record
	// was closed.
	TrackedThrough int      `json:"tracked_through,omitempty"`
	PostedThrough  int      `json:"posted_through,omitempty"`
	TrackingClosed bool     `json:"tracking_closed,omitempty"`
	Channels       Channels `json:"channels"`
	// Invited are the people invited to the channel, at most MaxResponders of them.
	Invited []string `json:"invited,omitempty"`
	// StatuspageID is the incident's ID on the hosted status page it is pushed to.
	StatuspageID string `json:"statuspage_id,omitempty"`

	Plan            EngagementPlan `json:"plan"`
	Engagement      int            `json:"engagement"` // increments whenever the plan is re-decided
	Level           int            `json:"level"`      // current escalation level, 1-based; 0 before paging
	Round           int            `json:"round"`      // how many times the ladder has repeated
	AckDeadline     *time.Time     `json:"ack_deadline,omitempty"`
	DeferredUntil   *time.Time     `json:"deferred_until,omitempty"`
	CommanderDue    *time.Time     `json:"commander_due,omitempty"`
	LadderExhausted bool           `json:"ladder_exhausted,omitempty"`
	// LadderEndPages counts the pages of the ladder's end; LadderEndDue is when the next is due.
	LadderEndPages int        `json:"ladder_end_pages,omitempty"`
	LadderEndDue   *time.Time `json:"ladder_end_due,omitempty"`
	// LadderPaused is set while the ladder waits out the false-alarm grace period.
	LadderPaused bool `json:"ladder_paused,omitempty"`
	// Escalation is what paging through an escalation policy keeps (escalation.go).
	Escalation     Escalation  `json:"escalation,omitzero"`
	Responders     []Responder `json:"responders"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string      `json:"acknowledged_by,omitempty"`

	// ConfirmedAt is when the incident was confirmed as real, so that customers may hear of it;
	// ConfirmDue is when firing alerts will confirm it.
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	ConfirmDue  *time.Time `json:"confirm_due,omitempty"`
	// UpdateDue is when the next public update is due; UpdateReminders counts the reminders
	// sent since the last one.
	UpdateDue       *time.Time `json:"update_due,omitempty"`
	UpdateReminders int        `json:"update_reminders,omitempty"`

	Roles    map[Role]string `json:"roles"`
	Timeline []Entry         `json:"timeline"`
	// TimelineEarlier counts the entries of earlier runs that continue-as-new left behind; they
	// are in the run EarlierRun and the runs before it.
	TimelineEarlier int       `json:"timeline_earlier,omitempty"`
	EarlierRun      string    `json:"earlier_run,omitempty"`
	Messages        []Message `json:"messages"`

	Alerts    []AlertRecord `json:"alerts,omitempty"`
	AlertBook AlertBook     `json:"alert_book"`
	// AlertCount is how many alerts arrived in all.
	AlertCount    int        `json:"alert_count"`
	Routing       *Routing   `json:"routing,omitempty"`
	FalseAlarmDue *time.Time `json:"false_alarm_due,omitempty"`
	Reopens       string     `json:"reopens,omitempty"`

	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	FalseAlarm bool       `json:"false_alarm,omitempty"`
	// CloseAt is when a resolved incident stops taking notes and its workflow completes.
	CloseAt *time.Time `json:"close_at,omitempty"`
	// FollowUps are the actions the review asks for, each with an owner.
	FollowUps []FollowUp `json:"follow_ups,omitempty"`
	// ReviewDue is when the review meeting should have been held; ReviewClosedAt is when the
	// review was closed.
	ReviewDue      *time.Time `json:"review_due,omitempty"`
	ReviewClosedAt *time.Time `json:"review_closed_at,omitempty"`
	Metrics        Metrics    `json:"metrics"`
}

// Opening describes a new incident.
type Opening struct {
	Key, WorkflowID, Source, Service, Type, Title string
	Labels                                        map[string]string
	Impact                                        Impact
	Override                                      *SeverityOverride
	// Private keeps the incident off the public status page.
	Private bool
}

// New returns the state of an incident opened at now.
func New(o Opening, now time.Time) State {
	return State{
		Key:        o.Key,
		WorkflowID: o.WorkflowID,
		Source:     o.Source,
		Service:    o.Service,
		Type:       o.Type,
		Title:      Truncate(o.Title, MaxTextLen),
		Labels:     o.Labels,
		StartedAt:  now.UTC(),
		Phase:      PhaseDetect,
		Status:     StatusTriggered,
		Impact:     o.Impact,
		Override:   o.Override,
		Private:    o.Private,
		Roles:      map[Role]string{},
	}
}

// Record appends a timeline entry, its text cut to MaxTextLen.
func (s *State) Record(now time.Time, kind, by, text string) {
	s.Timeline = append(s.Timeline, Entry{At: now.UTC(), Kind: kind, By: by, Text: Truncate(text, MaxTextLen)})
}

// TimelineFull reports whether the run should continue as new to keep its timeline bounded.
func (s *State) TimelineFull() bool { return len(s.Timeline) >= MaxTimeline }

// Carry returns the state that continue-as-new carries from the run runID: the timeline cut to
// its latest CarriedTimeline entries, the rest counted and left in that run's history.
func (s State) Carry(runID string) State {
	if dropped := len(s.Timeline) - CarriedTimeline; dropped > 0 {
		s.Timeline = append([]Entry(nil), s.Timeline[dropped:]...)
		s.TimelineEarlier += dropped
		s.EarlierRun = runID
	}
	return s
}

// NextDeadline returns the earliest pending deadline and what it is for.
func (s *State) NextDeadline() (time.Time, Deadline, bool) {
	var at time.Time
	var what Deadline
	consider := func(t *time.Time, d Deadline) {
		if t != nil && (what == "" || t.Before(at)) {
			at, what = *t, d
		}
	}
	consider(s.DeferredUntil, DeadlineWorkingHours)
	consider(s.AckDeadline, DeadlineAck)
	consider(s.CommanderDue, DeadlineCommander)
	consider(s.FalseAlarmDue, DeadlineFalseAlarm)
	consider(s.ConfirmDue, DeadlineConfirm)
	consider(s.LadderEndDue, DeadlineLadderEnd)
	consider(s.CloseAt, DeadlineClose)
	s.escalationDeadlines(consider)
	consider(s.UpdateDue, DeadlineUpdate)
	consider(s.ReviewDue, DeadlineReview)
	return at, what, what != ""
}

// EnterPhase moves the incident to phase p.
func (s *State) EnterPhase(now time.Time, p Phase) {
	s.Phase = p
	s.Record(now, "phase", "", "phase "+string(p))
}

func at(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}
