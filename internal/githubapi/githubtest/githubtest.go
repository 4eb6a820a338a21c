// Package githubtest is a fake GitHub Enterprise REST API for the tests of Firebreak's GitHub
// integrations: it serves a script of exchanges in order and fails the test on any request
// that is not the next one, checking method, path, query, body and token as go-github's own
// tests do. RequireError checks the errors the integrations return.
package githubtest

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
)

// APIPrefix is the path of the fake Enterprise server's REST API.
const APIPrefix = "/api/v3"

// Exchange is one request the fake expects and the answer it gives.
type Exchange struct {
	// Method and Path (without APIPrefix) the request must have.
	Method, Path string
	// Query, when not nil, is the query the request must have.
	Query url.Values
	// Body is the JSON the request body must equal; empty means no body.
	Body string
	// Status of the answer; 0 means 200.
	Status int
	// Header holds the answer's headers.
	Header map[string]string
	// Reply is the answer's JSON body.
	Reply string
	// Drop closes the connection without an answer, after the request arrived: a lost
	// response.
	Drop bool
}

// Server is a running fake.
type Server struct {
	t      *testing.T
	token  string
	srv    *httptest.Server
	mu     sync.Mutex
	script []Exchange
	next   int
}

// New starts a fake that serves script to requests bearing token, and stops it when the test
// ends.
func New(t *testing.T, token string, script []Exchange) *Server {
	t.Helper()
	s := &Server{t: t, token: token, script: script}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// BaseURL is the fake's REST API base URL, to configure a client with.
func (s *Server) BaseURL() string { return s.srv.URL + APIPrefix }

// Done fails the test unless every exchange of the script took place.
func (s *Server) Done() {
	s.t.Helper()
	s.mu.Lock()
	served := s.next
	s.mu.Unlock()
	require.Equal(s.t, len(s.script), served, "requests served of the script")
}

// ServeHTTP checks r against the next exchange of the script and answers it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.next
	s.next++
	s.mu.Unlock()
	if i >= len(s.script) {
		s.t.Errorf("unexpected request %d: %s %s", i, r.Method, r.URL)
		http.Error(w, `{"message":"unexpected"}`, http.StatusTeapot)
		return
	}
	x := s.script[i]
	body, err := io.ReadAll(r.Body)
	assert.NoError(s.t, err)
	assert.Equal(s.t, x.Method, r.Method, "request %d method", i)
	assert.Equal(s.t, APIPrefix+x.Path, r.URL.Path, "request %d path", i)
	assert.Equal(s.t, "Bearer "+s.token, r.Header.Get("Authorization"), "request %d authorization", i)
	if x.Query != nil {
		assert.Equal(s.t, x.Query, r.URL.Query(), "request %d query of %s", i, x.Path)
	}
	if x.Body == "" {
		assert.Empty(s.t, body, "request %d body of %s %s", i, x.Method, x.Path)
	} else {
		assert.JSONEq(s.t, x.Body, string(body), "request %d body of %s %s", i, x.Method, x.Path)
		assert.Equal(s.t, "application/json", r.Header.Get("Content-Type"), "request %d content type", i)
	}
	if x.Drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if !assert.NoError(s.t, err, "request %d hijack", i) {
			return
		}
		_ = conn.Close()
		return
	}
	for k, v := range x.Header {
		w.Header().Set(k, v)
	}
	if x.Reply != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := x.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, x.Reply)
}

// ErrorWant is what a test expects of an error a GitHub integration returns.
type ErrorWant struct {
	// Type is the application error's type; empty means a plain, retryable error.
	Type string
	// NonRetryable is what the application error says of retrying.
	NonRetryable bool
	// RetryDelay, when not zero, is the delay the application error asks Temporal to wait
	// before the next attempt, give or take two seconds.
	RetryDelay time.Duration
	// Text, when not empty, is the application error's message or the plain error's text.
	Text string
}

// RequireError fails the test unless err is what want says and its text holds none of
// secrets.
func RequireError(t *testing.T, want ErrorWant, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	var app *temporal.ApplicationError
	text := err.Error()
	if want.Type == "" {
		require.False(t, errors.As(err, &app), "want a plain error, got %v", err)
	} else {
		require.True(t, errors.As(err, &app), "want an application error, got %T: %v", err, err)
		text = app.Message()
		require.Equal(t, want.Type, app.Type(), "error type of %v", err)
		require.Equal(t, want.NonRetryable, app.NonRetryable(), "non-retryable of %v", err)
		if want.RetryDelay != 0 {
			require.InDelta(t, want.RetryDelay.Seconds(), app.NextRetryDelay().Seconds(), 2, "retry delay of %v", err)
		}
	}
	if want.Text != "" {
		require.Equal(t, want.Text, text)
	}
	for _, s := range secrets {
		require.NotContains(t, err.Error(), s)
	}
}
