// Package worker registers Firebreak's workflow and activities in one place and runs a worker on
// the firebreak task queue.
package worker

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Register registers the incident workflow and every activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Incident, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	r.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
}

// Settings are what a worker's activities need besides the configuration.
type Settings struct {
	Config    *config.Config
	Policies  *policies.Evaluator
	Namespace string
	// TrackingDir is where the built-in tracking log writes incident documents.
	TrackingDir string
	// Console receives the console notifier's lines; nil means standard output.
	Console  io.Writer
	Logger   *slog.Logger
	Registry prometheus.Registerer
}

// NewActivities builds the configured notifiers and returns the activities ready to register.
func NewActivities(s Settings) (*activities.Activities, error) {
	notifiers, err := newNotifiers(s.Config, s.Console)
	if err != nil {
		return nil, err
	}
	metrics, err := activities.NewMetrics(s.Registry)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	return &activities.Activities{
		Config:    s.Config,
		Policies:  s.Policies,
		Notifiers: notifiers,
		Tracker:   activities.FileTracker{Dir: s.TrackingDir},
		Metrics:   metrics,
		Logger:    s.Logger,
		Namespace: s.Namespace,
	}, nil
}

func newNotifiers(cfg *config.Config, console io.Writer) (map[string]notify.Notifier, error) {
	if console == nil {
		console = os.Stdout
	}
	notifiers := map[string]notify.Notifier{"console": notify.NewConsole(console)}
	for _, n := range cfg.Notifiers {
		switch n.Type {
		case "console":
			notifiers[n.ID] = notifiers["console"]
		case "webhook":
			secret := os.Getenv(n.SecretEnv)
			if secret == "" {
				return nil, fmt.Errorf("notifier %s: environment variable %s is empty", n.ID, n.SecretEnv)
			}
			w, err := notify.NewWebhook(notify.WebhookConfig{URL: n.URL, Secret: []byte(secret)})
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			notifiers[n.ID] = w
		default:
			return nil, fmt.Errorf("notifier %s: unknown type %q", n.ID, n.Type)
		}
	}
	return notifiers, nil
}

// New returns a worker on the firebreak task queue with everything registered.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		// Give running activities time to finish when the worker drains.
		WorkerStopTimeout: 10 * time.Second,
	})
	Register(w, acts)
	return w
}
