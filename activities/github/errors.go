package github

import (
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
)

// Types of the application errors the actions return. Errors of every type but RateLimited
// are non-retryable: the same call can never succeed. Other retryable failures (5xx answers,
// network errors, timeouts) are plain errors. GitHub's answers are classified by
// githubapi.Classify, whose types these are where the names are the same.
const (
	// ErrBadInput is an input the action rejects before calling GitHub.
	ErrBadInput = githubapi.ErrBadInput
	// ErrNotFound is a repository, workflow, commit, branch or issue GitHub does not know, or
	// one the token may not see.
	ErrNotFound = githubapi.ErrNotFound
	// ErrRejected is a request GitHub refused for good: 400, 401, 403, 409, 422 and other 4xx.
	ErrRejected = githubapi.ErrRejected
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
	ErrRateLimited = githubapi.ErrRateLimited
)

func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

func nonRetryable(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
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
