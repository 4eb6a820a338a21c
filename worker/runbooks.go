package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/aws"
	"github.com/firebreak-dev/firebreak/activities/github"
	"github.com/firebreak-dev/firebreak/runbook"
	"github.com/firebreak-dev/firebreak/runbooks"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Where the worker finds runbooks and credentials.
const (
	// RunbookDirEnv names the environment variable that holds the runbook directory; unset
	// means ./runbooks when it exists, and no runbooks otherwise.
	RunbookDirEnv = "FIREBREAK_RUNBOOK_DIR"
	// DefaultRunbookDir is the runbook directory when RunbookDirEnv is unset.
	DefaultRunbookDir = "runbooks"
	// GitHubTokenEnv names the environment variable that holds the GitHub actions' token.
	GitHubTokenEnv = "GITHUB_TOKEN"
	// GitHubURLEnv names the environment variable that holds a GitHub Enterprise API base URL.
	GitHubURLEnv = "GITHUB_API_URL"
)

// RunbookSet is the runbooks a worker loaded at start, by name.
type RunbookSet struct {
	byName map[string]*runbook.Compiled
	order  []*runbook.Compiled
}

// Runbook returns the runbook called name.
func (s *RunbookSet) Runbook(name string) (*runbook.Compiled, bool) {
	c, ok := s.byName[name]
	return c, ok
}

// All returns every runbook, in the order they were loaded.
func (s *RunbookSet) All() []*runbook.Compiled { return slices.Clone(s.order) }

// LoadRunbookSet loads the runbooks in dir and refuses any invalid one, naming each problem
// as file:line:col. An empty dir means RunbookDirEnv or ./runbooks; a missing ./runbooks means
// no runbooks.
func LoadRunbookSet(dir string) (*RunbookSet, error) {
	set := &RunbookSet{byName: map[string]*runbook.Compiled{}}
	if dir == "" {
		dir = os.Getenv(RunbookDirEnv)
	}
	if dir == "" {
		if _, err := os.Stat(DefaultRunbookDir); errors.Is(err, os.ErrNotExist) {
			return set, nil
		}
		dir = DefaultRunbookDir
	}
	files, err := runbooks.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load runbooks: %w", err)
	}
	for _, f := range files {
		set.byName[f.Runbook.Name] = f.Compiled
		set.order = append(set.order, f.Compiled)
	}
	return set, nil
}

// RunbookSettings are what a worker's runbook runs need.
type RunbookSettings struct {
	// Dir is the runbook directory; empty means RunbookDirEnv or ./runbooks.
	Dir    string
	Logger *slog.Logger
}

// AddRunbooks loads the runbooks and registers on w.Runbooks the runbook workflow, its built-in
// activities and every action of the catalog, and on w.Incidents the incident workflow again with
// the runbooks at hand (workflows.IncidentWithRunbooks), so that a request to run an unknown
// runbook or with params that do not fit is rejected before anything is recorded; call it after
// New. AWS actions use the default credential chain and GitHub actions the token in GITHUB_TOKEN;
// when either is missing, those actions fail non-retryably at run time saying so, and the worker
// still starts. Invalid runbooks stop it. The runbook workflow and its activities are registered
// on w.Incidents too, for runs started before runs had a task queue of their own.
func AddRunbooks(ctx context.Context, w *Workers, acts *activities.Activities, s RunbookSettings) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	set, err := LoadRunbookSet(s.Dir)
	if err != nil {
		return err
	}
	w.Incidents.RegisterWorkflowWithOptions(workflows.IncidentWithRunbooks(set), workflow.RegisterOptions{
		Name: workflows.IncidentWorkflowName, DisableAlreadyRegisteredCheck: true,
	})
	runbookActs := &activities.RunbookActivities{
		Runbooks: set, Policies: acts.Policies, Directory: acts.Directory, Notifiers: acts.Notifiers,
	}
	actions := actionActivities(ctx, logger)
	for _, r := range []sdkworker.Registry{w.Runbooks, w.Incidents} {
		r.RegisterWorkflowWithOptions(workflows.Runbook, workflow.RegisterOptions{Name: workflows.RunbookWorkflowName})
		r.RegisterActivity(runbookActs)
		for name, fn := range actions {
			r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
	}
	return nil
}

// actionActivities returns the AWS and GitHub actions by catalog name, or for a provider whose
// credentials are missing, activities that fail saying so.
func actionActivities(ctx context.Context, logger *slog.Logger) map[string]any {
	out := map[string]any{}
	if cfg, err := aws.LoadConfig(ctx); err != nil {
		logger.Warn("AWS runbook actions will fail: no AWS configuration", "error", err)
		for name := range aws.Actions(nil) {
			out[name] = notConfigured(name, err.Error())
		}
	} else {
		for name, fn := range aws.Actions(aws.New(cfg, logger, aws.Options{})) {
			out[name] = fn
		}
	}
	if gh, err := github.New(github.Config{TokenEnv: GitHubTokenEnv, BaseURL: os.Getenv(GitHubURLEnv)}, logger); err != nil {
		logger.Warn("GitHub runbook actions will fail: no GitHub token", "error", err)
		for name := range github.Actions(nil) {
			out[name] = notConfigured(name, err.Error())
		}
	} else {
		for name, fn := range github.Actions(gh) {
			out[name] = fn
		}
	}
	return out
}

// notConfigured returns an action that fails non-retryably because its provider is not set up.
func notConfigured(name, why string) func(context.Context, map[string]any) (map[string]any, error) {
	return func(context.Context, map[string]any) (map[string]any, error) {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s cannot run on this worker: %s", name, why), activities.ErrNotConfigured, nil)
	}
}
