package github

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration string such as
// "10m"; it also reads a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("parse duration %q: want a Go duration such as 90s or 10m", clean(s, 40))
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("parse duration %s: want a string such as \"10m\"", clean(string(b), 40))
	}
	*d = Duration(n)
	return nil
}

// DispatchWorkflowInput is the input of github.dispatch_workflow.
type DispatchWorkflowInput struct {
	// Repo is the repository, "owner/name".
	Repo string `json:"repo"`
	// Workflow is the workflow's file name (deploy.yml) or numeric ID.
	Workflow string `json:"workflow"`
	// Ref is the branch or tag the workflow runs on.
	Ref string `json:"ref"`
	// Inputs are the workflow_dispatch inputs.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Wait says whether to wait for the run's conclusion; nil means true.
	Wait *bool `json:"wait,omitempty"`
	// Timeout bounds the wait; zero means 30 minutes.
	Timeout Duration `json:"timeout,omitempty"`
	// IdempotencyKey identifies the step; it goes to the workflow as the input firebreak_key
	// when the workflow declares that input.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the dispatch for a reviewer of the workflow history.
func (in DispatchWorkflowInput) Summary() string {
	s := fmt.Sprintf("dispatch GitHub workflow %s in %s on %s", clean(in.Workflow, 80), clean(in.Repo, 140), clean(in.Ref, 80))
	if in.Wait == nil || *in.Wait {
		s += " and wait for its conclusion"
	}
	return s
}

// DispatchWorkflowOutput is the output of github.dispatch_workflow.
type DispatchWorkflowOutput struct {
	// RunID is the workflow run's ID.
	RunID int64 `json:"run_id"`
	// RunURL is the run's page on GitHub.
	RunURL string `json:"run_url"`
	// Conclusion is the run's conclusion (success), or empty when the action did not wait.
	Conclusion string `json:"conclusion"`
	// AlreadyInPlace says an earlier attempt of the step had dispatched the run.
	AlreadyInPlace bool `json:"already_in_place"`
}

// CreateDeploymentInput is the input of github.create_deployment.
type CreateDeploymentInput struct {
	// Repo is the repository, "owner/name".
	Repo string `json:"repo"`
	// Ref is the branch, tag or commit SHA to deploy.
	Ref string `json:"ref"`
	// Environment is the deployment's environment, such as production.
	Environment string `json:"environment"`
	// Description is the deployment's description.
	Description string `json:"description,omitempty"`
	// State is the status to set after creating the deployment: success, failure,
	// in_progress, queued, pending, inactive or error. Empty means success.
	State string `json:"state,omitempty"`
	// IdempotencyKey identifies the step; it goes in the deployment's payload as
	// firebreak_key.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the deployment for a reviewer of the workflow history.
func (in CreateDeploymentInput) Summary() string {
	return fmt.Sprintf("create GitHub deployment of %s in %s to %s with status %s",
		clean(in.Ref, 80), clean(in.Repo, 140), clean(in.Environment, 80), in.state())
}

func (in CreateDeploymentInput) state() string {
	if in.State == "" {
		return "success"
	}
	return clean(in.State, 20)
}

// CreateDeploymentOutput is the output of github.create_deployment.
type CreateDeploymentOutput struct {
	// DeploymentID is the deployment's ID.
	DeploymentID int64 `json:"deployment_id"`
	// StatusID is the ID of the deployment's status that has the state asked for.
	StatusID int64 `json:"status_id"`
	// AlreadyInPlace says the deployment of this step already had that status.
	AlreadyInPlace bool `json:"already_in_place"`
}

// RevertPullRequestInput is the input of github.revert_pull_request.
type RevertPullRequestInput struct {
	// Repo is the repository, "owner/name".
	Repo string `json:"repo"`
	// Commit is the SHA of the commit to revert (7 to 64 hex digits).
	Commit string `json:"commit"`
	// Base is the branch the pull request merges into; empty means the repository's default
	// branch.
	Base string `json:"base,omitempty"`
	// Title is the pull request's title; empty means Revert "<the commit's subject>".
	Title string `json:"title,omitempty"`
	// IdempotencyKey identifies the step; it goes in the pull request's body.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the revert for a reviewer of the workflow history.
func (in RevertPullRequestInput) Summary() string {
	base := clean(in.Base, 80)
	if base == "" {
		base = "the default branch"
	}
	return fmt.Sprintf("open a pull request in %s that reverts commit %s on %s",
		clean(in.Repo, 140), shortSHA(clean(in.Commit, 40)), base)
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// RevertPullRequestOutput is the output of github.revert_pull_request.
type RevertPullRequestOutput struct {
	// Number is the pull request's number; 0 when the base branch no longer has the commit's
	// changes, so there is nothing to revert.
	Number int `json:"number"`
	// URL is the pull request's page on GitHub.
	URL string `json:"url"`
	// Branch is the pull request's head branch, firebreak/revert-<first 12 digits of the SHA>.
	Branch string `json:"branch"`
	// AlreadyInPlace says the pull request already existed (open or merged), or the base
	// branch no longer has the commit's changes.
	AlreadyInPlace bool `json:"already_in_place"`
}

// CommentIssueInput is the input of github.comment_issue.
type CommentIssueInput struct {
	// Repo is the repository, "owner/name".
	Repo string `json:"repo"`
	// Number is the issue's or pull request's number.
	Number int `json:"number"`
	// Body is the comment's Markdown text.
	Body string `json:"body"`
	// IdempotencyKey identifies the step; it goes in a hidden marker at the end of the
	// comment.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the comment for a reviewer of the workflow history.
func (in CommentIssueInput) Summary() string {
	first, _, _ := strings.Cut(in.Body, "\n")
	return fmt.Sprintf("comment on %s#%d: %s", clean(in.Repo, 140), in.Number, clean(first, 80))
}

// CommentIssueOutput is the output of github.comment_issue.
type CommentIssueOutput struct {
	// CommentID is the comment's ID.
	CommentID int64 `json:"comment_id"`
	// URL is the comment's address on GitHub.
	URL string `json:"url"`
	// AlreadyInPlace says this step's comment was already on the issue.
	AlreadyInPlace bool `json:"already_in_place"`
}
