package aws

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

const testKey = "incident-checkout-1/run-1/step-2"

// useEndpoint points the default AWS configuration chain at endpoint with test credentials,
// through the environment variables a user sets, and isolates it from the machine's files.
func useEndpoint(t *testing.T, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_REGION":                  "us-east-1",
		"AWS_ACCESS_KEY_ID":           "AKIAFIREBREAKTEST",
		"AWS_SECRET_ACCESS_KEY":       "firebreak-test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// newActivities returns Activities configured from the environment, polling every 10 ms.
func newActivities(t *testing.T, maxWait time.Duration) (*Activities, awssdk.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cfg, err := LoadConfig(ctx)
	require.NoError(t, err)
	return New(cfg, nil, Options{PollInterval: 10 * time.Millisecond, MaxWait: maxWait}), cfg
}

// newEnv returns a test activity environment with a's activities registered.
func newEnv(a *Activities) *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}

// errorWant is what a test expects of an activity's error.
type errorWant struct {
	// errType is the application error's type; empty means a plain (retryable) error.
	errType      string
	nonRetryable bool
	contains     string
}

// requireError checks an activity's error against want.
func requireError(t *testing.T, want errorWant, err error) {
	t.Helper()
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "want an application error, got %T: %v", err, err)
	if want.errType != "" {
		require.Equal(t, want.errType, app.Type(), "error type of %v", err)
	}
	require.Equal(t, want.nonRetryable, app.NonRetryable(), "non-retryable of %v", err)
	if want.contains != "" {
		require.ErrorContains(t, err, want.contains)
	}
	require.NotContains(t, err.Error(), "firebreak-test-secret")
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		region  string
		wantErr string
	}{
		{name: "region from the environment", region: "eu-west-1"},
		{name: "no region", region: "", wantErr: "no region; set AWS_REGION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useEndpoint(t, "http://127.0.0.1:1")
			t.Setenv("AWS_REGION", tt.region)
			t.Setenv("AWS_DEFAULT_REGION", "")
			cfg, err := LoadConfig(t.Context())
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.region, cfg.Region)
			require.Equal(t, "http://127.0.0.1:1", awssdk.ToString(cfg.BaseEndpoint))
			_, ok := cfg.HTTPClient.(limitClient)
			require.True(t, ok, "responses are limited")
		})
	}
}
