package github

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
)

// Types of the application errors the tracker returns. Errors of every type but RateLimited
// are non-retryable. Other retryable failures (5xx answers, network errors, timeouts) are
// plain errors. GitHub's answers are classified by githubapi.Classify, whose types these are.
const (
	// ErrBadInput is an input the tracker rejects before calling GitHub.
	ErrBadInput = githubapi.ErrBadInput
	// ErrNotFound is a repository or issue GitHub does not know, or one the token may not see.
	ErrNotFound = githubapi.ErrNotFound
	// ErrRejected is a request GitHub refused for good: 400, 401, 403, 422 and other 4xx.
	ErrRejected = githubapi.ErrRejected
	// ErrRateLimited is GitHub's primary or secondary rate limit, or a 429. It is retryable,
	// after the delay GitHub asked for.
	ErrRateLimited = githubapi.ErrRateLimited
)

func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}
