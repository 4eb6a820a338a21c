// Package github holds the runbook actions that act on GitHub: dispatch a workflow and wait for
// its conclusion, create a deployment and set its status, open a revert pull request and comment
// on an issue. Each action is a Temporal activity method on Activities with one input and one
// output struct whose JSON field names are the runbook catalog's parameter names.
package github

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
)

// Defaults of Config's zero values.
const (
	defaultPollInterval = 10 * time.Second
	defaultTimeout      = 30 * time.Second
)

// Config configures Activities. Every field but TokenEnv has a safe zero value.
type Config struct {
	// TokenEnv names the environment variable that holds the GitHub token. Required.
	TokenEnv string
	// BaseURL is the REST API's base URL: https://api.github.com/ when empty, or
	// https://HOST/api/v3/ for GitHub Enterprise Server.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a 30-second timeout per request.
	// Responses are limited to 16 MB either way.
	HTTPClient *http.Client
	// PollInterval is how often the actions poll while they wait; zero means 10 seconds.
	PollInterval time.Duration
}

// Activities runs the GitHub actions. Workflows call its methods through a nil pointer; the
// worker registers one made by New. It is safe for concurrent use.
type Activities struct {
	client *gh.Client
	logger *slog.Logger
	poll   time.Duration
}

// New returns Activities that authenticate with the token in the environment variable
// cfg.TokenEnv. The token appears in no log, error or history.
func New(cfg Config, logger *slog.Logger) (*Activities, error) {
	if cfg.TokenEnv == "" {
		return nil, errors.New("configure GitHub actions: empty token environment variable name")
	}
	token := os.Getenv(cfg.TokenEnv)
	if token == "" {
		return nil, fmt.Errorf("configure GitHub actions: environment variable %s is empty or unset", cfg.TokenEnv)
	}
	client, err := githubapi.NewClient(githubapi.ClientConfig{
		Token: token, BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, Timeout: defaultTimeout,
	})
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = defaultPollInterval
	}
	return &Activities{client: client, logger: logger, poll: poll}, nil
}

// Actions returns the activity of each of a's actions by its runbook catalog name. It is a
// function, not a method, so that registering Activities registers only activities.
func Actions(a *Activities) map[string]any {
	return map[string]any{
		"github.dispatch_workflow":   a.DispatchGitHubWorkflow,
		"github.create_deployment":   a.CreateGitHubDeployment,
		"github.revert_pull_request": a.OpenRevertPullRequest,
		"github.comment_issue":       a.CommentGitHubIssue,
	}
}

// Limits of the inputs.
const (
	maxKeyLen     = 200
	maxRefLen     = 255
	maxInputs     = 25
	maxInputLen   = 65535
	maxTitleLen   = 256
	maxCommentLen = 60000 // GitHub takes 65,536 characters; the rest is for the marker
)

var (
	repoPattern     = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$`)
	workflowPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	keyPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/=@+-]*$`)
	shaPattern      = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	inputPattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,99}$`)
)

// splitRepo returns the owner and name of an "owner/name" repository.
func splitRepo(repo string) (owner, name string, err error) {
	m := repoPattern.FindStringSubmatch(repo)
	if m == nil || m[2] == "." || m[2] == ".." {
		return "", "", badInput("repo %q: want owner/name", clean(repo, 200))
	}
	return m[1], m[2], nil
}

// checkKey validates an idempotency key.
func checkKey(key string) error {
	if key == "" {
		return badInput("missing idempotency_key")
	}
	if len(key) > maxKeyLen || !keyPattern.MatchString(key) {
		return badInput("idempotency_key %q: want at most %d characters of letters, digits and ._:/=@+-", clean(key, 80), maxKeyLen)
	}
	return nil
}

// checkRef validates a branch, tag or commit name.
func checkRef(field, ref string) error {
	switch {
	case ref == "":
		return badInput("missing %s", field)
	case len(ref) > maxRefLen:
		return badInput("%s is longer than %d characters", field, maxRefLen)
	case strings.ContainsAny(ref, " ~^:?*[\\") || strings.Contains(ref, "..") || strings.Contains(ref, "@{") ||
		strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".lock") ||
		strings.ContainsFunc(ref, isControl):
		return badInput("%s %q is not a valid git ref name", field, clean(ref, 80))
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// clean makes text from outside safe to print: control characters become spaces and the text
// is cut to max bytes on a rune boundary.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if isControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// sleep waits for d or until ctx is done.
func sleep(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}
