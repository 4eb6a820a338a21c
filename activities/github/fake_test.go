package github

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
)

const (
	testTokenEnv = "FIREBREAK_TEST_GITHUB_TOKEN"
	testToken    = "ghp_testsecret0123456789"
)

// exchange is one request the fake GitHub expects and the answer it gives.
type exchange = githubtest.Exchange

// newFake starts a fake GitHub Enterprise server serving script and returns Activities that
// talk to it, and a function the test calls to check the whole script ran.
func newFake(t *testing.T, script []exchange) (*Activities, func()) {
	t.Helper()
	srv := githubtest.New(t, testToken, script)
	t.Setenv(testTokenEnv, testToken)
	a, err := New(Config{TokenEnv: testTokenEnv, BaseURL: srv.BaseURL(), PollInterval: time.Millisecond}, nil)
	require.NoError(t, err)
	return a, srv.Done
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
	retryDelay   time.Duration
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
	if want.retryDelay != 0 {
		require.InDelta(t, want.retryDelay.Seconds(), app.NextRetryDelay().Seconds(), 2, "retry delay of %v", err)
	}
	if want.contains != "" {
		require.ErrorContains(t, err, want.contains)
	}
	require.NotContains(t, err.Error(), testToken)
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
