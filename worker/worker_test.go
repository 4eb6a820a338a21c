package worker_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
)

func TestBrokenPolicyIsAnErrorWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "severity.rego"), []byte("package firebreak.severity\n\ndecision := no_such_rule\n"), 0o644))
	_, err := policies.Load(context.Background(), dir)
	require.ErrorContains(t, err, "severity.rego:3")
}

func TestWebhookNotifierNeedsItsSecret(t *testing.T) {
	cfg := configtest.Organisation()
	cfg.Notifiers = append(cfg.Notifiers, config.Notifier{ID: "pager", Type: "webhook", URL: "https://hooks.example.com/x", SecretEnv: "FIREBREAK_TEST_UNSET_SECRET"})
	_, err := worker.NewActivities(worker.Settings{Config: cfg, Registry: prometheus.NewRegistry()})
	require.EqualError(t, err, "notifier pager: environment variable FIREBREAK_TEST_UNSET_SECRET is empty")
}

func TestNewActivitiesWithTheBuiltInPolicies(t *testing.T) {
	evaluator, err := policies.Load(context.Background(), "")
	require.NoError(t, err)
	acts, err := worker.NewActivities(worker.Settings{Config: configtest.Organisation(), Policies: evaluator, Registry: prometheus.NewRegistry()})
	require.NoError(t, err)
	require.Contains(t, acts.Notifiers, "console")
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, acts.Policies.Revision())
}

// fakeWorker records whether it was started and stopped; Start fails with startErr.
type fakeWorker struct {
	sdkworker.Worker // nil: any other call panics
	startErr         error
	started, stopped bool
}

func (w *fakeWorker) Start() error {
	w.started = w.startErr == nil
	return w.startErr
}

func (w *fakeWorker) Stop() { w.stopped = true }

func TestWorkersStartBothAndStopBoth(t *testing.T) {
	incidents, runbooks := &fakeWorker{}, &fakeWorker{}
	w := &worker.Workers{Incidents: incidents, Runbooks: runbooks}
	require.NoError(t, w.Start())
	require.True(t, incidents.started && runbooks.started, "both started")
	w.Stop()
	require.True(t, incidents.stopped && runbooks.stopped, "both stopped")
}

func TestWorkersStopTheIncidentsWorkerWhenTheRunbooksWorkerFailsToStart(t *testing.T) {
	incidents, runbooks := &fakeWorker{}, &fakeWorker{startErr: errors.New("no connection")}
	w := &worker.Workers{Incidents: incidents, Runbooks: runbooks}
	require.EqualError(t, w.Start(), "no connection")
	require.True(t, incidents.stopped, "the incidents' worker was stopped again")
}
