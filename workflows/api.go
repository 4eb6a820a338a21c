// Package workflows holds Firebreak's incident workflow: the deterministic orchestration that carries
// one incident through the seven response phases, with its update, query and search-attribute names.
package workflows

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
)

// TaskQueue is the task queue of incidents, heartbeats and schedules, which every Firebreak worker
// polls.
const TaskQueue = "firebreak"

// RunbookTaskQueue is the task queue of runbook runs and their steps. Every Firebreak worker polls
// it too, with pollers and slots of its own, so that runbook work (a step may wait minutes for a
// service to settle) never takes a slot or a poll a page needs.
const RunbookTaskQueue = "firebreak-runbooks"

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
	// UpdatePost posts a status update to customers, stakeholders or both.
	UpdatePost = "post-update"
	// UpdateFollowUp adds a follow-up action with an owner; UpdateCloseReview closes the review
	// of a resolved incident, which then completes.
	UpdateFollowUp    = "follow-up"
	UpdateCloseReview = "close-review"
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

// SearchAttributes lists Firebreak's custom search attributes with their types, for registering
// them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrService.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrType.GetName():            enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrSeverity.GetName():        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrPhase.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrStatus.GetName():          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrCommander.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrEscalationLevel.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
	}
}

// StartSearchAttributes are the search attributes an incident starts with, so that it is listed
// before its first workflow task runs.
func StartSearchAttributes(service, incidentType string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		AttrService.ValueSet(service),
		AttrType.ValueSet(incidentType),
		AttrStatus.ValueSet(string(incident.StatusTriggered)),
		AttrPhase.ValueSet(string(incident.PhaseDetect)),
	)
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateKey reports whether key can name an incident: lowercase letters, digits and dashes.
func ValidateKey(key string) error {
	if !keyPattern.MatchString(key) {
		return fmt.Errorf("invalid incident key %q: use 1-63 lowercase letters, digits and dashes", key)
	}
	return nil
}

// WorkflowID returns the workflow ID of the incident with the given key.
func WorkflowID(key string) string { return "incident-" + key }

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
	// RunbookRuns counts the runbook runs of earlier runs when the incident continued as new,
	// so that run numbers never repeat.
	RunbookRuns int `json:"runbook_runs,omitempty"`
	// Runbooks are the references of runs carried from earlier runs: every run in flight, which
	// reports its end by signal, and the latest finished ones.
	Runbooks []RunbookRunRef `json:"runbooks,omitempty"`
	// Private keeps the incident off the public status page and its feed.
	Private bool `json:"private,omitempty"`
}

// AlertBatch is one alerts signal: the alerts of one group that arrived together, and the routing
// decision that grouped them.
type AlertBatch = incident.AlertBatch

// Routing is what the routing policy decided for a group of alerts.
type Routing = incident.Routing

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
type State = incident.State

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

// Expiry bounds how long a responder's update may wait for a worker: a worker that first sees
// the update after Expires rejects it, so an update its sender gave up on is never applied later.
// A zero Expires never expires.
type Expiry struct {
	Expires time.Time `json:"expires,omitzero"`
}

// AckRequest acknowledges the incident.
type AckRequest struct {
	By string `json:"by"`
	Expiry
}

// EscalateRequest pages the next escalation level now.
type EscalateRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
	Expiry
}

// AssignRequest gives a role to a person.
type AssignRequest struct {
	By     string        `json:"by"`
	Role   incident.Role `json:"role"`
	Person string        `json:"person"`
	Expiry
}

// SeverityRequest overrides the severity.
type SeverityRequest struct {
	By       string            `json:"by"`
	Severity incident.Severity `json:"severity"`
	Reason   string            `json:"reason"`
	Expiry
}

// ImpactRequest reports new impact facts.
type ImpactRequest struct {
	By     string          `json:"by"`
	Impact incident.Impact `json:"impact"`
	Expiry
}

// NoteRequest adds a note to the timeline.
type NoteRequest struct {
	By   string            `json:"by"`
	Kind incident.NoteKind `json:"kind"`
	Text string            `json:"text"`
	Expiry
}

// PostUpdateRequest posts a status update: Public goes to customers (the status page, e-mail),
// Internal to responders and stakeholders. With neither, the templates go out: the internal one
// always, the public one once customers may hear of the incident.
type PostUpdateRequest struct {
	By       string `json:"by"`
	Public   string `json:"public,omitempty"`
	Internal string `json:"internal,omitempty"`
	Expiry
}

// FollowUpRequest adds a follow-up action that the review asks for, owned by Owner.
type FollowUpRequest struct {
	By    string `json:"by"`
	Owner string `json:"owner"`
	Text  string `json:"text"`
	Expiry
}

// CloseReviewRequest closes the review of a resolved incident with what it concluded.
type CloseReviewRequest struct {
	By      string `json:"by"`
	Summary string `json:"summary"`
	Expiry
}

// ResolveRequest declares the impact over.
type ResolveRequest struct {
	By      string `json:"by"`
	Summary string `json:"summary"`
	Expiry
}

// KeyFromRef returns the incident key that ref names: ref is either a key ("search-x1y2z3") or a
// workflow ID ("incident-search-x1y2z3"), as `alert send` and the Web UI show it. A ref that is a
// valid key is taken as a key unless it is also a workflow ID of a valid key; callers that must
// tell the two apart look both up.
func KeyFromRef(ref string) (string, error) {
	if key, ok := strings.CutPrefix(ref, "incident-"); ok && ValidateKey(key) == nil {
		return key, nil
	}
	if err := ValidateKey(ref); err != nil {
		return "", fmt.Errorf("%q is neither an incident key nor an incident workflow ID", ref)
	}
	return ref, nil
}
