package github

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

const (
	testTokenEnv = "FIREBREAK_TEST_GITHUB_TOKEN"
	testToken    = "ghp_testsecret0123456789"
	// apiPrefix is the path of the fake Enterprise server's REST API.
	apiPrefix = "/api/v3"
)

// exchange is one request the fake GitHub expects and the answer it gives.
type exchange struct {
	method string
	path   string // without apiPrefix
	query  url.Values
	body   string // JSON the request body must equal; empty means no body
	status int    // 0 means 200
	header map[string]string
	reply  string
}

// fakeGitHub serves a script of exchanges in order and fails the test on any request that is
// not the next one, as go-github's own tests check method, path and body.
type fakeGitHub struct {
	t      *testing.T
	mu     sync.Mutex
	script []exchange
	next   int
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := f.next
	f.next++
	f.mu.Unlock()
	if i >= len(f.script) {
		f.t.Errorf("unexpected request %d: %s %s", i, r.Method, r.URL)
		http.Error(w, `{"message":"unexpected"}`, http.StatusTeapot)
		return
	}
	x := f.script[i]
	body, err := io.ReadAll(r.Body)
	assert.NoError(f.t, err)
	assert.Equal(f.t, x.method, r.Method, "request %d method", i)
	assert.Equal(f.t, apiPrefix+x.path, r.URL.Path, "request %d path", i)
	assert.Equal(f.t, "Bearer "+testToken, r.Header.Get("Authorization"), "request %d authorization", i)
	if x.query != nil {
		assert.Equal(f.t, x.query, r.URL.Query(), "request %d query of %s", i, x.path)
	}
	if x.body == "" {
		assert.Empty(f.t, body, "request %d body of %s %s", i, x.method, x.path)
	} else {
		assert.JSONEq(f.t, x.body, string(body), "request %d body of %s %s", i, x.method, x.path)
		assert.Equal(f.t, "application/json", r.Header.Get("Content-Type"), "request %d content type", i)
	}
	for k, v := range x.header {
		w.Header().Set(k, v)
	}
	if x.reply != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, x.reply)
}

// done reports whether every exchange of the script took place.
func (f *fakeGitHub) done() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next
}

// newFake starts a fake GitHub Enterprise server serving script and returns Activities that
// talk to it, and a function the test calls to check the whole script ran.
func newFake(t *testing.T, script []exchange) (*Activities, func()) {
	t.Helper()
	f := &fakeGitHub{t: t, script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv(testTokenEnv, testToken)
	a, err := New(Config{TokenEnv: testTokenEnv, BaseURL: srv.URL + apiPrefix, PollInterval: time.Millisecond}, nil)
	require.NoError(t, err)
	return a, func() {
		t.Helper()
		require.Equal(t, len(script), f.done(), "requests served of the script")
	}
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
