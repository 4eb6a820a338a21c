// Package activities holds the incident workflow's activities: every step that touches the world
// (the tracking log, chat channels, policy decisions, pages and communications), so that each
// one's input and result are in the workflow history a reviewer reads.
package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/policies"
)

// Activities holds the clients the incident workflow's activities use. Workflows call its methods
// through a nil pointer; the worker registers a filled one.
type Activities struct {
	// Directory knows the people, the teams' on-call rotations and the services. Required.
	Directory Directory
	// Policies decides severity, engagement, escalation, targets and confirmation.
	Policies Decider
	// WorkingHours says when minor incidents may wait for people at work; nil means always at
	// work, so nothing waits.
	WorkingHours WorkingHours
	// UIURL is the base URL of the Temporal Web UI, for links to workflows.
	UIURL string
	// Bridge returns the video bridge URL of the incident with a key; nil means no bridge.
	Bridge func(key string) string
	// Chat is the chat system incident channels open in and their events are posted to
	// (channels.go); nil means none: the channel is only named and announced.
	Chat *Chat
	// Notifiers deliver pages and updates, by notifier ID as people's notify lists name them.
	Notifiers map[string]notify.Notifier
	Tracker   Tracker
	// StatusPage pushes public updates to a hosted status page; nil pushes nothing.
	StatusPage StatusPusher
	Metrics    *Metrics
	Logger     *slog.Logger
	// Now is the clock used for on-call rotations and working hours; nil means time.Now.
	Now func() time.Time
	// Location is the organisation's time zone, in which the engagement policy sees the time of
	// day; nil means UTC.
	Location *time.Location
	// Namespace is the Temporal namespace, for links to the Web UI.
	Namespace string
	// Heartbeats and Alerts serve missed heartbeats (heartbeat.go): the configured heartbeats,
	// and the routing and delivery of their alerts. Nil Alerts fail every heartbeat alert.
	Heartbeats HeartbeatDirectory
	Alerts     AlertIntake
}

// Directory is who and what the activities page and speak of: people's contact methods, the
// teams' on-call rotations and the services.
type Directory interface {
	// ContactMethods returns the notifier IDs that reach a person, and whether the person exists.
	ContactMethods(person string) (methods []string, ok bool)
	// OnCall returns the ID of the person on call for a team at an instant; the error wraps
	// ErrUnknownTeam when there is no such team.
	OnCall(team string, at time.Time) (person string, err error)
	// Service returns what the activities know of a service, and whether it exists.
	Service(id string) (Service, bool)
	// People returns the ID of everyone who can be paged, in any order.
	People() []string
	// Explain returns who a team's or a schedule's target has on call at an instant, why (the
	// layer or override) and until when (page.go); when nobody is, the person is empty and Until
	// is when that changes.
	Explain(t incident.Target, at time.Time) (OnCallReason, error)
	// NotificationRules returns a person's contact methods with their delays after a page, and
	// whether the person exists.
	NotificationRules(person string) ([]NotificationRule, bool)
	// EscalationPolicy returns a configured escalation policy, and whether it exists.
	EscalationPolicy(id string) (incident.EscalationPolicy, bool)
	// Prefetch starts reading, in the background, what Explain will need to answer for the
	// teams of a service, and returns at once.
	Prefetch(service string)
}

// ErrUnknownTeam is what a Directory's OnCall returns for a team it does not know.
var ErrUnknownTeam = errors.New("unknown team")

// Service is what the activities know of a service: how communications name it and what they
// mention, the team that owns it and the one paged when the owners do not respond, whether
// customers see it, and its acknowledgement timeout (zero for the policy's default).
type Service struct {
	Name           string
	Features       []string
	Team           string
	EscalationTeam string
	CustomerFacing bool
	AckTimeout     time.Duration
	// EscalationPolicy names the configured escalation policy the service pages through, and
	// AfterHoursEscalationPolicy the one outside the working hours ("" for the same).
	EscalationPolicy           string
	AfterHoursEscalationPolicy string
}

// Decider evaluates a named policy decision for an input and decodes its answer into out.
// *policies.Evaluator implements it.
type Decider interface {
	Decide(ctx context.Context, name policies.Name, input, out any) error
	// Revision names the policy bundle that decides, for the record.
	Revision() string
}

// WorkingHours says when the organisation is at work.
type WorkingHours interface {
	// Contains reports whether t falls within the working hours.
	Contains(t time.Time) bool
	// NextStart returns t if it falls within the working hours, and otherwise when they next start.
	NextStart(t time.Time) time.Time
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// workflowURL returns the Temporal Web UI address of a workflow.
func (a *Activities) workflowURL(workflowID string) string {
	ns := a.Namespace
	if ns == "" {
		ns = "default"
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.UIURL, ns, workflowID)
}

// bridge returns the video bridge URL of the incident with a key.
func (a *Activities) bridge(key string) string {
	if a.Bridge == nil {
		return ""
	}
	return a.Bridge(key)
}

// inWorkingHours reports whether t falls within the working hours.
func (a *Activities) inWorkingHours(t time.Time) bool {
	return a.WorkingHours == nil || a.WorkingHours.Contains(t)
}

// nextWorkingHours returns t if it falls within the working hours, and otherwise when they next
// start.
func (a *Activities) nextWorkingHours(t time.Time) time.Time {
	if a.WorkingHours == nil {
		return t
	}
	return a.WorkingHours.NextStart(t)
}

// Error types of non-retryable activity failures.
const (
	ErrBadInput = "BadInput"
	ErrPolicy   = "PolicyError"
	// ErrUndeliverable is a page or message that can never be delivered as addressed: an
	// unknown contact method, or a receiver that rejected it for good.
	ErrUndeliverable = "Undeliverable"
)

func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

func undeliverable(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrUndeliverable, nil)
}

// incidentKey returns the key of the incident with a workflow ID.
func incidentKey(workflowID string) string { return strings.TrimPrefix(workflowID, "incident-") }
