// Package notify sends Firebreak's pages and updates to people and channels.
//
// A Notifier delivers one Message and says whether a failed delivery is worth retrying, so
// that the activity calling it can fail with a retryable or a non-retryable error. Every
// Message carries an idempotency key derived from the workflow ID and the step: sending the
// same message twice, as a retried activity may, must reach its recipient once.
package notify

import "context"

// The kinds of message.
const (
	// KindPage asks a responder to join an incident.
	KindPage = "page"
	// KindUpdate tells people how an incident is going.
	KindUpdate = "update"
	// KindChannel announces an incident's channel, bridge and summary.
	KindChannel = "channel"
)

// Message is one page or update to one recipient.
type Message struct {
	// Kind is KindPage, KindUpdate or KindChannel.
	Kind string `json:"kind"`
	// IdempotencyKey is derived from the workflow ID and the step by the caller; the same key
	// means the same message.
	IdempotencyKey string `json:"idempotency_key"`
	// IncidentID identifies the incident the message is about.
	IncidentID string `json:"incident_id"`
	// Recipient is a person ID, or "" for a broadcast.
	Recipient string `json:"recipient,omitempty"`
	// Severity is the incident's severity, such as "sev1", when known.
	Severity string `json:"severity,omitempty"`
	// Service is the ID of the service the incident affects, when known; notifiers that
	// address lists per service (e-mail stakeholders) read it.
	Service string `json:"service,omitempty"`
	// Audience is "internal" or "external" for an update, so that a notifier can keep an
	// internal update from customers; "" otherwise.
	Audience string `json:"audience,omitempty"`
	// Subject is a one-line summary.
	Subject string `json:"subject"`
	// Text is the body of the message.
	Text string `json:"text"`
	// Links are named URLs, such as "ui" for the incident in the Temporal Web UI and "bridge"
	// for its video call.
	Links map[string]string `json:"links,omitempty"`
}

// Notifier delivers messages; retry reports whether a failed delivery is worth retrying.
type Notifier interface {
	Notify(ctx context.Context, m Message) (retry bool, err error)
}
