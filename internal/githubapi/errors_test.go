package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
)

// answer is a go-github error for a GitHub answer with status, header and message.
func answer(status int, header http.Header, message string, errs ...gh.Error) error {
	return &gh.ErrorResponse{Response: &http.Response{StatusCode: status, Header: header}, Message: message, Errors: errs}
}

func TestClassify(t *testing.T) {
	type want = githubtest.ErrorWant
	const op = "comment on acme/shop#7"
	reset := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	twoMinutes := 2 * time.Minute
	tests := []struct {
		name string
		err  error
		want want
	}{
		{name: "primary rate limit", err: &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: reset}}},
			want: want{Type: ErrRateLimited, RetryDelay: time.Until(reset),
				Text: op + ": GitHub rate limit exceeded, resets at " + reset.UTC().Format(time.RFC3339)}},
		{name: "secondary rate limit with its delay", err: &gh.AbuseRateLimitError{RetryAfter: &twoMinutes},
			want: want{Type: ErrRateLimited, RetryDelay: twoMinutes, Text: op + ": GitHub secondary rate limit exceeded, retry after 2m0s"}},
		{name: "secondary rate limit without a delay waits a minute", err: &gh.AbuseRateLimitError{},
			want: want{Type: ErrRateLimited, RetryDelay: time.Minute, Text: op + ": GitHub secondary rate limit exceeded, retry after 1m0s"}},
		{name: "a rate limit past is retried after a second", err: &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: time.Now().Add(-time.Hour)}}},
			want: want{Type: ErrRateLimited, RetryDelay: time.Second}},
		{name: "a retry delay is at most an hour", err: answer(429, http.Header{"Retry-After": {"86400"}}, "slow down"),
			want: want{Type: ErrRateLimited, RetryDelay: time.Hour, Text: op + ": GitHub answered 429 Too Many Requests: slow down"}},
		{name: "429 without Retry-After waits a minute", err: answer(429, nil, ""),
			want: want{Type: ErrRateLimited, RetryDelay: time.Minute, Text: op + ": GitHub answered 429 Too Many Requests"}},
		{name: "403 with Retry-After as a date is a rate limit",
			err:  answer(403, http.Header{"Retry-After": {time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)}}, "secondary"),
			want: want{Type: ErrRateLimited, RetryDelay: 90 * time.Second, Text: op + ": GitHub answered 403 Forbidden: secondary"}},
		{name: "403 without Retry-After is rejected", err: answer(403, nil, "Resource not accessible by integration"),
			want: want{Type: ErrRejected, NonRetryable: true, Text: op + ": GitHub answered 403 Forbidden: Resource not accessible by integration"}},
		{name: "401 asks to check the token", err: answer(401, nil, "Bad credentials"),
			want: want{Type: ErrRejected, NonRetryable: true, Text: op + ": GitHub answered 401 Unauthorized: Bad credentials (check the token)"}},
		{name: "404", err: answer(404, nil, "Not Found"),
			want: want{Type: ErrNotFound, NonRetryable: true, Text: op + ": GitHub answered 404 Not Found: Not Found (does it exist, and may the token see it?)"}},
		{name: "410", err: answer(410, nil, "Issues are disabled"),
			want: want{Type: ErrNotFound, NonRetryable: true, Text: op + ": GitHub answered 410 Gone: Issues are disabled (does it exist, and may the token see it?)"}},
		{name: "422 with field errors, the first five",
			err: answer(422, nil, "Validation Failed", gh.Error{Resource: "Issue", Field: "labels", Code: "invalid"},
				gh.Error{Message: "b"}, gh.Error{Message: "c"}, gh.Error{Message: "d"}, gh.Error{Message: "e"}, gh.Error{Message: "f"}),
			want: want{Type: ErrRejected, NonRetryable: true, Text: op + ": GitHub answered 422 Unprocessable Entity: Validation Failed; Issue labels invalid; b; c; d; e"}},
		{name: "408 is retryable", err: answer(408, nil, ""), want: want{Text: op + ": GitHub answered 408 Request Timeout"}},
		{name: "5xx is retryable and its text made safe", err: answer(502, nil, "Server Error\x1b[2J\u202e"),
			want: want{Text: op + `: GitHub answered 502 Bad Gateway: Server Error\x1b[2J\u202e`}},
		{name: "an answer without a response is retryable", err: &gh.ErrorResponse{Message: "x"}, want: want{Text: op + ": GitHub answered 0 : x"}},
		{name: "long text is cut on a rune boundary", err: answer(400, nil, strings.Repeat("é", 200)),
			want: want{Type: ErrRejected, NonRetryable: true, Text: op + ": GitHub answered 400 Bad Request: " + strings.Repeat("é", 150) + "…"}},
		{name: "accepted for later is retryable", err: &gh.AcceptedError{},
			want: want{Text: op + ": GitHub accepted the request for later processing; try again"}},
		{name: "a body too large is rejected", err: fmt.Errorf("read: %w", ErrBodyTooLarge),
			want: want{Type: ErrRejected, NonRetryable: true, Text: op + ": response body exceeds 16 MB"}},
		{name: "a network error without its URL", err: &url.Error{Op: "Post", URL: "https://ghe.example/api/v3/x?token=secret", Err: errors.New("connection refused")},
			want: want{Text: op + ": Post: connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			githubtest.RequireError(t, tt.want, Classify(op, tt.err), "secret")
		})
	}
}

func TestClassifyKeepsCancellation(t *testing.T) {
	require.NoError(t, Classify("op", nil))
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		err := Classify("list issues", &url.Error{Op: "Get", URL: "https://x", Err: cause})
		require.ErrorIs(t, err, cause)
		var app *temporal.ApplicationError
		require.False(t, errors.As(err, &app), "a cancellation is no application error")
	}
}

func TestErrorTypesDoNotChange(t *testing.T) {
	// Workflows' retry policies and the runbook catalog match these strings.
	require.Equal(t, []string{"BadInput", "NotFound", "Rejected", "RateLimited"},
		[]string{ErrBadInput, ErrNotFound, ErrRejected, ErrRateLimited})
}
