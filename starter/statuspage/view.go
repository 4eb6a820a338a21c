package statuspage

import (
	"slices"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Component statuses, in Atlassian Statuspage's words, from the least severe.
const (
	StatusOperational         = "operational"
	StatusDegradedPerformance = "degraded_performance"
	StatusPartialOutage       = "partial_outage"
	StatusMajorOutage         = "major_outage"
)

// Bounds on what one incident shows.
const (
	// MaxUpdates is how many public updates, the latest, an incident shows.
	MaxUpdates = 20
	// MaxTimeline is how many timeline entries, the latest, the internal page shows per incident.
	MaxTimeline = 50
	// MaxFeedEntries is how many entries, the latest, the Atom feed holds.
	MaxFeedEntries = 100
	// HistoryWindow is how far back the page lists resolved incidents.
	HistoryWindow = 90 * 24 * time.Hour
)

// ComponentStatus returns the status a service shows while an incident of severity sev is open:
// sev1 a major outage, sev2 a partial outage, anything else degraded performance.
func ComponentStatus(sev incident.Severity) string {
	switch sev {
	case incident.Sev1:
		return StatusMajorOutage
	case incident.Sev2:
		return StatusPartialOutage
	default:
		return StatusDegradedPerformance
	}
}

// statusRank orders component statuses from operational up.
func statusRank(status string) int {
	return slices.Index([]string{StatusOperational, StatusDegradedPerformance, StatusPartialOutage, StatusMajorOutage}, status)
}

// statusLabel names a component status for people.
func statusLabel(status string) string {
	switch status {
	case StatusDegradedPerformance:
		return "Degraded performance"
	case StatusPartialOutage:
		return "Partial outage"
	case StatusMajorOutage:
		return "Major outage"
	}
	return "Operational"
}

// Public is the public page, /status and /status.json: only what customers may read.
type Public struct {
	Title     string    `json:"title"`
	UpdatedAt time.Time `json:"updated_at"`
	// Status is the worst component status.
	Status     string           `json:"status"`
	Components []Component      `json:"components"`
	Incidents  []PublicIncident `json:"incidents"`
	Resolved   []PublicIncident `json:"resolved"`
}

// Component is one configured service and its state.
type Component struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// PublicIncident is an incident as customers see it: the affected service, when, and the
// updates written for them. Its internal title never appears.
type PublicIncident struct {
	Key         string     `json:"key"`
	Service     string     `json:"service"`
	ServiceName string     `json:"service_name"`
	Status      string     `json:"status"` // investigating or resolved
	Impact      string     `json:"impact"` // the component status it causes
	StartedAt   time.Time  `json:"started_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	Updates     []Update   `json:"updates"`
}

// Update is one public update.
type Update struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// Internal is the internal page, /status/internal: every open incident, private ones included.
type Internal struct {
	Title      string             `json:"title"`
	UpdatedAt  time.Time          `json:"updated_at"`
	Components []Component        `json:"components"`
	Incidents  []InternalIncident `json:"incidents"`
	// Truncated says the listing stopped at the page's limit.
	Truncated bool `json:"truncated"`
}

// InternalIncident is an open incident as responders see it.
type InternalIncident struct {
	Key       string    `json:"key"`
	Title     string    `json:"title"`
	Service   string    `json:"service"`
	Severity  string    `json:"severity"`
	Status    string    `json:"status"`
	Phase     string    `json:"phase"`
	Private   bool      `json:"private"`
	Confirmed bool      `json:"confirmed"`
	StartedAt time.Time `json:"started_at"`
	// Problem says why only visibility's row is shown: the state query was not answered.
	Problem         string               `json:"problem,omitempty"`
	Roles           []RoleHolder         `json:"roles"`
	Responders      []incident.Responder `json:"responders"`
	Timeline        []incident.Entry     `json:"timeline"`
	TimelineEarlier int                  `json:"timeline_earlier"`
	Messages        []incident.Message   `json:"messages"`
}

// RoleHolder is who holds a role; Person is empty while nobody does.
type RoleHolder struct {
	Role   string `json:"role"`
	Person string `json:"person"`
}

// looked is one incident of a snapshot: its visibility row and, when they were read, its state
// or its summary.
type looked struct {
	row     Row
	state   *incident.State
	summary *workflows.Summary
	problem string
}

// snapshot is one look at Temporal.
type snapshot struct {
	at        time.Time
	open      []looked
	resolved  []looked
	truncated bool
}

// public reports whether customers may see an incident: it is not private by its memo or its
// state, it was confirmed (so it is no false alarm in waiting), and its state or summary was read.
func (l looked) public() bool {
	switch {
	case l.row.Private:
		return false
	case l.state != nil:
		return !l.state.Private && l.state.ConfirmedAt != nil && !l.state.FalseAlarm
	case l.summary != nil:
		// A closed incident: its summary does not say whether it was confirmed, but a false
		// alarm's resolution says it was one.
		return !strings.HasPrefix(l.summary.Resolution, "false alarm")
	}
	return false
}

// severity is the incident's severity, from its state when read.
func (l looked) severity() incident.Severity {
	if l.state != nil {
		return l.state.Severity
	}
	if l.summary != nil {
		return l.summary.Severity
	}
	return incident.Severity(l.row.Severity)
}

// components returns every configured service with the worst status its listed incidents cause,
// then any other service an incident names.
func components(cfg *config.Config, open []looked) []Component {
	out := make([]Component, 0, len(cfg.Services))
	index := map[string]int{}
	for _, s := range cfg.Services {
		index[s.ID] = len(out)
		out = append(out, Component{ID: s.ID, Name: serviceName(cfg, s.ID), Status: StatusOperational})
	}
	for _, l := range open {
		i, ok := index[l.row.Service]
		if !ok {
			i = len(out)
			index[l.row.Service] = i
			out = append(out, Component{ID: l.row.Service, Name: serviceName(cfg, l.row.Service), Status: StatusOperational})
		}
		if status := ComponentStatus(l.severity()); statusRank(status) > statusRank(out[i].Status) {
			out[i].Status = status
		}
	}
	return out
}

// serviceName is the service's configured name, or its ID.
func serviceName(cfg *config.Config, id string) string {
	if s, ok := cfg.Service(id); ok && s.Name != "" {
		return safetext.Line(s.Name)
	}
	return safetext.Line(id)
}

// publicView builds the public page from a snapshot, leaving out every incident customers may
// not see.
func publicView(cfg *config.Config, snap *snapshot) Public {
	var open []looked
	for _, l := range snap.open {
		if l.public() {
			open = append(open, l)
		}
	}
	p := Public{
		Title: safetext.Line(cfg.StatusPage.Title), UpdatedAt: snap.at, Status: StatusOperational,
		Components: components(cfg, open), Incidents: []PublicIncident{}, Resolved: []PublicIncident{},
	}
	for _, c := range p.Components {
		if statusRank(c.Status) > statusRank(p.Status) {
			p.Status = c.Status
		}
	}
	for _, l := range open {
		p.Incidents = append(p.Incidents, publicIncident(cfg, l, "investigating"))
	}
	for _, l := range snap.resolved {
		if l.public() {
			p.Resolved = append(p.Resolved, publicIncident(cfg, l, "resolved"))
		}
	}
	return p
}

func publicIncident(cfg *config.Config, l looked, status string) PublicIncident {
	in := PublicIncident{
		Key: l.row.Key, Service: safetext.Line(l.row.Service), ServiceName: serviceName(cfg, l.row.Service),
		Status: status, Impact: ComponentStatus(l.severity()), StartedAt: l.row.StartedAt, Updates: []Update{},
	}
	if status == "resolved" {
		in.Impact = StatusOperational
	}
	if l.state != nil {
		in.StartedAt = l.state.StartedAt
		in.ResolvedAt = l.state.ResolvedAt
		for _, m := range l.state.Messages {
			if m.Audience == incident.AudienceExternal {
				in.Updates = append(in.Updates, Update{At: m.At, Text: safetext.Line(m.Text)})
			}
		}
	}
	if l.summary != nil && !l.summary.ResolvedAt.IsZero() {
		resolved := l.summary.ResolvedAt
		in.ResolvedAt = &resolved
	}
	// The latest first, at most MaxUpdates.
	slices.Reverse(in.Updates)
	in.Updates = in.Updates[:min(len(in.Updates), MaxUpdates)]
	return in
}

// internalView builds the internal page from a snapshot: every open incident.
func internalView(cfg *config.Config, snap *snapshot) Internal {
	v := Internal{
		Title: safetext.Line(cfg.StatusPage.Title) + " (internal)", UpdatedAt: snap.at,
		Components: components(cfg, snap.open), Incidents: []InternalIncident{}, Truncated: snap.truncated,
	}
	for _, l := range snap.open {
		in := InternalIncident{
			Key: l.row.Key, Title: safetext.Line(l.row.Title), Service: safetext.Line(l.row.Service),
			Severity: string(l.severity()), Status: l.row.Status, Private: l.row.Private, StartedAt: l.row.StartedAt,
			Problem: l.problem, Roles: []RoleHolder{}, Responders: []incident.Responder{}, Timeline: []incident.Entry{},
			Messages: []incident.Message{},
		}
		if s := l.state; s != nil {
			in.Title, in.Status, in.Phase = safetext.Line(s.Title), string(s.Status), string(s.Phase)
			in.Private = in.Private || s.Private
			in.Confirmed = s.ConfirmedAt != nil
			for _, role := range incident.Roles() {
				in.Roles = append(in.Roles, RoleHolder{Role: string(role), Person: safetext.Line(s.Roles[role])})
			}
			for _, r := range s.Responders {
				r.Person, r.Team = safetext.Line(r.Person), safetext.Line(r.Team)
				in.Responders = append(in.Responders, r)
			}
			timeline := s.Timeline[max(0, len(s.Timeline)-MaxTimeline):]
			in.TimelineEarlier = s.TimelineEarlier + len(s.Timeline) - len(timeline)
			for _, e := range timeline {
				e.By, e.Text = safetext.Line(e.By), safetext.Line(e.Text)
				in.Timeline = append(in.Timeline, e)
			}
			for _, m := range s.Messages[max(0, len(s.Messages)-MaxUpdates):] {
				m.Text = safetext.Line(m.Text)
				in.Messages = append(in.Messages, m)
			}
		}
		v.Incidents = append(v.Incidents, in)
	}
	return v
}
