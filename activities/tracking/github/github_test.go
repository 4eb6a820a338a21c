package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
)

const (
	testToken = "ghp_trackingsecret0123456789"
	repoPath  = "/repos/example/incidents"
)

// exchange is one request the fake GitHub expects and the answer it gives.
type exchange = githubtest.Exchange

// newFake starts a fake GitHub Enterprise server serving script and returns a Tracker that
// talks to it, and a function that checks the whole script ran.
func newFake(t *testing.T, script []exchange) (*Tracker, func()) {
	t.Helper()
	srv := githubtest.New(t, testToken, script)
	tr, err := New(Config{
		Repository: "example/incidents", Token: testToken, BaseURL: srv.BaseURL(),
		Labels: []string{"ops"}, Timeout: 5 * time.Second,
	})
	require.NoError(t, err)
	return tr, srv.Done
}

func listQuery(page int) url.Values {
	return url.Values{"labels": {"incident"}, "state": {"all"}, "sort": {"created"}, "direction": {"desc"},
		"per_page": {"100"}, "page": {strconv.Itoa(page)}}
}

func commentsQuery(page int) url.Values {
	return url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}}
}

var started = time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)

func incident() Incident {
	return Incident{
		WorkflowID: "incident-checkout-x7k2mp", Key: "checkout-x7k2mp", Title: "Checkout 5xx",
		Service: "checkout", Severity: "sev2", Source: "alertmanager", Type: "alert",
		Labels:      map[string]string{"team": "payments", "alertname": "HighErrorRate"},
		StartedAt:   started,
		WorkflowURL: "http://ui.test/namespaces/default/workflows/incident-checkout-x7k2mp",
	}
}

const wantBody = "Firebreak logged this incident at detection. Key events and the resolution follow as comments.\n\n" +
	"- Incident: `checkout-x7k2mp`\n- Service: `checkout`\n- Severity: `sev2`\n- Started: 2026-12-01T22:00:00Z\n" +
	"- Source: `alertmanager` (`alert`)\n" +
	"- History: [the incident in the Temporal Web UI](<http://ui.test/namespaces/default/workflows/incident-checkout-x7k2mp>)\n" +
	"\nTitle:\n\n```text\nCheckout 5xx\n```\n" +
	"\nAlert labels:\n\n- `alertname`: `HighErrorRate`\n- `team`: `payments`\n" +
	"\n<!-- firebreak-incident: incident-checkout-x7k2mp -->\n"

func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

// issueJSON is an issue as GitHub lists it.
func issueJSON(t *testing.T, number int, body string, created time.Time) map[string]any {
	t.Helper()
	return map[string]any{
		"number": number, "body": body, "created_at": created.Format(time.RFC3339),
		"html_url": "https://github.example.com/example/incidents/issues/" + strconv.Itoa(number),
	}
}

func TestOpenCreatesALabelledIssue(t *testing.T) {
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1), Reply: "[]"},
		{Method: "POST", Path: repoPath + "/issues", Status: http.StatusCreated,
			Body: jsonString(t, map[string]any{
				"title": "[checkout-x7k2mp] Checkout 5xx", "body": wantBody,
				"labels": []string{"incident", "severity:sev2", "service:checkout", "ops"},
			}),
			Reply: `{"number": 42, "html_url": "https://github.example.com/example/incidents/issues/42"}`},
	})
	issue, err := tr.Open(context.Background(), incident())
	require.NoError(t, err)
	require.Equal(t, Issue{Ref: "example/incidents#42", URL: "https://github.example.com/example/incidents/issues/42"}, issue)
	done()
}

func TestOpenBeforeSeverityIsKnown(t *testing.T) {
	in := incident()
	in.Severity, in.Labels = "", nil
	body := strings.Replace(wantBody, "`sev2`", "not yet assessed", 1)
	body = strings.Replace(body, "\nAlert labels:\n\n- `alertname`: `HighErrorRate`\n- `team`: `payments`\n", "", 1)
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1), Reply: "[]"},
		{Method: "POST", Path: repoPath + "/issues", Status: http.StatusCreated,
			Body: jsonString(t, map[string]any{
				"title": "[checkout-x7k2mp] Checkout 5xx", "body": body,
				"labels": []string{"incident", "service:checkout", "ops"},
			}),
			Reply: `{"number": 43}`},
	})
	_, err := tr.Open(context.Background(), in)
	require.NoError(t, err)
	done()
}

// A response lost after GitHub created the issue: the retry finds the issue by its marker and
// creates no second one.
func TestOpenAfterALostResponseCreatesNoSecondIssue(t *testing.T) {
	created := started.Add(2 * time.Second)
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1), Reply: "[]"},
		{Method: "POST", Path: repoPath + "/issues", Drop: true, Body: jsonString(t, map[string]any{
			"title": "[checkout-x7k2mp] Checkout 5xx", "body": wantBody,
			"labels": []string{"incident", "severity:sev2", "service:checkout", "ops"},
		})},
		{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1), Reply: jsonString(t, []any{
			issueJSON(t, 44, "another incident <!-- firebreak-incident: incident-checkout-aaaaaa -->", created.Add(time.Minute)),
			issueJSON(t, 43, wantBody, created),
		})},
	})
	_, err := tr.Open(context.Background(), incident())
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.False(t, errors.As(err, &app), "a lost response is a plain, retryable error: %v", err)
	require.Contains(t, err.Error(), "open tracking issue in example/incidents: ")

	issue, err := tr.Open(context.Background(), incident())
	require.NoError(t, err)
	require.Equal(t, Issue{Ref: "example/incidents#43", URL: "https://github.example.com/example/incidents/issues/43", AlreadyOpen: true}, issue)
	done()
}

func TestOpenSearchesPagesUntilOlderIssues(t *testing.T) {
	t.Run("found on the second page", func(t *testing.T) {
		tr, done := newFake(t, []exchange{
			{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1),
				Header: map[string]string{"Link": `<https://x/api/v3/repos/example/incidents/issues?page=2>; rel="next"`},
				Reply:  jsonString(t, []any{issueJSON(t, 50, "other", started.Add(time.Hour))})},
			{Method: "GET", Path: repoPath + "/issues", Query: listQuery(2),
				Reply: jsonString(t, []any{issueJSON(t, 43, wantBody, started)})},
		})
		issue, err := tr.Open(context.Background(), incident())
		require.NoError(t, err)
		require.Equal(t, "example/incidents#43", issue.Ref)
		require.True(t, issue.AlreadyOpen)
		done()
	})
	t.Run("stops at an issue older than the incident", func(t *testing.T) {
		tr, done := newFake(t, []exchange{
			{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1),
				Header: map[string]string{"Link": `<https://x/api/v3/repos/example/incidents/issues?page=2>; rel="next"`},
				Reply: jsonString(t, []any{
					issueJSON(t, 50, "other", started.Add(time.Minute)),
					issueJSON(t, 49, "old", started.Add(-2*time.Hour)),
				})},
			{Method: "POST", Path: repoPath + "/issues", Status: http.StatusCreated, Body: jsonString(t, map[string]any{
				"title": "[checkout-x7k2mp] Checkout 5xx", "body": wantBody,
				"labels": []string{"incident", "severity:sev2", "service:checkout", "ops"},
			}), Reply: `{"number": 51}`},
		})
		issue, err := tr.Open(context.Background(), incident())
		require.NoError(t, err)
		require.Equal(t, "example/incidents#51", issue.Ref)
		done()
	})
}

// errorWant is what a test expects of a tracker's error.
type errorWant = githubtest.ErrorWant

// requireError fails the test unless err is what want says and does not show the token.
func requireError(t *testing.T, want errorWant, err error) {
	t.Helper()
	githubtest.RequireError(t, want, err, testToken)
}

func TestOpenErrors(t *testing.T) {
	reset := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	const op = "look for the tracking issue in example/incidents: "
	tests := []struct {
		name string
		x    exchange
		want errorWant
	}{
		{"repository not found",
			exchange{Status: 404, Reply: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`},
			errorWant{Type: ErrNotFound, NonRetryable: true,
				Text: op + "GitHub answered 404 Not Found: Not Found (does it exist, and may the token see it?)"}},
		{"primary rate limit",
			exchange{Status: 403, Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000",
				"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
				Reply: `{"message":"API rate limit exceeded"}`},
			errorWant{Type: ErrRateLimited, RetryDelay: time.Until(reset),
				Text: op + "GitHub rate limit exceeded, resets at " + reset.UTC().Format(time.RFC3339)}},
		{"secondary rate limit",
			exchange{Status: 403, Header: map[string]string{"Retry-After": "60"},
				Reply: `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`},
			errorWant{Type: ErrRateLimited, RetryDelay: time.Minute,
				Text: op + "GitHub secondary rate limit exceeded, retry after 1m0s"}},
		{"429 with Retry-After",
			exchange{Status: 429, Header: map[string]string{"Retry-After": "30"}, Reply: `{"message":"Too many requests"}`},
			errorWant{Type: ErrRateLimited, RetryDelay: 30 * time.Second,
				Text: op + "GitHub answered 429 Too Many Requests: Too many requests"}},
		{"5xx is retryable",
			exchange{Status: 502, Reply: `{"message":"Server Error\u001b[2J"}`},
			errorWant{Text: op + `GitHub answered 502 Bad Gateway: Server Error\x1b[2J`}},
		{"bad token",
			exchange{Status: 401, Reply: `{"message":"Bad credentials"}`},
			errorWant{Type: ErrRejected, NonRetryable: true,
				Text: op + "GitHub answered 401 Unauthorized: Bad credentials (check the token)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.x
			x.Method, x.Path, x.Query = "GET", repoPath+"/issues", listQuery(1)
			tr, done := newFake(t, []exchange{x})
			_, err := tr.Open(context.Background(), incident())
			requireError(t, tt.want, err)
			done()
		})
	}
}

func TestOpenRejected(t *testing.T) {
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: repoPath + "/issues", Query: listQuery(1), Reply: "[]"},
		{Method: "POST", Path: repoPath + "/issues", Status: 422, Body: jsonString(t, map[string]any{
			"title": "[checkout-x7k2mp] Checkout 5xx", "body": wantBody,
			"labels": []string{"incident", "severity:sev2", "service:checkout", "ops"},
		}), Reply: `{"message":"Validation Failed","errors":[{"resource":"Issue","field":"labels","code":"invalid"}]}`},
	})
	_, err := tr.Open(context.Background(), incident())
	requireError(t, errorWant{Type: ErrRejected, NonRetryable: true,
		Text: "open tracking issue in example/incidents: GitHub answered 422 Unprocessable Entity: Validation Failed; Issue labels invalid"}, err)
	done()
}

func TestCommentIsPostedOnceAndRelabels(t *testing.T) {
	ev := Event{IdempotencyKey: "incident-checkout-x7k2mp/tracking/severity-1", At: started.Add(time.Minute),
		Kind: "severity", Text: "Severity raised to sev1: all customers affected", Severity: "sev1"}
	comment := "**SEVERITY** · 2026-12-01T22:01:00Z · severity `sev1`\n\n```text\nSeverity raised to sev1: all customers affected\n```\n" +
		"\n\n<!-- firebreak-key: incident-checkout-x7k2mp/tracking/severity-1 -->"
	issuePath := repoPath + "/issues/42"
	tr, done := newFake(t, []exchange{
		// First attempt: no comment yet; the severity label changes.
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(1), Reply: "[]"},
		{Method: "POST", Path: issuePath + "/comments", Status: 201, Body: jsonString(t, map[string]string{"body": comment}), Reply: `{"id": 1}`},
		{Method: "GET", Path: issuePath, Reply: `{"number": 42, "labels": [{"name":"incident"},{"name":"severity:sev2"},{"name":"service:checkout"}]}`},
		{Method: "PUT", Path: issuePath + "/labels", Body: `["incident","service:checkout","severity:sev1"]`, Reply: "[]"},
		// Retry: the comment is there and the labels are right: nothing changes.
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(1), Reply: jsonString(t, []any{map[string]any{"id": 1, "body": comment}})},
		{Method: "GET", Path: issuePath, Reply: `{"number": 42, "labels": [{"name":"incident"},{"name":"service:checkout"},{"name":"severity:sev1"}]}`},
	})
	require.NoError(t, tr.Comment(context.Background(), "example/incidents#42", ev))
	require.NoError(t, tr.Comment(context.Background(), "example/incidents#42", ev))
	done()
}

func TestCommentFindsItsMarkerOnTheLastPage(t *testing.T) {
	ev := Event{IdempotencyKey: "k-1", Kind: "ack", Text: "alice acknowledged"}
	issuePath := repoPath + "/issues/42"
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(1),
			Header: map[string]string{"Link": `<https://x/api/v3/repos/example/incidents/issues/42/comments?page=3>; rel="last"`},
			Reply:  `[{"id": 1, "body": "first"}]`},
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(3), Reply: `[{"id": 301, "body": "x <!-- firebreak-key: k-1 -->"}]`},
	})
	require.NoError(t, tr.Comment(context.Background(), "example/incidents#42", ev))
	done()
}

func TestCloseCommentsTheSummaryAndCloses(t *testing.T) {
	res := Resolution{IdempotencyKey: "incident-checkout-x7k2mp/tracking/resolved", ResolvedAt: started.Add(47 * time.Minute),
		Summary: "Resolved after 47m: rolled back release 2.3.1.\nSupport cases: 12."}
	comment := "**RESOLVED** · 2026-12-01T22:47:00Z\n\n```text\nResolved after 47m: rolled back release 2.3.1.\nSupport cases: 12.\n```\n" +
		"\n\n<!-- firebreak-key: incident-checkout-x7k2mp/tracking/resolved -->"
	issuePath := repoPath + "/issues/42"
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(1), Reply: "[]"},
		{Method: "POST", Path: issuePath + "/comments", Status: 201, Body: jsonString(t, map[string]string{"body": comment}), Reply: `{"id": 9}`},
		{Method: "PATCH", Path: issuePath, Body: `{"state":"closed","state_reason":"completed"}`, Reply: `{"number": 42, "state": "closed"}`},
	})
	require.NoError(t, tr.Close(context.Background(), "example/incidents#42", res))
	done()
}

func TestCloseOfAMissingIssue(t *testing.T) {
	issuePath := repoPath + "/issues/42"
	tr, done := newFake(t, []exchange{
		{Method: "GET", Path: issuePath + "/comments", Query: commentsQuery(1), Status: 404, Reply: `{"message":"Not Found"}`},
	})
	err := tr.Close(context.Background(), "example/incidents#42", Resolution{IdempotencyKey: "k", Summary: "s"})
	requireError(t, errorWant{Type: ErrNotFound, NonRetryable: true,
		Text: "list comments of tracking issue example/incidents#42: GitHub answered 404 Not Found: Not Found (does it exist, and may the token see it?)"}, err)
	done()
}

func TestBadInput(t *testing.T) {
	tr, done := newFake(t, nil)
	err := tr.Comment(context.Background(), "example/incidents", Event{IdempotencyKey: "k"})
	requireError(t, errorWant{Type: ErrBadInput, NonRetryable: true, Text: `tracking issue "example/incidents": want owner/name#number`}, err)
	err = tr.Comment(context.Background(), "example/incidents#1", Event{IdempotencyKey: "bad key\n"})
	requireError(t, errorWant{Type: ErrBadInput, NonRetryable: true,
		Text: `comment on tracking issue: idempotency key "bad key ": want at most 200 letters, digits and ._:/=@+-`}, err)
	in := incident()
	in.WorkflowID = "incident --> <b>"
	_, err = tr.Open(context.Background(), in)
	requireError(t, errorWant{Type: ErrBadInput, NonRetryable: true,
		Text: `open tracking issue: workflow ID "incident --> <b>" or key "checkout-x7k2mp" is not valid`}, err)
	done()
}

func TestNew(t *testing.T) {
	for name, tt := range map[string]struct {
		cfg  Config
		want string
	}{
		"bad repository": {Config{Repository: "incidents", Token: "t"}, `configure GitHub tracking: repository "incidents": want owner/name`},
		"no token":       {Config{Repository: "a/b", Token: " "}, "configure GitHub tracking: empty token"},
		"credentials in the base URL": {Config{Repository: "a/b", Token: "t", BaseURL: "https://u:p@github.example.com/api/v3"},
			"configure GitHub tracking: want an absolute http or https base URL without credentials or query"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestTextFromOutsideIsInert(t *testing.T) {
	in := incident()
	in.Title = "@everyone ``` [click](http://evil.example) \x1b[31m <!-- x -->"
	in.Labels = map[string]string{"a`b": "``v``"}
	body := issueBody(in, issueMarker(in.WorkflowID))
	require.Contains(t, body, "````text\n@everyone ``` [click](http://evil.example) \\x1b[31m <!-- x -->\n````\n",
		"the fence is longer than any run of backticks in the title")
	require.Contains(t, body, "- ``a`b``: ``` ``v`` ```\n")
	require.NotContains(t, body, "\x1b")
	require.Equal(t, "[checkout-x7k2mp] @everyone ``` [click](http://evil.example) \\x1b[31m <!-- x -->", issueTitle(in))

	in.Title = strings.Repeat("é", 300)
	require.Equal(t, 256, len([]rune(issueTitle(in))))
	require.Equal(t, "http://ui.test/a%3Cb%3E%20c", linkURL("http://ui.test/a<b> c"))
	require.Empty(t, linkURL("javascript:alert(1)"))
	require.Equal(t, "service:"+strings.Repeat("x", 42), label("service:"+strings.Repeat("x", 60)))
	require.Equal(t, "service:a_b", label("service:a,b"))
}
