package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Types of the application errors Classify returns; the integrations return them too. Errors
// of every type but ErrRateLimited are non-retryable: the same call can never succeed. Other
// retryable failures (5xx answers, network errors, timeouts) are plain errors. Workflows and
// retry policies match these strings: they must not change.
const (
	// ErrBadInput is an input an integration rejects before calling GitHub.
	ErrBadInput = "BadInput"
	// ErrNotFound is a repository, workflow, commit, branch or issue GitHub does not know, or
	// one the token may not see: a 404 or 410 answer.
	ErrNotFound = "NotFound"
	// ErrRejected is a request GitHub refused for good: 400, 401, 403, 409, 422 and other 4xx,
	// or an answer longer than 16 MB.
	ErrRejected = "Rejected"
	// ErrRateLimited is GitHub's primary or secondary rate limit, or a 429. It is retryable,
	// after the delay GitHub asked for.
	ErrRateLimited = "RateLimited"
)

const (
	// maxRetryDelay caps the retry delay a rate limit asks for.
	maxRetryDelay = time.Hour
	// maxDetail bounds the text from GitHub an error carries, in bytes.
	maxDetail = 300
)

// Classify turns an error of a go-github call made for op into an integration's error:
// non-retryable typed application errors for answers that can never succeed, retryable ones
// that ask to be retried after GitHub's delay for rate limits, and plain errors for the rest.
// Text GitHub sent is made safe with safetext.Line and cut short; the token never appears,
// as go-github never puts it in an error. Classify returns nil for a nil err.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var rate *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var accepted *gh.AcceptedError
	var resp *gh.ErrorResponse
	switch {
	case errors.As(err, &rate):
		return rateLimited(fmt.Sprintf("%s: GitHub rate limit exceeded, resets at %s", op,
			rate.Rate.Reset.UTC().Format(time.RFC3339)), time.Until(rate.Rate.Reset.Time))
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
	case errors.Is(err, ErrBodyTooLarge):
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", op, ErrBodyTooLarge), ErrRejected, nil)
	}
	return fmt.Errorf("%s: %s", op, clean(stripURL(err)))
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
		return temporal.NewNonRetryableApplicationError(msg+" (does it exist, and may the token see it?)", ErrNotFound, nil)
	case status == http.StatusUnauthorized:
		return temporal.NewNonRetryableApplicationError(msg+" (check the token)", ErrRejected, nil)
	default:
		return temporal.NewNonRetryableApplicationError(msg, ErrRejected, nil)
	}
}

// responseDetail returns the message and the first five field errors of a GitHub error
// answer, cleaned.
func responseDetail(resp *gh.ErrorResponse) string {
	var parts []string
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
	return clean(strings.Join(parts, "; "))
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

// rateLimited is a retryable error that asks Temporal to retry after delay, kept between a
// second and an hour.
func rateLimited(msg string, delay time.Duration) error {
	delay = min(max(delay, time.Second), maxRetryDelay)
	return temporal.NewApplicationErrorWithOptions(msg, ErrRateLimited, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}

// stripURL returns an error's text without the URL net/http repeats in it.
func stripURL(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Op + ": " + uerr.Err.Error()
	}
	return err.Error()
}

// clean makes text from GitHub safe to show in one line (safetext.Line) and cuts it to
// maxDetail bytes on a rune boundary.
func clean(s string) string {
	s = safetext.Line(s)
	if len(s) <= maxDetail {
		return s
	}
	end := maxDetail
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}
