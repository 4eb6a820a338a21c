// Package worker registers Firebreak's workflows and activities in one place and runs a worker on
// the firebreak task queue.
package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/chat/receiver"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/activities/notify/email"
	"github.com/firebreak-dev/firebreak/activities/notify/slackdm"
	"github.com/firebreak-dev/firebreak/activities/statuspage"
	trackgh "github.com/firebreak-dev/firebreak/activities/tracking/github"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Register registers the incident, heartbeat and schedule workflows and every activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Incident, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Heartbeat, workflow.RegisterOptions{Name: workflows.HeartbeatWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Schedule, workflow.RegisterOptions{Name: workflows.ScheduleWorkflowName})
	r.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
}

// Settings are what a worker's activities need besides the configuration.
type Settings struct {
	Config *config.Config
	// Policies decides the activities' policy questions: a *policies.Evaluator.
	Policies  activities.Decider
	Namespace string
	// TrackingDir is where the built-in tracking log writes incident documents.
	TrackingDir string
	// Console receives the console notifier's lines; nil means standard output.
	Console  io.Writer
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// Temporal delivers the alerts of missed heartbeats, through the routing policy, as the alert
	// webhooks do; nil leaves the worker unable to raise them.
	Temporal client.Client
}

// NewActivities builds the configured notifiers and returns the activities ready to register.
func NewActivities(s Settings) (*activities.Activities, error) {
	notifiers, err := newNotifiers(s.Config, s.Console)
	if err != nil {
		return nil, err
	}
	chat, err := receiver.New(s.Config, nil)
	if err != nil {
		return nil, err
	}
	tracker, err := newTracker(s)
	if err != nil {
		return nil, err
	}
	var pusher activities.StatusPusher
	if a := s.Config.StatusPage.Atlassian; a != nil {
		p, err := statuspage.New(*a, nil)
		if err != nil {
			return nil, fmt.Errorf("status page: %w", err)
		}
		pusher = p
	}
	metrics, err := activities.NewMetrics(s.Registry)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	var intake activities.AlertIntake
	if s.Temporal != nil && s.Policies != nil {
		intake = &ingest.Intake{
			Router:    &ingest.Router{Policies: s.Policies, Config: s.Config},
			Submitter: &ingest.Submitter{Temporal: s.Temporal},
		}
	}
	return &activities.Activities{
		Heartbeats:   Heartbeats{Config: s.Config},
		Alerts:       intake,
		Directory:    newDirectory(s),
		Policies:     s.Policies,
		WorkingHours: WorkingHours{Config: s.Config},
		UIURL:        s.Config.UIURL,
		Bridge:       s.Config.Bridge,
		Notifiers:    notifiers,
		Chat:         chat,
		Tracker:      tracker,
		StatusPage:   pusher,
		Metrics:      metrics,
		Logger:       s.Logger,
		Namespace:    s.Namespace,
		Location:     s.Config.Location(),
	}, nil
}

// Directory is the configuration as the activities' directory of people, teams and services.
type Directory struct {
	Config *config.Config
	// Overrides reads the overrides of the teams' schedules (oncall.go); nil means none.
	Overrides OverrideSource
	Logger    *slog.Logger
	// prefetch holds overrides queries Prefetch started (prefetch.go); nil means none are.
	prefetch *overridesPrefetch
}

// ContactMethods returns the IDs of the notifiers that reach a person (those of the person's
// notification rules when set, otherwise notify), and whether the configuration has the person.
func (d Directory) ContactMethods(person string) ([]string, bool) {
	p, ok := d.Config.Person(person)
	if !ok {
		return nil, false
	}
	var ids []string
	for _, r := range p.Rules() {
		ids = append(ids, r.Notifier)
	}
	return ids, true
}

// OnCall returns the ID of the person on call for a team at an instant, through the team's
// schedule and its overrides (oncall.go); the error is activities.ErrUnknownTeam when the
// configuration has no such team, and says so when nobody is on call.
func (d Directory) OnCall(team string, at time.Time) (string, error) {
	return d.onCall(context.Background(), team, at)
}

// Service returns what the activities know of a service, and whether the configuration has it.
func (d Directory) Service(id string) (activities.Service, bool) {
	s, ok := d.Config.Service(id)
	return activities.Service{
		Name:                       s.Name,
		Features:                   s.Features,
		Team:                       s.Team,
		EscalationTeam:             s.EscalationTeam,
		CustomerFacing:             s.CustomerFacing,
		AckTimeout:                 time.Duration(s.AckTimeout),
		EscalationPolicy:           s.EscalationPolicy,
		AfterHoursEscalationPolicy: s.AfterHoursEscalationPolicy,
	}, ok
}

// People returns the ID of every person in the configuration, in the file's order.
func (d Directory) People() []string {
	ids := make([]string, len(d.Config.People))
	for i, p := range d.Config.People {
		ids[i] = p.ID
	}
	return ids
}

// Heartbeats is the configuration as the activities' directory of heartbeats.
type Heartbeats struct {
	Config *config.Config
}

// Heartbeat returns what the activities know of a heartbeat, and whether the configuration has it.
func (h Heartbeats) Heartbeat(name string) (activities.Heartbeat, bool) {
	hb, ok := h.Config.Heartbeat(name)
	if !ok {
		return activities.Heartbeat{}, false
	}
	return activities.Heartbeat{Name: hb.Name, Service: hb.Service, Title: hb.Title, Impact: hb.Impact.Facts()}, true
}

// WorkingHours is the configuration's working hours, in its time zone.
type WorkingHours struct {
	Config *config.Config
}

// Contains reports whether t falls within the working hours.
func (w WorkingHours) Contains(t time.Time) bool {
	return w.Config.WorkingHours.Contains(t, w.Config.Location())
}

// NextStart returns t if it falls within the working hours, and otherwise when they next start.
func (w WorkingHours) NextStart(t time.Time) time.Time {
	return w.Config.WorkingHours.NextStart(t, w.Config.Location())
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
		case config.NotifierTypeSMS:
			sender, err := newSMS(cfg, n)
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			notifiers[n.ID] = sender
		case config.NotifierTypeEmail:
			mail, err := newEmail(cfg, n)
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			notifiers[n.ID] = mail
		case config.NotifierTypeSlack:
			// Direct messages come from the chat section's Slack bot (config/slackdm.go).
			token := cfg.Chat.Secret()
			if token == "" {
				return nil, fmt.Errorf("notifier %s: environment variable %s is empty", n.ID, cfg.Chat.TokenEnv)
			}
			dm, err := slackdm.New(slackdm.Config{Token: token, APIURL: cfg.Chat.APIURL, SlackID: func(id string) (string, bool) {
				p, ok := cfg.Person(id)
				return p.SlackID, ok
			}})
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			notifiers[n.ID] = dm
		case "webhook":
			secret := n.SigningSecret()
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

// Workers are the SDK workers of one Firebreak worker process: Incidents polls the task queue of
// incidents, heartbeats and schedules, Runbooks the task queue of runbook runs, each with its own
// pollers and slots.
type Workers struct {
	Incidents sdkworker.Worker
	Runbooks  sdkworker.Worker
}

// Start starts both workers; when the second fails to start, the first is stopped again.
func (w *Workers) Start() error {
	if err := w.Incidents.Start(); err != nil {
		return err
	}
	if err := w.Runbooks.Start(); err != nil {
		w.Incidents.Stop()
		return err
	}
	return nil
}

// Stop drains both workers, letting running activities finish.
func (w *Workers) Stop() {
	var wg sync.WaitGroup
	wg.Go(w.Runbooks.Stop)
	w.Incidents.Stop()
	wg.Wait()
}

// New returns the workers of the firebreak task queue, with everything but runbooks registered
// (AddRunbooks), and of the runbook task queue, with nothing yet.
func New(c client.Client, acts *activities.Activities) *Workers {
	incidents := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		// Give running activities time to finish when the worker drains.
		WorkerStopTimeout: 10 * time.Second,
		// Autoscaling polls the normal and the sticky queue with separate pollers. The default,
		// a fixed number of "mixed" pollers, sends every poller to the sticky queue while it has
		// a backlog (SDK v1.50.0 internal_task_pollers.go, getNextPollRequest), so in an alert
		// storm the signals of the incidents already running starved new incidents' first
		// workflow tasks, and so their first pages, until the storm ended.
		WorkflowTaskPollerBehavior: sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
	})
	Register(incidents, acts)
	runbooks := sdkworker.New(c, workflows.RunbookTaskQueue, sdkworker.Options{
		// A step may run for as long as its timeout allows (waiting for a service to settle);
		// draining gives it as long as the incidents' activities.
		WorkerStopTimeout: 10 * time.Second,
	})
	return &Workers{Incidents: incidents, Runbooks: runbooks}
}

// newEmail builds an email notifier: pages to the people's addresses, updates to the stakeholder
// lists it sends, the SMTP password from the environment.
func newEmail(cfg *config.Config, n config.Notifier) (*email.Notifier, error) {
	e := n.Email
	password := e.Password(os.LookupEnv)
	if e.Username != "" && password == "" {
		return nil, fmt.Errorf("environment variable %s is empty", e.PasswordEnv)
	}
	return email.New(email.Config{
		Addr: e.SMTP, From: e.From, NoStartTLS: e.StartTLS == config.StartTLSOff,
		Username: e.Username, Password: password,
		Timeout: time.Duration(e.Timeout), MaxBodyBytes: e.MaxBodyBytes,
		People: func(id string) (email.Person, bool) {
			p, ok := cfg.Person(id)
			return email.Person{Name: p.Name, Address: p.Email}, ok
		},
		Stakeholders: func(service, severity, audience string) []string {
			return cfg.Stakeholders(n.ID, service, severity, audience)
		},
	})
}

// newTracker returns the configured tracking tool: GitHub issues, or the local log in
// s.TrackingDir when the configuration has no tracking.github.
func newTracker(s Settings) (activities.Tracker, error) {
	g := s.Config.Tracking.GitHub
	if g == nil {
		return activities.FileTracker{Dir: s.TrackingDir}, nil
	}
	token := g.Token(os.LookupEnv)
	if token == "" {
		return nil, fmt.Errorf("tracking: environment variable %s is empty", g.TokenEnv)
	}
	issues, err := trackgh.New(trackgh.Config{
		Repository: g.Repository, Token: token, BaseURL: g.BaseURL, Label: g.Label, Labels: g.Labels,
		Timeout: time.Duration(g.Timeout), Logger: s.Logger,
	})
	if err != nil {
		return nil, err
	}
	return activities.GitHubTracker{Issues: issues}, nil
}
