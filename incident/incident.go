// Package incident holds Firebreak's domain model and its rules: severities, phases, roles,
// impact facts, engagement plans and the timeline, and what an incident does with them (status
// and phase transitions, ladder arithmetic, deadlines, confirmation, false alarms and the
// bounded alert book). It knows no Temporal: the workflow orchestrates these rules, and the
// activities and clients share its types.
package incident

import (
	"fmt"
	"strings"
	"time"
)

// Severity is an incident's severity: sev1 (critical), sev2 (major) or sev3 (minor).
type Severity string

// The three severities, from the most severe.
const (
	Sev1 Severity = "sev1"
	Sev2 Severity = "sev2"
	Sev3 Severity = "sev3"
)

// Valid reports whether s is one of the three severities.
func (s Severity) Valid() bool { return s == Sev1 || s == Sev2 || s == Sev3 }

// Phase is one of the seven response phases.
type Phase string

// The seven phases, in order.
const (
	PhaseDetect      Phase = "detect"
	PhaseChannels    Phase = "channels"
	PhaseAssess      Phase = "assess"
	PhaseCommunicate Phase = "communicate"
	PhaseEscalate    Phase = "escalate"
	PhaseDelegate    Phase = "delegate"
	PhaseResolve     Phase = "resolve"
	// PhaseReview follows the seven: the impact is over, and the incident takes notes and
	// follow-up actions until its review is closed.
	PhaseReview Phase = "review"
)

// Status is where an incident stands for responders.
type Status string

// Statuses: triggered until someone acknowledges, acknowledged while worked on, resolved at the end.
const (
	StatusTriggered    Status = "triggered"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

// Role is one of the three incident roles.
type Role string

// The three key roles.
const (
	RoleCommander      Role = "commander"
	RoleTechLead       Role = "tech_lead"
	RoleCommunications Role = "communications_lead"
)

// Roles lists the roles in the order they are shown.
func Roles() []Role { return []Role{RoleCommander, RoleTechLead, RoleCommunications} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleCommander || r == RoleTechLead || r == RoleCommunications }

// NoteKind classifies a timeline note by the resolve loop's steps.
type NoteKind string

// Note kinds: observe, theorise, experiment, and the result of an experiment.
const (
	NoteObservation NoteKind = "observation"
	NoteTheory      NoteKind = "theory"
	NoteExperiment  NoteKind = "experiment"
	NoteResult      NoteKind = "result"
)

// Valid reports whether k is a known note kind.
func (k NoteKind) Valid() bool {
	return k == NoteObservation || k == NoteTheory || k == NoteExperiment || k == NoteResult
}

// Impact holds the facts that decide severity. Pointers distinguish "not reported" from false.
type Impact struct {
	CustomersAffected   string     `json:"customers_affected,omitempty"` // none, some or all
	DataLoss            *bool      `json:"data_loss,omitempty"`
	SecurityBreach      *bool      `json:"security_breach,omitempty"`
	CoreDegraded        *bool      `json:"core_degraded,omitempty"`
	PerformanceDegraded *bool      `json:"performance_degraded,omitempty"`
	Workaround          *bool      `json:"workaround,omitempty"`
	SupportCases        *int       `json:"support_cases,omitempty"`
	StartedAt           *time.Time `json:"started_at,omitempty"`
}

// Merge returns i with every fact reported in newer replacing the old one.
func (i Impact) Merge(newer Impact) Impact {
	if newer.CustomersAffected != "" {
		i.CustomersAffected = newer.CustomersAffected
	}
	mergePtr(&i.DataLoss, newer.DataLoss)
	mergePtr(&i.SecurityBreach, newer.SecurityBreach)
	mergePtr(&i.CoreDegraded, newer.CoreDegraded)
	mergePtr(&i.PerformanceDegraded, newer.PerformanceDegraded)
	mergePtr(&i.Workaround, newer.Workaround)
	mergePtr(&i.SupportCases, newer.SupportCases)
	mergePtr(&i.StartedAt, newer.StartedAt)
	return i
}

func mergePtr[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// Validate rejects facts the severity policy cannot read.
func (i Impact) Validate() error {
	switch i.CustomersAffected {
	case "", "none", "some", "all":
	default:
		return fmt.Errorf("customers_affected must be none, some or all, not %q", i.CustomersAffected)
	}
	if i.SupportCases != nil && *i.SupportCases < 0 {
		return fmt.Errorf("support_cases must not be negative")
	}
	return nil
}

// SeverityOverride is a responder's explicit severity, which wins over the policy's assessment.
type SeverityOverride struct {
	Severity Severity `json:"severity"`
	Reason   string   `json:"reason"`
	By       string   `json:"by"`
}

// Responder is a person engaged in an incident.
type Responder struct {
	Person         string     `json:"person"`
	Team           string     `json:"team,omitempty"`
	Level          int        `json:"level"`
	PagedAt        time.Time  `json:"paged_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
}

// Entry is one line of the incident's timeline.
type Entry struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // phase, page, ack, escalate, assign, severity, impact, note kinds, update, resolve, ...
	By   string    `json:"by,omitempty"`
	Text string    `json:"text"`
}

// Message is a communication sent to an audience (internal or external).
type Message struct {
	Audience string    `json:"audience"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
}

// Audiences of messages.
const (
	AudienceInternal = "internal"
	AudienceExternal = "external"
)

// Metrics are the incident's response figures.
type Metrics struct {
	TimeToAcknowledge     time.Duration `json:"time_to_acknowledge,omitempty"`
	TimeToResolve         time.Duration `json:"time_to_resolve,omitempty"`
	ResponseTarget        time.Duration `json:"response_target,omitempty"`
	ResolutionTarget      time.Duration `json:"resolution_target,omitempty"`
	ResponseTargetMet     *bool         `json:"response_target_met,omitempty"`
	ResolutionTargetMet   *bool         `json:"resolution_target_met,omitempty"`
	PagesSent             int           `json:"pages_sent"`
	EscalationsByDeadline int           `json:"escalations_by_deadline"`
}

// Target is someone a policy engages: a team's current on-call person, a schedule's, or a
// named person.
type Target struct {
	Team     string `json:"team,omitempty"`
	Person   string `json:"person,omitempty"`
	Schedule string `json:"schedule,omitempty"`
}

// String names the target for people.
func (t Target) String() string {
	switch {
	case t.Person != "":
		return t.Person
	case t.Schedule != "":
		return "schedule " + t.Schedule
	}
	return "team " + t.Team
}

// EngagementPlan is the policies' decision of who is engaged, in which order and by when.
type EngagementPlan struct {
	Tiers             [][]Target      `json:"tiers"`
	AckTimeouts       []time.Duration `json:"ack_timeouts"` // one per escalation level
	Repeats           int             `json:"repeats"`
	CommanderTeam     string          `json:"commander_team,omitempty"`
	CommanderDeadline time.Duration   `json:"commander_deadline,omitempty"`
	DeferUntil        *time.Time      `json:"defer_until,omitempty"`
	ResponseTarget    time.Duration   `json:"response_target"`
	ResolutionTarget  time.Duration   `json:"resolution_target"`
	Reasons           []string        `json:"reasons"`
	PolicyRevision    string          `json:"policy_revision"`
	// LadderEnd is what happens once the last level of the last round passed its deadline with
	// nobody acknowledging.
	LadderEnd LadderEnd `json:"ladder_end"`
	// Confirmation decides when customers may hear about the incident.
	Confirmation Confirmation `json:"confirmation"`
	// Updates is how often customers hear from us, and who posts and is reminded.
	Updates UpdateCadence `json:"updates,omitzero"`
	// StatusPage is set when public updates are pushed to a hosted status page.
	StatusPage bool `json:"status_page,omitempty"`
	// People are the IDs of everyone the organisation knows, sorted: only they may act on the
	// incident, and only they may be given a role.
	People []string `json:"people,omitempty"`
	// PolicyInputs are the inputs each policy decided on, by decision name, so a reviewer can
	// reproduce the plan with `firebreak policy eval`.
	PolicyInputs map[string]any `json:"policy_inputs,omitempty"`
	// EscalationPolicy is the configured escalation policy the tiers come from, "" for the
	// engagement policy's teams; OnEmpty and AckReminder are its rules (escalation.go).
	EscalationPolicy string        `json:"escalation_policy,omitempty"`
	OnEmpty          string        `json:"on_empty,omitempty"`
	AckReminder      time.Duration `json:"ack_reminder,omitempty"`
}

// LadderEnd is the escalation policy's answer to "what now?" when every level of every round
// went unacknowledged: page Targets, and page them again every RepeatEvery until someone
// acknowledges. A zero RepeatEvery pages Targets once and then stays quiet.
type LadderEnd struct {
	Targets     []Target      `json:"targets"`
	RepeatEvery time.Duration `json:"repeat_every"`
}

// Confirmation is the policy's rule for when an incident counts as confirmed, so that customers
// hear of it: at start (a person declared it), when acknowledged, or once its alerts have kept
// firing for AfterFiring. PauseDuringFalseAlarmGrace stops the ladder while every alert has
// resolved and the incident may yet close as a false alarm.
type Confirmation struct {
	AtStart                    bool          `json:"at_start"`
	AfterFiring                time.Duration `json:"after_firing"`
	PauseDuringFalseAlarmGrace bool          `json:"pause_during_false_alarm_grace"`
}

// Levels returns the number of escalation levels.
func (p EngagementPlan) Levels() int { return len(p.AckTimeouts) }

// TargetsAt returns who is engaged at a 1-based level: the tier of that level, or the last tier.
func (p EngagementPlan) TargetsAt(level int) []Target {
	if len(p.Tiers) == 0 {
		return nil
	}
	return p.Tiers[min(level, len(p.Tiers))-1]
}

// TrackingRecord is where the incident was logged.
type TrackingRecord struct {
	System string `json:"system"`
	Ref    string `json:"ref"`
	URL    string `json:"url,omitempty"`
}

// Channels are the incident's chat channel and video bridge.
type Channels struct {
	Channel   string `json:"channel"`
	BridgeURL string `json:"bridge_url"`
	Topic     string `json:"topic"`
	UIURL     string `json:"ui_url"`
	// InChat is set when a chat system opened the channel, so events are posted to it.
	InChat bool `json:"in_chat,omitempty"`
	// ChannelID is the chat system's ID of the channel (Slack's C0123), which posts to it
	// need; "" when no chat system created it.
	ChannelID string `json:"channel_id,omitempty"`
	// Problems are what went wrong for good once the channel was open, such as a responder
	// the chat refused to invite; at most a few short lines, for the timeline.
	Problems []string `json:"problems,omitempty"`
}

// MoreSevereThan reports whether s is more severe than other; an unknown severity is less severe
// than any known one.
func (s Severity) MoreSevereThan(other Severity) bool {
	if !s.Valid() {
		return false
	}
	return !other.Valid() || s < other
}

// String describes the reported facts in words, for timelines and messages.
func (i Impact) String() string {
	var parts []string
	if i.CustomersAffected != "" {
		parts = append(parts, i.CustomersAffected+" customers affected")
	}
	flag := func(b *bool, yes, no string) {
		if b != nil {
			parts = append(parts, map[bool]string{true: yes, false: no}[*b])
		}
	}
	flag(i.DataLoss, "customer data lost", "no data lost")
	flag(i.SecurityBreach, "security or privacy breached", "no security breach")
	flag(i.CoreDegraded, "core functionality degraded", "core functionality intact")
	flag(i.PerformanceDegraded, "performance degraded", "performance normal")
	flag(i.Workaround, "a workaround is available", "no workaround")
	if i.SupportCases != nil {
		parts = append(parts, fmt.Sprintf("%d support cases", *i.SupportCases))
	}
	if i.StartedAt != nil {
		parts = append(parts, "started "+i.StartedAt.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "not reported"
	}
	return strings.Join(parts, "; ")
}
