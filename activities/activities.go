// Package activities holds the incident workflow's activities: every step that touches the world
// (the tracking log, chat channels, policy decisions, pages and communications), so that each
// one's input and result are in the workflow history a reviewer reads.
package activities

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
)

// Activities holds the clients the incident workflow's activities use. Workflows call its methods
// through a nil pointer; the worker registers a filled one.
type Activities struct {
	Config   *config.Config
	Policies *policies.Evaluator
	// Notifiers deliver pages and updates, by notifier ID as people's notify lists name them.
	Notifiers map[string]notify.Notifier
	Tracker   Tracker
	Metrics   *Metrics
	Logger    *slog.Logger
	// Now is the clock used for on-call rotations and working hours; nil means time.Now.
	Now func() time.Time
	// Namespace is the Temporal namespace, for links to the Web UI.
	Namespace string
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
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.Config.UIURL, ns, workflowID)
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
