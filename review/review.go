// Package review builds an incident's post-incident review from its recorded facts: the
// decisions, pages, acknowledgements, role changes and timeline that the caller read from the
// incident's workflow history. It computes the figures a review needs (minutes at each
// severity, time to acknowledge and to resolve against the targets) and writes the review
// document in Markdown. It knows no Temporal and does no I/O.
package review

import (
	"cmp"
	"slices"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// Policy names of the decisions a review lists.
const (
	PolicySeverity   = "severity"
	PolicyEngagement = "engagement"
	PolicyRouting    = "routing"
	PolicyApproval   = "approval"
)

// Input is everything recorded about one incident, as read from its workflow history (every
// run, across continue-as-new) and, when a worker answered, its state.
type Input struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflow_id"`
	// Runs are the run IDs of the incident's workflow, oldest first; Entry.Run indexes them.
	Runs    []string `json:"runs"`
	Title   string   `json:"title"`
	Service string   `json:"service"`
	Type    string   `json:"type"`
	// Source is where the incident came from: cli, or the alert source that opened it.
	Source string `json:"source"`
	// Reopens names the resolved incident this one follows, when it does.
	Reopens   string    `json:"reopens,omitempty"`
	URL       string    `json:"url,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// Status says where the incident stands now, when its state was read ("" when not).
	Status string `json:"status,omitempty"`
	// Impact is the last reported impact facts, every report merged.
	Impact    incident.Impact `json:"impact"`
	Alerts    []Alert         `json:"alerts,omitempty"`
	Decisions []Decision      `json:"decisions"`
	Pages     []Page          `json:"pages"`
	Acks      []Ack           `json:"acks"`
	Roles     []RoleChange    `json:"roles"`
	Resolved  *Resolution     `json:"resolved,omitempty"`
	// ReviewClosed is when and by whom the review was closed, with what it concluded.
	ReviewClosed *Resolution        `json:"review_closed,omitempty"`
	Messages     []incident.Message `json:"messages,omitempty"`
	Actions      []Action           `json:"actions"`
	Timeline     []Entry            `json:"timeline"`
	// Omitted counts the history events left out of the timeline as bookkeeping: workflow
	// tasks, search-attribute and memo upserts, version markers and activity starts.
	Omitted int `json:"omitted"`
	// GeneratedAt is when the document was made: the end of the last severity of an incident
	// not yet resolved.
	GeneratedAt time.Time `json:"generated_at"`
}

// Alert is one alert as it reached the incident.
type Alert struct {
	At          time.Time `json:"at"`
	Source      string    `json:"source"`
	Status      string    `json:"status"`
	Title       string    `json:"title"`
	Fingerprint string    `json:"fingerprint"`
}

// Decision is one policy decision recorded in the history, with the revision of the policy
// bundle that made it.
type Decision struct {
	At      time.Time `json:"at"`
	Run     int       `json:"run"`
	EventID int64     `json:"event_id"`
	// Workflow names the runbook run whose history holds the decision; "" for the incident's
	// own history, where Run and EventID place it.
	Workflow string `json:"workflow,omitempty"`
	// Policy is PolicySeverity, PolicyEngagement, PolicyRouting or PolicyApproval.
	Policy string `json:"policy"`
	// Outcome is the decision in a few words.
	Outcome  string   `json:"outcome"`
	Reasons  []string `json:"reasons,omitempty"`
	Revision string   `json:"revision"`
	// By is the responder whose action led to the decision, when one did.
	By string `json:"by,omitempty"`
	// Severity is the severity a severity decision gave.
	Severity incident.Severity `json:"severity,omitempty"`
	// ResponseTarget and ResolutionTarget are the targets an engagement decision set.
	ResponseTarget   time.Duration `json:"response_target,omitempty"`
	ResolutionTarget time.Duration `json:"resolution_target,omitempty"`
}

// Page is one page that reached a person.
type Page struct {
	At     time.Time `json:"at"`
	Person string    `json:"person"`
	Team   string    `json:"team,omitempty"`
	Method string    `json:"method"`
	Level  int       `json:"level"`
	Reason string    `json:"reason"`
}

// Ack is one acknowledgement; By is empty when the incident's alerts acknowledged it.
type Ack struct {
	At time.Time `json:"at"`
	By string    `json:"by,omitempty"`
}

// RoleChange is a role given to a person.
type RoleChange struct {
	At     time.Time     `json:"at"`
	Role   incident.Role `json:"role"`
	Person string        `json:"person"`
	By     string        `json:"by"`
}

// Resolution is when and how the incident's impact ended, or its review closed.
type Resolution struct {
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"`
	Summary string    `json:"summary"`
}

// Action is a follow-up action item the review asks for, with its owner; ID numbers the
// actions of an incident from 1, as the workflow does.
type Action struct {
	ID    int       `json:"id"`
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	Owner string    `json:"owner"`
	Text  string    `json:"text"`
}

// Entry is one event of the workflow's history as the timeline shows it: the run it is in, its
// event ID there, and the event in words.
type Entry struct {
	Run     int       `json:"run"`
	EventID int64     `json:"event_id"`
	At      time.Time `json:"at"`
	Event   string    `json:"event"`
	Text    string    `json:"text"`
}

// SeverityTime is how long the incident spent at one severity.
type SeverityTime struct {
	Severity incident.Severity `json:"severity"`
	Duration time.Duration     `json:"duration"`
}

// Figures are what a review computes from the recorded facts.
type Figures struct {
	// Initial is the first severity decided, Severity the last, and Peak the most severe.
	Initial  incident.Severity `json:"initial"`
	Severity incident.Severity `json:"severity"`
	Peak     incident.Severity `json:"peak"`
	// AtSeverity is the time spent at each severity, most severe first.
	AtSeverity []SeverityTime `json:"at_severity"`
	// Duration is from the start to resolution, or to GeneratedAt while unresolved.
	Duration  time.Duration `json:"duration"`
	FirstPage *time.Time    `json:"first_page,omitempty"`
	FirstAck  *time.Time    `json:"first_ack,omitempty"`
	// TimeToAcknowledge is the first acknowledgement less the first page; nil when either is
	// missing or the acknowledgement came before any page.
	TimeToAcknowledge *time.Duration `json:"time_to_acknowledge,omitempty"`
	// TimeToResolve is resolution less the start; nil while unresolved.
	TimeToResolve *time.Duration `json:"time_to_resolve,omitempty"`
	// The targets are those of the engagement decision in force at resolution (or now).
	ResponseTarget   time.Duration `json:"response_target,omitempty"`
	ResolutionTarget time.Duration `json:"resolution_target,omitempty"`
	// ResponseMet and ResolutionMet compare the figures with the targets; nil when a figure or
	// its target is missing.
	ResponseMet   *bool `json:"response_met,omitempty"`
	ResolutionMet *bool `json:"resolution_met,omitempty"`
}

// Compute returns the figures of an incident.
func Compute(in Input) Figures {
	var f Figures
	end := in.GeneratedAt
	var resolvedAt *time.Time
	if in.Resolved != nil {
		end, resolvedAt = in.Resolved.At, &in.Resolved.At
	}
	if end.Before(in.StartedAt) {
		end = in.StartedAt
	}
	f.Duration = end.Sub(in.StartedAt)

	spent := map[incident.Severity]time.Duration{}
	var current incident.Severity
	since := in.StartedAt // the first severity stands from the start
	for _, d := range in.Decisions {
		if d.Policy != PolicySeverity || !d.Severity.Valid() || d.Severity == current || d.At.After(end) {
			continue
		}
		if current != "" {
			spent[current] += d.At.Sub(since)
			since = d.At
		}
		current = d.Severity
		if f.Initial == "" {
			f.Initial = current
		}
		if f.Peak == "" || current.MoreSevereThan(f.Peak) {
			f.Peak = current
		}
	}
	if current != "" {
		spent[current] += end.Sub(since)
	}
	f.Severity = current
	for _, s := range []incident.Severity{incident.Sev1, incident.Sev2, incident.Sev3} {
		if d, ok := spent[s]; ok {
			f.AtSeverity = append(f.AtSeverity, SeverityTime{Severity: s, Duration: d})
		}
	}

	if p := earliest(in.Pages, func(p Page) time.Time { return p.At }); p != nil {
		f.FirstPage = p
	}
	if a := earliest(in.Acks, func(a Ack) time.Time { return a.At }); a != nil {
		f.FirstAck = a
	}
	if f.FirstPage != nil && f.FirstAck != nil && !f.FirstAck.Before(*f.FirstPage) {
		tta := f.FirstAck.Sub(*f.FirstPage)
		f.TimeToAcknowledge = &tta
	}
	if resolvedAt != nil {
		ttr := resolvedAt.Sub(in.StartedAt)
		f.TimeToResolve = &ttr
	}
	for _, d := range in.Decisions {
		if d.Policy == PolicyEngagement && !d.At.After(end) {
			f.ResponseTarget, f.ResolutionTarget = d.ResponseTarget, d.ResolutionTarget
		}
	}
	f.ResponseMet = within(f.TimeToAcknowledge, f.ResponseTarget)
	f.ResolutionMet = within(f.TimeToResolve, f.ResolutionTarget)
	return f
}

// earliest returns the earliest time among items, or nil when there are none.
func earliest[T any](items []T, at func(T) time.Time) *time.Time {
	if len(items) == 0 {
		return nil
	}
	first := slices.MinFunc(items, func(a, b T) int { return at(a).Compare(at(b)) })
	t := at(first)
	return &t
}

// within reports whether took is at most target; nil when either is missing.
func within(took *time.Duration, target time.Duration) *bool {
	if took == nil || target <= 0 {
		return nil
	}
	met := *took <= target
	return &met
}

// CurrentRoles returns who holds each role after every change, in the order of incident.Roles.
func CurrentRoles(changes []RoleChange) []RoleChange {
	last := map[incident.Role]RoleChange{}
	for _, c := range changes {
		last[c.Role] = c
	}
	var roles []RoleChange
	for _, r := range incident.Roles() {
		if c, ok := last[r]; ok {
			roles = append(roles, c)
		}
	}
	return roles
}

// byTime sorts items by their time, keeping the recorded order of equal times.
func byTime[T any](items []T, at func(T) time.Time) []T {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b T) int { return cmp.Compare(at(a).UnixNano(), at(b).UnixNano()) })
	return sorted
}
