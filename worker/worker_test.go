package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

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
