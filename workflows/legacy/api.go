// Package legacy runs the incidents that started before the hardened paging core (version 0 of
// the incident workflow) exactly as they ran then, so that their histories replay. It is frozen:
// new behaviour goes into package workflows. Once no version-0 incident is open anywhere, the
// package can be deleted.
package legacy

import (
	"fmt"
	"regexp"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
)

// IncidentWorkflowName is the registered name of the incident workflow.
const IncidentWorkflowName = "Incident"

// Update names responders use to act on an incident.
const (
	UpdateAcknowledge = "ack"
	UpdateEscalate    = "escalate"
	UpdateAssign      = "assign"
	UpdateSeverity    = "severity"
	UpdateImpact      = "impact"
	UpdateNote        = "note"
	UpdateResolve     = "resolve"
)

// QueryState is the query that returns an incident's State.
const QueryState = "state"

// SignalAlerts is the signal that feeds an incident the alerts of its group.
const SignalAlerts = "alerts"

// Search attributes Firebreak keeps current on every incident.
var (
	AttrService         = temporal.NewSearchAttributeKeyKeyword("IncidentService")
	AttrType            = temporal.NewSearchAttributeKeyKeyword("IncidentType")
	AttrSeverity        = temporal.NewSearchAttributeKeyKeyword("IncidentSeverity")
	AttrPhase           = temporal.NewSearchAttributeKeyKeyword("IncidentPhase")
	AttrStatus          = temporal.NewSearchAttributeKeyKeyword("IncidentStatus")
	AttrCommander       = temporal.NewSearchAttributeKeyKeyword("IncidentCommander")
	AttrEscalationLevel = temporal.NewSearchAttributeKeyInt64("IncidentEscalationLevel")
)

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateKey reports whether key can name an incident: lowercase letters, digits and dashes.
func ValidateKey(key string) error {
	if !keyPattern.MatchString(key) {
		return fmt.Errorf("invalid incident key %q: use 1-63 lowercase letters, digits and dashes", key)
	}
	return nil
}

// IncidentInput starts an incident workflow.
type IncidentInput struct {
	Key      string                     `json:"key"`
	Source   string                     `json:"source"` // cli, alertmanager, sns, generic, ...
	Service  string                     `json:"service"`
	Type     string                     `json:"type"` // outage, degradation, security, ...
	Title    string                     `json:"title"`
	Labels   map[string]string          `json:"labels,omitempty"`
	Impact   incident.Impact            `json:"impact"`
	Override *incident.SeverityOverride `json:"override,omitempty"`
	// Carried is the state of a previous run when the incident continued as new.
	Carried *State `json:"carried,omitempty"`
	// Reopens names the resolved incident (key and run) that this one follows, when a firing alert
	// arrived within the reopen window.
	Reopens string `json:"reopens,omitempty"`
	// Pending are alerts that arrived for this incident before it started.
	Pending []AlertBatch `json:"pending,omitempty"`
}

// AlertBatch is one alerts signal: the alerts of one group that arrived together, and the routing
// decision that grouped them.
type AlertBatch struct {
	Alerts  []incident.Alert `json:"alerts"`
	Routing Routing          `json:"routing"`
}

// Routing is what the routing policy decided for a group of alerts: the incident they open and
// what happens when they resolve.
type Routing struct {
	Group            string          `json:"group"`
	Service          string          `json:"service"`
	Type             string          `json:"type"`
	Title            string          `json:"title"`
	Impact           incident.Impact `json:"impact"`
	CloseFalseAlarms bool            `json:"close_false_alarms"`
	FalseAlarmGrace  time.Duration   `json:"false_alarm_grace"`
	ReopenWindow     time.Duration   `json:"reopen_window"`
	Reasons          []string        `json:"reasons,omitempty"`
	PolicyRevision   string          `json:"policy_revision"`
}

// Validate rejects an input the workflow cannot run.
func (in IncidentInput) Validate() error {
	if err := ValidateKey(in.Key); err != nil {
		return err
	}
	if in.Service == "" {
		return fmt.Errorf("service is required")
	}
	if in.Title == "" {
		return fmt.Errorf("title is required")
	}
	if in.Override != nil && !in.Override.Severity.Valid() {
		return fmt.Errorf("severity override must be sev1, sev2 or sev3, not %q", in.Override.Severity)
	}
	return in.Impact.Validate()
}

// State is everything the workflow knows about an incident; the state query returns it and
// continue-as-new carries it.
type State struct {
	Key        string            `json:"key"`
	WorkflowID string            `json:"workflow_id"`
	Source     string            `json:"source"`
	Service    string            `json:"service"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Labels     map[string]string `json:"labels,omitempty"`
	StartedAt  time.Time         `json:"started_at"`

	Phase  incident.Phase  `json:"phase"`
	Status incident.Status `json:"status"`

	Impact          incident.Impact            `json:"impact"`
	Override        *incident.SeverityOverride `json:"override,omitempty"`
	Severity        incident.Severity          `json:"severity"`
	SeverityReasons []string                   `json:"severity_reasons"`
	PolicyRevision  string                     `json:"policy_revision"`

	Tracking incident.TrackingRecord `json:"tracking"`
	Channels incident.Channels       `json:"channels"`

	Plan            incident.EngagementPlan `json:"plan"`
	Engagement      int                     `json:"engagement"` // increments whenever the plan is re-decided
	Level           int                     `json:"level"`      // current escalation level, 1-based; 0 before paging
	Round           int                     `json:"round"`      // how many times the ladder has repeated
	AckDeadline     *time.Time              `json:"ack_deadline,omitempty"`
	DeferredUntil   *time.Time              `json:"deferred_until,omitempty"`
	CommanderDue    *time.Time              `json:"commander_due,omitempty"`
	LadderExhausted bool                    `json:"ladder_exhausted,omitempty"`
	Responders      []incident.Responder    `json:"responders"`
	AcknowledgedAt  *time.Time              `json:"acknowledged_at,omitempty"`
	AcknowledgedBy  string                  `json:"acknowledged_by,omitempty"`

	Roles    map[incident.Role]string `json:"roles"`
	Timeline []incident.Entry         `json:"timeline"`
	Messages []incident.Message       `json:"messages"`

	Alerts        []incident.AlertRecord `json:"alerts,omitempty"`
	AlertCount    int                    `json:"alert_count"`
	Routing       *Routing               `json:"routing,omitempty"`
	FalseAlarmDue *time.Time             `json:"false_alarm_due,omitempty"`
	Reopens       string                 `json:"reopens,omitempty"`

	ResolvedAt *time.Time       `json:"resolved_at,omitempty"`
	Resolution string           `json:"resolution,omitempty"`
	FalseAlarm bool             `json:"false_alarm,omitempty"`
	Metrics    incident.Metrics `json:"metrics"`
}

// NextDeadline returns the earliest pending deadline and what it is for.
func (s *State) NextDeadline() (time.Time, string, bool) {
	var at time.Time
	var what string
	consider := func(t *time.Time, name string) {
		if t != nil && (what == "" || t.Before(at)) {
			at, what = *t, name
		}
	}
	consider(s.DeferredUntil, deadlineWorkingHours)
	consider(s.AckDeadline, deadlineAck)
	consider(s.CommanderDue, deadlineCommander)
	consider(s.FalseAlarmDue, deadlineFalseAlarm)
	return at, what, what != ""
}

// Summary is what the incident workflow returns when the incident is resolved.
type Summary struct {
	Key        string                   `json:"key"`
	Severity   incident.Severity        `json:"severity"`
	StartedAt  time.Time                `json:"started_at"`
	ResolvedAt time.Time                `json:"resolved_at"`
	Resolution string                   `json:"resolution"`
	Metrics    incident.Metrics         `json:"metrics"`
	Roles      map[incident.Role]string `json:"roles"`
}

// AckRequest acknowledges the incident.
type AckRequest struct {
	By string `json:"by"`
}

// EscalateRequest pages the next escalation level now.
type EscalateRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// AssignRequest gives a role to a person.
type AssignRequest struct {
	By     string        `json:"by"`
	Role   incident.Role `json:"role"`
	Person string        `json:"person"`
}

// SeverityRequest overrides the severity.
type SeverityRequest struct {
	By       string            `json:"by"`
	Severity incident.Severity `json:"severity"`
	Reason   string            `json:"reason"`
}

// ImpactRequest reports new impact facts.
type ImpactRequest struct {
	By     string          `json:"by"`
	Impact incident.Impact `json:"impact"`
}

// NoteRequest adds a note to the timeline.
type NoteRequest struct {
	By   string            `json:"by"`
	Kind incident.NoteKind `json:"kind"`
	Text string            `json:"text"`
}

// ResolveRequest declares the impact over.
type ResolveRequest struct {
	By      string `json:"by"`
	Summary string `json:"summary"`
}
