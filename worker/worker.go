// Package worker registers Firebreak's workflow and activities in one place and runs a worker on
// the firebreak task queue.
package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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
	Namespace string
	// TrackingDir is where the built-in tracking log writes incident documents.
	TrackingDir string
	// Console receives the console notifier's lines; nil means standard output.
	Console  io.Writer
	Logger   *slog.Logger
	Registry prometheus.Registerer
}

// NewActivities loads and compiles the policies (a broken policy is an error naming file and
// line), builds the configured notifiers and returns the activities ready to register.
func NewActivities(ctx context.Context, s Settings) (*activities.Activities, error) {
	bundle, err := loadPolicies(s.Config)
	if err != nil {
		return nil, err
	}
	evaluator, err := policies.NewEvaluator(ctx, bundle)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
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
		Policies:  evaluator,
		Notifiers: notifiers,
		Tracker:   activities.FileTracker{Dir: s.TrackingDir},
		Metrics:   metrics,
		Logger:    s.Logger,
		Namespace: s.Namespace,
	}, nil
}

func loadPolicies(cfg *config.Config) (*policies.Bundle, error) {
	if cfg.Policies == "" {
		return policies.Embedded()
	}
	bundle, err := policies.LoadDir(cfg.Policies)
	if err != nil {
		return nil, fmt.Errorf("load policies from %s: %w", cfg.Policies, err)
	}
	return bundle, nil
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

// Run runs a worker until ctx is done, then drains it.
func Run(ctx context.Context, c client.Client, acts *activities.Activities) error {
	w := New(c, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// DefaultTrackingDir returns the tracking log's directory under a data directory.
func DefaultTrackingDir(dataDir string) string { return filepath.Join(dataDir, "incidents") }
