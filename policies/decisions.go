package policies

import "github.com/firebreak-dev/firebreak/incident"

// SeverityDecision is the severity decision (data.firebreak.severity.decision): the incident's
// severity, whether a responder's override decided it, and the reasons. Input and
// PolicyRevision are not part of the policy's answer: the caller records there the input it
// gave and the revision of the bundle that decided, so a reviewer can reproduce the decision.
type SeverityDecision struct {
	Severity       incident.Severity `json:"severity"`
	Reasons        []string          `json:"reasons"`
	Overridden     bool              `json:"overridden"`
	Input          map[string]any    `json:"input"`
	PolicyRevision string            `json:"policy_revision"`
}

// EngagementDecision is the engagement decision (data.firebreak.engagement.decision): the tiers
// of targets paged level by level, the team that provides the incident commander ("" when none
// is needed), the targets paged at the ladder's end when nobody acknowledged any level, and the
// reasons.
type EngagementDecision struct {
	// EscalationPolicy names the configured escalation policy whose levels replace Tiers; ""
	// pages Tiers.
	EscalationPolicy string              `json:"escalation_policy,omitempty"`
	Tiers            [][]incident.Target `json:"tiers"`
	CommanderTeam    string              `json:"commander_team"`
	LadderEnd        []incident.Target   `json:"ladder_end"`
	Reasons          []string            `json:"reasons"`
}

// EscalationDecision is the escalation decision (data.firebreak.escalation.decision): one
// acknowledgement timeout per level, how many times the ladder repeats, the interval at which
// the ladder's end pages again until acknowledged (0: once, then quiet), the commander deadline
// (0 for none), whether to wait for working hours, and the reasons. Durations are in seconds.
type EscalationDecision struct {
	AckTimeoutSeconds        []int    `json:"ack_timeout_seconds"`
	Repeats                  int      `json:"repeats"`
	LadderEndRepeatSeconds   int      `json:"ladder_end_repeat_seconds"`
	CommanderDeadlineSeconds int      `json:"commander_deadline_seconds"`
	DeferToWorkingHours      bool     `json:"defer_to_working_hours"`
	Reasons                  []string `json:"reasons"`
}

// TargetsDecision is the targets decision (data.firebreak.targets.decision): how soon someone
// must respond and how soon the incident should be resolved, in seconds, and the reasons.
type TargetsDecision struct {
	ResponseTargetSeconds   int      `json:"response_target_seconds"`
	ResolutionTargetSeconds int      `json:"resolution_target_seconds"`
	Reasons                 []string `json:"reasons"`
}

// ConfirmationDecision is the confirmation decision (data.firebreak.confirmation.decision):
// whether the incident is confirmed at start, how many seconds its alerts must keep firing to
// confirm it (acknowledging confirms it too), whether paging pauses while it may yet close as
// a false alarm, and the reasons.
type ConfirmationDecision struct {
	AtStart                          bool     `json:"at_start"`
	AfterFiringSeconds               int      `json:"after_firing_seconds"`
	PausePagingDuringFalseAlarmGrace bool     `json:"pause_paging_during_false_alarm_grace"`
	Reasons                          []string `json:"reasons"`
}

// RoutingDecision is the routing decision (data.firebreak.routing.decision): whether an alert
// may open an incident or only feeds one, the group that names its incident, the incident's
// service, type, title and impact, whether the incident closes as a false alarm when every
// alert resolves before anyone acknowledges and after how many seconds, how many seconds after
// resolution a firing alert starts a new incident, whether the incident resolves as soon as
// every alert has resolved (as PagerDuty does), and the reasons.
type RoutingDecision struct {
	Open                   bool            `json:"open"`
	Group                  string          `json:"group"`
	Service                string          `json:"service"`
	Type                   string          `json:"type"`
	Title                  string          `json:"title"`
	Impact                 incident.Impact `json:"impact"`
	CloseFalseAlarms       bool            `json:"close_false_alarms"`
	FalseAlarmGraceSeconds int             `json:"false_alarm_grace_seconds"`
	ReopenWindowSeconds    int             `json:"reopen_window_seconds"`
	ResolveWithAlerts      bool            `json:"resolve_with_alerts"`
	Reasons                []string        `json:"reasons"`
}

// ApprovalDecision is the approval decision (data.firebreak.approval.decision): whether a
// runbook step needs an approval before it runs, the approvers (incident roles such as
// commander, or people by ID), how many distinct approvers (never the requester), how long to
// wait in seconds, what happens on timeout (reject, escalate or approve), whether the step
// only plans in its environment, and the reasons.
type ApprovalDecision struct {
	Needed      bool     `json:"needed"`
	Approvers   []string `json:"approvers"`
	Count       int      `json:"count"`
	WaitSeconds int      `json:"wait_seconds"`
	OnTimeout   string   `json:"on_timeout"`
	DryRun      bool     `json:"dry_run"`
	Reasons     []string `json:"reasons"`
}

// CommunicationDecision is the communication decision (data.firebreak.communication.decision):
// how often a public update is due in seconds (0: no cadence), the incident roles that may post
// one (empty: anyone the organisation knows), how many seconds after the first reminder of an
// overdue update the commander is reminded, and the reasons.
type CommunicationDecision struct {
	PublicUpdateEverySeconds    int             `json:"public_update_every_seconds"`
	PublicUpdateRoles           []incident.Role `json:"public_update_roles"`
	RemindCommanderAfterSeconds int             `json:"remind_commander_after_seconds"`
	Reasons                     []string        `json:"reasons"`
}

// What an approval's timeout leads to.
const (
	OnTimeoutReject   = "reject"
	OnTimeoutEscalate = "escalate"
	OnTimeoutApprove  = "approve"
)
