package worker_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/mocks"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// registry records the names of the workflows registered on it.
type registry struct {
	sdkworker.Registry
	workflows []string
}

func (r *registry) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	r.workflows = append(r.workflows, o.Name)
}

func (r *registry) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

func TestRegisterRegistersTheHeartbeatWorkflow(t *testing.T) {
	r := &registry{}
	worker.Register(r, &activities.Activities{})
	require.Contains(t, r.workflows, workflows.HeartbeatWorkflowName)
}

func TestHeartbeatsFromTheConfiguration(t *testing.T) {
	tests := []struct {
		name string
		want activities.Heartbeat
		ok   bool
	}{
		{"configured", activities.Heartbeat{
			Name: "watchdog", Service: "reports", Title: "Alertmanager Watchdog stopped: alerting may be down",
			Impact: map[string]any{"customers_affected": "none", "core_degraded": true},
		}, true},
		{"not configured", activities.Heartbeat{}, false},
	}
	beats := worker.Heartbeats{Config: config.Example()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := beats.Heartbeat(tt.want.Name)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestHeartbeatAlertsNeedTemporal(t *testing.T) {
	evaluator, err := policies.Load(context.Background(), "")
	require.NoError(t, err)
	tests := []struct {
		name      string
		temporal  *mocks.Client
		hasIntake bool
	}{
		{"with a client", &mocks.Client{}, true},
		{"without", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := worker.Settings{Config: config.Example(), Policies: evaluator, Registry: prometheus.NewRegistry()}
			if tt.temporal != nil {
				s.Temporal = tt.temporal
			}
			acts, err := worker.NewActivities(s)
			require.NoError(t, err)
			require.Equal(t, tt.hasIntake, acts.Alerts != nil)
			require.NotNil(t, acts.Heartbeats)
		})
	}
}
