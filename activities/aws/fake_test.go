package aws

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call is one request the fake AWS endpoint expects and the answer it gives. JSON-protocol
// services (CodeDeploy, Systems Manager) name the operation in X-Amz-Target; REST services
// (AppConfig) in the method and path.
type call struct {
	target string // X-Amz-Target, for JSON-protocol services
	method string // for REST services; POST when target is set
	path   string // for REST services; / when target is set
	query  url.Values
	header map[string]string // request headers that must have these values
	body   string            // JSON the body must equal; empty means no body

	status      int // 0 means 200
	replyHeader map[string]string
	reply       string
}

// awsError is a JSON-protocol error answer.
func awsError(status int, code, message string) call {
	return call{status: status, replyHeader: map[string]string{"X-Amzn-ErrorType": code},
		reply: `{"__type":"` + code + `","message":"` + message + `"}`}
}

// with returns c answering like answer.
func (c call) with(answer call) call {
	c.status, c.replyHeader, c.reply = answer.status, answer.replyHeader, answer.reply
	return c
}

// fakeAWS serves a script of calls in order and fails the test on any request that is not the
// next one, checking the operation, the body and that it is signed with the test credentials.
type fakeAWS struct {
	t      *testing.T
	mu     sync.Mutex
	script []call
	next   int
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := f.next
	f.next++
	f.mu.Unlock()
	if i >= len(f.script) {
		f.t.Errorf("unexpected request %d: %s %s %s", i, r.Method, r.URL, r.Header.Get("X-Amz-Target"))
		http.Error(w, `{"__type":"Unexpected"}`, http.StatusTeapot)
		return
	}
	c := f.script[i]
	body, err := io.ReadAll(r.Body)
	assert.NoError(f.t, err)
	assert.True(f.t, strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIAFIREBREAKTEST/"),
		"request %d is signed with the credentials from the environment", i)
	method, path := c.method, c.path
	if c.target != "" {
		method, path = http.MethodPost, "/"
		assert.Equal(f.t, c.target, r.Header.Get("X-Amz-Target"), "request %d operation", i)
	}
	assert.Equal(f.t, method, r.Method, "request %d method", i)
	assert.Equal(f.t, path, r.URL.Path, "request %d path", i)
	if c.query != nil {
		assert.Equal(f.t, c.query, r.URL.Query(), "request %d query", i)
	}
	for k, v := range c.header {
		assert.Equal(f.t, v, r.Header.Get(k), "request %d header %s", i, k)
	}
	if c.body == "" {
		assert.Empty(f.t, strings.TrimSpace(string(body)), "request %d body", i)
	} else {
		assert.JSONEq(f.t, c.body, string(body), "request %d body", i)
	}
	if c.target != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	for k, v := range c.replyHeader {
		w.Header().Set(k, v)
	}
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, c.reply)
}

// newFake starts a fake AWS endpoint serving script, points the default configuration chain
// at it with AWS_ENDPOINT_URL and returns Activities, and a function the test calls to check
// the whole script ran.
func newFake(t *testing.T, script []call) (*Activities, func()) {
	t.Helper()
	f := &fakeAWS{t: t, script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	useEndpoint(t, srv.URL)
	// One attempt per call, so that the script sees each request once.
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	a, _ := newActivities(t, time.Second)
	return a, func() {
		t.Helper()
		f.mu.Lock()
		defer f.mu.Unlock()
		require.Equal(t, len(script), f.next, "requests served of the script")
	}
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
