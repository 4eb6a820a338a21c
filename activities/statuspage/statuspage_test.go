package statuspage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/firebreak-dev/firebreak/incident"
)

const (
	apiKey = "sp-key-0123456789"
	pageID = "kctbh9vrtdwd"
)

// call is one request the fake Statuspage received.
type call struct {
	at                        time.Time
	method, path              string
	auth, contentType, accept string
	body                      map[string]any
}

// fakeStatuspage records every request; a write gets the next of its scripted answers, or 200
// with an incident, and a read gets the unresolved listing or the incident.
type fakeStatuspage struct {
	mu         sync.Mutex
	calls      []call
	answers    []func(w http.ResponseWriter)
	unresolved string // the JSON the unresolved listing answers
	incident   string // the JSON a read of the incident answers
}

func (f *fakeStatuspage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	c := call{at: time.Now(), method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"),
		contentType: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept")}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &c.body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	var answer func(http.ResponseWriter)
	if len(f.answers) > 0 && r.Method != http.MethodGet {
		answer, f.answers = f.answers[0], f.answers[1:]
	}
	unresolved, shown := cmp.Or(f.unresolved, "[]"), cmp.Or(f.incident, `{"id":"p31zjtct2jer","status":"investigating","incident_updates":[]}`)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case answer != nil:
		answer(w)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/unresolved"):
		_, _ = io.WriteString(w, unresolved)
	case r.Method == http.MethodGet:
		_, _ = io.WriteString(w, shown)
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"p31zjtct2jer","status":"investigating"}`)
	default:
		_, _ = io.WriteString(w, `{"id":"p31zjtct2jer","status":"identified"}`)
	}
}

func (f *fakeStatuspage) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// writes returns the requests that changed something.
func (f *fakeStatuspage) writes() []call {
	var out []call
	for _, c := range f.recorded() {
		if c.method != http.MethodGet {
			out = append(out, c)
		}
	}
	return out
}

// newActivities returns activities against a fake Statuspage; unlimited makes the limiter let
// every request through, for tests that are not about the rate.
func newActivities(t *testing.T, unlimited bool) (*Activities, *fakeStatuspage) {
	t.Helper()
	fake := &fakeStatuspage{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	opts := Options{BaseURL: srv.URL + "/", PageID: pageID, APIKey: apiKey}
	if unlimited {
		opts.Limiter = rate.NewLimiter(rate.Inf, 1)
	}
	c, err := NewClient(opts)
	require.NoError(t, err)
	return &Activities{Client: c, Components: map[string]string{"checkout": "8kbf7d35c070"}}, fake
}

func investigating() PushRequest {
	return PushRequest{
		WorkflowID: "incident-checkout-7k2m9q", Service: "checkout", Name: "Incident affecting Checkout",
		Status: StatusInvestigating, Body: "We are investigating an incident affecting Checkout.", Severity: incident.Sev1,
	}
}

func TestPushOpensAnIncident(t *testing.T) {
	a, fake := newActivities(t, true)
	got, err := a.PushStatuspage(context.Background(), investigating())
	require.NoError(t, err)
	require.Equal(t, PushResult{StatuspageID: "p31zjtct2jer", Created: true}, got)

	calls := fake.recorded()
	require.Len(t, calls, 2)
	require.Equal(t, http.MethodGet, calls[0].method)
	require.Equal(t, "/v1/pages/"+pageID+"/incidents/unresolved", calls[0].path)
	require.Equal(t, "OAuth "+apiKey, calls[0].auth)

	post := calls[1]
	require.Equal(t, http.MethodPost, post.method)
	require.Equal(t, "/v1/pages/"+pageID+"/incidents", post.path)
	require.Equal(t, "OAuth "+apiKey, post.auth)
	require.Equal(t, "application/json", post.contentType)
	require.Equal(t, "application/json", post.accept)
	require.Equal(t, map[string]any{"incident": map[string]any{
		"name":                  "Incident affecting Checkout",
		"status":                "investigating",
		"body":                  "We are investigating an incident affecting Checkout.",
		"components":            map[string]any{"8kbf7d35c070": "major_outage"},
		"component_ids":         []any{"8kbf7d35c070"},
		"metadata":              map[string]any{"firebreak": map[string]any{"workflow_id": "incident-checkout-7k2m9q"}},
		"deliver_notifications": true,
	}}, post.body)
}

func TestPushPatchesTheIncidentItNames(t *testing.T) {
	cases := []struct {
		name      string
		severity  incident.Severity
		status    string
		component string
	}{
		{"sev2 identified", incident.Sev2, StatusIdentified, "partial_outage"},
		{"sev3 monitoring", incident.Sev3, StatusMonitoring, "degraded_performance"},
		{"resolved", incident.Sev1, StatusResolved, "operational"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, fake := newActivities(t, true)
			req := investigating()
			req.StatuspageID, req.Status, req.Severity, req.Body = "p31zjtct2jer", tc.status, tc.severity, "Update."
			got, err := a.PushStatuspage(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, PushResult{StatuspageID: "p31zjtct2jer"}, got)
			all := fake.recorded()
			require.Len(t, all, 2, "a read of the incident, then the patch; no lookup, no create")
			require.Equal(t, http.MethodGet, all[0].method)
			require.Equal(t, "/v1/pages/"+pageID+"/incidents/p31zjtct2jer", all[0].path)
			calls := fake.writes()
			require.Equal(t, http.MethodPatch, calls[0].method)
			require.Equal(t, "/v1/pages/"+pageID+"/incidents/p31zjtct2jer", calls[0].path)
			require.Equal(t, "OAuth "+apiKey, calls[0].auth)
			body := calls[0].body["incident"].(map[string]any)
			require.Equal(t, tc.status, body["status"])
			require.Equal(t, "Update.", body["body"])
			require.Equal(t, map[string]any{"8kbf7d35c070": tc.component}, body["components"])
			require.NotContains(t, body, "metadata")
		})
	}
}

func TestPushAfterALostAnswerPatchesInsteadOfOpeningTwice(t *testing.T) {
	a, fake := newActivities(t, true)
	fake.unresolved = `[{"id":"other","metadata":{"firebreak":{"workflow_id":"incident-search-1"}}},
		{"id":"p31zjtct2jer","metadata":{"firebreak":{"workflow_id":"incident-checkout-7k2m9q"}}}]`
	got, err := a.PushStatuspage(context.Background(), investigating())
	require.NoError(t, err)
	require.Equal(t, PushResult{StatuspageID: "p31zjtct2jer"}, got)
	calls := fake.recorded()
	require.Len(t, calls, 2)
	require.Equal(t, http.MethodPatch, calls[1].method)
	require.Equal(t, "/v1/pages/"+pageID+"/incidents/p31zjtct2jer", calls[1].path)
}

func TestAPushItsIncidentAlreadyShowsIsNotPostedAgain(t *testing.T) {
	cases := []struct {
		name, unresolved, incident string
		id                         string
	}{
		{
			name: "a create whose answer was lost",
			unresolved: `[{"id":"p31zjtct2jer","metadata":{"firebreak":{"workflow_id":"incident-checkout-7k2m9q"}},
				"incident_updates":[{"status":"investigating","body":"We are investigating an incident affecting Checkout."}]}]`,
		},
		{
			name: "a patch whose answer was lost", id: "p31zjtct2jer",
			incident: `{"id":"p31zjtct2jer","incident_updates":[
				{"status":"investigating","body":"We are investigating an incident affecting Checkout."},
				{"status":"investigating","body":"older"}]}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, fake := newActivities(t, true)
			fake.unresolved, fake.incident = tc.unresolved, tc.incident
			req := investigating()
			req.StatuspageID = tc.id
			got, err := a.PushStatuspage(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, PushResult{StatuspageID: "p31zjtct2jer"}, got)
			require.Empty(t, fake.writes(), "customers see the update once")
		})
	}
}

func TestAPushPatchesWhenTheNewestUpdateDiffers(t *testing.T) {
	a, fake := newActivities(t, true)
	fake.incident = `{"id":"p31zjtct2jer","incident_updates":[{"status":"investigating","body":"We are investigating an incident affecting Checkout."}]}`
	req := investigating()
	req.StatuspageID, req.Status = "p31zjtct2jer", StatusIdentified
	_, err := a.PushStatuspage(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, fake.writes(), 1, "same text, new status: a new update")
}

func TestPushWaitsOutAShortRetryAfter(t *testing.T) {
	a, fake := newActivities(t, true)
	fake.answers = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Rate limit exceeded"}`)
	}}
	req := investigating()
	req.StatuspageID = "p31zjtct2jer"
	_, err := a.PushStatuspage(context.Background(), req)
	require.NoError(t, err)
	calls := fake.writes()
	require.Len(t, calls, 2, "the 429, then the same PATCH again")
	require.Equal(t, calls[0].body, calls[1].body)
	require.GreaterOrEqual(t, calls[1].at.Sub(calls[0].at), time.Second, "Retry-After honoured")
}

func TestPushReturnsALongRetryAfterToTemporal(t *testing.T) {
	a, fake := newActivities(t, true)
	fake.answers = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}}
	req := investigating()
	req.StatuspageID = "p31zjtct2jer"
	start := time.Now()
	_, err := a.PushStatuspage(context.Background(), req)
	require.Less(t, time.Since(start), 5*time.Second, "not waited in place")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ErrRateLimited, appErr.Type())
	require.False(t, appErr.NonRetryable())
	require.Equal(t, 120*time.Second, appErr.NextRetryDelay())
	require.Len(t, fake.writes(), 1)
}

func TestPushErrors(t *testing.T) {
	cases := []struct {
		name         string
		answer       func(w http.ResponseWriter)
		req          func(*PushRequest)
		wantType     string // "" for a plain, retryable error
		nonRetryable bool
		wantText     string
	}{
		{name: "unauthorized", answer: func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"Could not authenticate with key `+apiKey+`"}`)
		}, wantType: ErrRejected, nonRetryable: true, wantText: "Statuspage answered 401 Unauthorized: Could not authenticate with key REDACTED"},
		{name: "unknown incident", answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) },
			wantType: ErrRejected, nonRetryable: true, wantText: "404 Not Found"},
		{name: "server error", answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
			wantText: "update the Statuspage incident: Statuspage answered 502 Bad Gateway"},
		{name: "bad status", req: func(r *PushRequest) { r.Status = "fixed\x1b[31m" },
			wantType: ErrBadInput, nonRetryable: true, wantText: `status must be investigating, identified, monitoring or resolved, not "fixed\x1b[31m"`},
		{name: "no workflow", req: func(r *PushRequest) { r.WorkflowID = "" },
			wantType: ErrBadInput, nonRetryable: true, wantText: "workflow_id is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, fake := newActivities(t, true)
			if tc.answer != nil {
				fake.answers = []func(http.ResponseWriter){tc.answer}
			}
			req := investigating()
			req.StatuspageID = "p31zjtct2jer"
			if tc.req != nil {
				tc.req(&req)
			}
			_, err := a.PushStatuspage(context.Background(), req)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.wantText)
			require.NotContains(t, err.Error(), apiKey)
			var appErr *temporal.ApplicationError
			if tc.wantType == "" {
				require.False(t, errors.As(err, &appErr), "a plain error is retried")
				return
			}
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, tc.wantType, appErr.Type())
			require.Equal(t, tc.nonRetryable, appErr.NonRetryable())
		})
	}
}

func TestRequestsAreSpacedOneSecondApart(t *testing.T) {
	a, fake := newActivities(t, false)
	req := investigating()
	req.StatuspageID = "p31zjtct2jer"
	for range 3 {
		_, err := a.PushStatuspage(context.Background(), req)
		require.NoError(t, err)
	}
	calls := fake.recorded()
	require.Len(t, calls, 6, "each push reads the incident, then patches it")
	for i := 1; i < len(calls); i++ {
		require.GreaterOrEqual(t, calls[i].at.Sub(calls[i-1].at), 950*time.Millisecond, "at most one request a second")
	}
}

func TestPushStopsWithItsContext(t *testing.T) {
	a, fake := newActivities(t, true)
	fake.answers = []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
	}}
	req := investigating()
	req.StatuspageID = "p31zjtct2jer"
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := a.PushStatuspage(ctx, req)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr, "a wait longer than the activity has left is Temporal's to do")
	require.Equal(t, ErrRateLimited, appErr.Type())
	require.Equal(t, 5*time.Second, appErr.NextRetryDelay())
}
