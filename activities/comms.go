package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Stages of an incident at which messages go out.
const (
	StageInvestigating = "investigating"
	StageResolved      = "resolved"
	// StageFalseAlarm closes an incident that was never confirmed: internal only.
	StageFalseAlarm = "false-alarm"
	// StageUpdate is a status update a responder posted: their texts, or the templates.
	StageUpdate = "update"
)

// CommunicateRequest asks for the internal and external messages of one stage of an incident.
type CommunicateRequest struct {
	WorkflowID string            `json:"workflow_id"`
	Stage      string            `json:"stage"`
	Service    string            `json:"service"`
	Title      string            `json:"title"`
	Severity   incident.Severity `json:"severity"`
	Impact     incident.Impact   `json:"impact"`
	StartedAt  time.Time         `json:"started_at"`
	ResolvedAt *time.Time        `json:"resolved_at,omitempty"`
	Resolution string            `json:"resolution,omitempty"`
	// Audience limits the messages to incident.AudienceInternal or incident.AudienceExternal;
	// "" sends both.
	Audience string `json:"audience,omitempty"`
	// Public and Internal are a status update's texts (StageUpdate); each empty one is the
	// stage's template. Step tells one update from another in idempotency keys.
	Public   string `json:"public,omitempty"`
	Internal string `json:"internal,omitempty"`
	Step     string `json:"step,omitempty"`
}

// Communicate writes the stage's internal and external messages from the domain's templates and
// sends them as updates (phase 4, communicate; and the final messages of phase 7).
func (a *Activities) Communicate(ctx context.Context, req CommunicateRequest) ([]incident.Message, error) {
	composed, err := a.ComposeMessages(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, m := range composed.Messages {
		// broadcast adds each notifier's ID to the key, as DeliverKey does.
		if err := a.broadcast(ctx, updateMessage(req, m, CommunicateKey(req)+"/"+m.Audience)); err != nil {
			return nil, err
		}
	}
	return composed.Messages, nil
}

// updateMessage is one composed message of a stage as a notifier sends it, with its key.
func updateMessage(req CommunicateRequest, m incident.Message, key string) notify.Message {
	return notify.Message{
		Kind:           notify.KindUpdate,
		IdempotencyKey: key,
		IncidentID:     req.WorkflowID,
		Severity:       string(req.Severity),
		Service:        req.Service,
		Audience:       m.Audience,
		Subject:        safetext.Line(fmt.Sprintf("%s update (%s): %s", m.Audience, req.Stage, req.Title)),
		Text:           m.Text,
	}
}

// compose writes a stage's internal and external messages. Titles, resolutions and service names
// come from outside, so each message is neutralised for the chat and terminals that show it.
func (a *Activities) compose(req CommunicateRequest) (internal, external string, err error) {
	name := req.Service
	var features []string
	if svc, ok := a.Directory.Service(req.Service); ok {
		if svc.Name != "" {
			name = svc.Name
		}
		features = svc.Features
	}
	switch req.Stage {
	case StageInvestigating:
		internal = fmt.Sprintf("We are investigating an incident affecting %s. "+
			"We will send updates by e-mail and on the status page shortly.", joinAnd(append([]string{name}, features...)))
		external = fmt.Sprintf("We are investigating an incident affecting %s and will post updates here shortly.", name)
	case StageResolved:
		if req.ResolvedAt == nil {
			return "", "", badInput("communicate %s: resolved_at is required", req.Stage)
		}
		support := 0
		if req.Impact.SupportCases != nil {
			support = *req.Impact.SupportCases
		}
		internal = fmt.Sprintf("Resolved: the %s incident affecting %s (%s) is over. Impact: %s. "+
			"Duration: %s, from %s to %s. Support cases raised: %d. Resolution: %s. No further updates will be sent.",
			strings.ToUpper(string(req.Severity)), name, req.Title, req.Impact,
			req.ResolvedAt.Sub(req.StartedAt).Round(time.Second), req.StartedAt.UTC().Format(time.RFC3339),
			req.ResolvedAt.UTC().Format(time.RFC3339), support, req.Resolution)
		external = fmt.Sprintf("The incident affecting %s has been resolved and service is restored. "+
			"A review of what happened will follow.", name)
	case StageUpdate:
		internal = fmt.Sprintf("Update on the incident affecting %s (%s): the response is under way. "+
			"We will send another update as soon as there is news.", joinAnd(append([]string{name}, features...)), req.Title)
		external = fmt.Sprintf("We are continuing to work on the incident affecting %s. We will post another update here soon.", name)
		if t := strings.TrimSpace(req.Internal); t != "" {
			internal = t
		}
		if t := strings.TrimSpace(req.Public); t != "" {
			external = t
		}
	case StageFalseAlarm:
		if req.ResolvedAt == nil {
			return "", "", badInput("communicate %s: resolved_at is required", req.Stage)
		}
		internal = fmt.Sprintf("False alarm: the alerts about %s (%s) resolved before anyone acknowledged, and the incident "+
			"closed itself after %s. Customers were not told. No further updates will be sent.",
			name, req.Title, req.ResolvedAt.Sub(req.StartedAt).Round(time.Second))
	default:
		return "", "", badInput("communicate: unknown stage %q", safetext.Line(req.Stage))
	}
	return safetext.Line(internal), safetext.Line(external), nil
}

// CommunicateKey is the idempotency key of a stage's messages, to which each message adds its
// audience: the workflow ID, the stage, and for a status update its step.
func CommunicateKey(req CommunicateRequest) string {
	key := req.WorkflowID + "/communicate/" + req.Stage
	if req.Step != "" {
		key += "/" + req.Step
	}
	return key
}

// joinAnd joins words as English does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
