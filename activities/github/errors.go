package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"
	"go.temporal.io/sdk/temporal"
)

// Types of the application errors the actions return. Errors of every type but RateLimited
// are non-retryable: the same call can never succeed. Other retryable failures (5xx answers,
// network errors, timeouts) are plain errors.
const (
	// ErrBadInput is an input the action rejects before calling GitHub.
	ErrBadInput = "BadInput"
	// ErrNotFound is a repository, workflow, commit, branch or issue GitHub does not know, or
	// one the token may not see.
	ErrNotFound = "NotFound"
	// ErrRejected is a request GitHub refused for good: 400, 401, 403, 409, 422 and other 4xx.
	ErrRejected = "Rejected"
	// ErrConflict is a change that cannot be made as asked: a revert that conflicts with
	// later commits, or a branch or pull request in a state Firebreak did not leave it in.
	ErrConflict = "Conflict"
	// ErrFailed is a workflow run that concluded with anything but success; the error's
	// details hold the action's output.
	ErrFailed = "Failed"
	// ErrTimeout is a wait that reached its timeout; the error's details hold the output.
	ErrTimeout = "Timeout"
	// ErrRateLimited is GitHub's primary or secondary rate limit. It is retryable, after the
	// delay GitHub asked for.
	ErrRateLimited = "RateLimited"
)

// maxRetryDelay caps the retry delay a rate limit asks for.
const maxRetryDelay = time.Hour

func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

func nonRetryable(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
}

// classify turns an error of a go-github call into the activity's error: non-retryable typed
// application errors for answers that can never succeed, retryable ones for rate limits and
// plain errors for the rest. Text GitHub sent is cleaned of control characters and cut short.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var rate *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var accepted *gh.AcceptedError
	var resp *gh.ErrorResponse
	switch {
	case errors.As(err, &rate):
		delay := time.Until(rate.Rate.Reset.Time)
		return rateLimited(fmt.Sprintf("%s: GitHub rate limit exceeded, resets at %s", op,
			rate.Rate.Reset.UTC().Format(time.RFC3339)), delay)
	case errors.As(err, &abuse):
		delay := time.Minute
		if abuse.RetryAfter != nil {
			delay = *abuse.RetryAfter
		}
		return rateLimited(fmt.Sprintf("%s: GitHub secondary rate limit exceeded, retry after %s", op, delay), delay)
	case errors.As(err, &accepted):
		return fmt.Errorf("%s: GitHub accepted the request for later processing; try again", op)
	case errors.As(err, &resp):
		return classifyResponse(op, resp)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, errBodyTooLarge):
		return nonRetryable(ErrRejected, "%s: %v", op, errBodyTooLarge)
	}
	return fmt.Errorf("%s: %s", op, clean(stripURL(err), 300))
}

// classifyResponse classifies a GitHub answer with an error status.
func classifyResponse(op string, resp *gh.ErrorResponse) error {
	status := 0
	var header http.Header
	if resp.Response != nil {
		status = resp.Response.StatusCode
		header = resp.Response.Header
	}
	msg := fmt.Sprintf("%s: GitHub answered %d %s", op, status, http.StatusText(status))
	if detail := responseDetail(resp); detail != "" {
		msg += ": " + detail
	}
	retryAfter := parseRetryAfter(header)
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusForbidden && retryAfter > 0:
		if retryAfter == 0 {
			retryAfter = time.Minute
		}
		return rateLimited(msg, retryAfter)
	case status == http.StatusRequestTimeout, status >= 500, status == 0:
		return errors.New(msg)
	case status == http.StatusNotFound, status == http.StatusGone:
		return nonRetryable(ErrNotFound, "%s", msg)
	default:
		return nonRetryable(ErrRejected, "%s", msg)
	}
}

// responseDetail returns the message and field errors of a GitHub error answer, cleaned.
func responseDetail(resp *gh.ErrorResponse) string {
	parts := []string{}
	if resp.Message != "" {
		parts = append(parts, resp.Message)
	}
	for i, e := range resp.Errors {
		if i == 5 {
			break
		}
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Code != "":
			parts = append(parts, strings.TrimSpace(e.Resource+" "+e.Field+" "+e.Code))
		}
	}
	return clean(strings.Join(parts, "; "), 300)
}

// responseText returns everything GitHub said in an error answer, for matching.
func responseText(err error) (int, string) {
	var resp *gh.ErrorResponse
	if !errors.As(err, &resp) || resp.Response == nil {
		return 0, ""
	}
	var b strings.Builder
	b.WriteString(resp.Message)
	for _, e := range resp.Errors {
		b.WriteString(" " + e.Message + " " + e.Field + " " + e.Code)
	}
	return resp.Response.StatusCode, b.String()
}

// statusOf returns the HTTP status of a GitHub error answer, or 0.
func statusOf(err error) int {
	status, _ := responseText(err)
	return status
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date; 0 when absent.
func parseRetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// rateLimited is a retryable error that asks Temporal to retry after delay.
func rateLimited(msg string, delay time.Duration) error {
	delay = min(max(delay, time.Second), maxRetryDelay)
	return temporal.NewApplicationErrorWithOptions(msg, ErrRateLimited, temporal.ApplicationErrorOptions{
		NextRetryDelay: delay,
	})
}

// stripURL returns an error's text without the URL net/http repeats in it.
func stripURL(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Op + ": " + uerr.Err.Error()
	}
	return err.Error()
}
