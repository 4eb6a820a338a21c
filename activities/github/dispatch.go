package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// keyInput is the workflow_dispatch input that carries the idempotency key to a workflow that
// declares it. A workflow that also names its runs with it (run-name: ${{ inputs.firebreak_key }})
// lets Firebreak find its run for certain on servers that do not return run details.
const keyInput = "firebreak_key"

const (
	defaultRunTimeout = 30 * time.Minute
	maxRunTimeout     = 72 * time.Hour
	// findPolls is how many times the action lists runs looking for the one it dispatched.
	findPolls = 6
)

// dispatchProgress is what DispatchGitHubWorkflow records in its heartbeat, so that a later
// attempt resumes instead of dispatching a second run.
type dispatchProgress struct {
	// BeforeRunID is the newest run of the workflow before the dispatch; the dispatched run's
	// ID is larger.
	BeforeRunID int64 `json:"before_run_id"`
	// Dispatching says the dispatch request may have been sent.
	Dispatching bool `json:"dispatching"`
	// RunID and RunURL identify the dispatched run once known.
	RunID  int64  `json:"run_id,omitempty"`
	RunURL string `json:"run_url,omitempty"`
	// Deadline ends the wait for the run's conclusion.
	Deadline time.Time `json:"deadline,omitzero"`
}

// dispatchRequest is the body of the workflow dispatch call. go-github v60 predates
// return_run_details.
type dispatchRequest struct {
	Ref              string            `json:"ref"`
	Inputs           map[string]string `json:"inputs,omitempty"`
	ReturnRunDetails bool              `json:"return_run_details,omitempty"`
}

// dispatchResponse is GitHub's answer to a dispatch with return_run_details.
type dispatchResponse struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

func (in DispatchWorkflowInput) validate() (owner, repo string, err error) {
	if owner, repo, err = splitRepo(in.Repo); err != nil {
		return "", "", err
	}
	if !workflowPattern.MatchString(in.Workflow) || in.Workflow == "." || in.Workflow == ".." {
		return "", "", badInput("workflow %q: want a workflow file name such as deploy.yml or a numeric ID", clean(in.Workflow, 80))
	}
	if err := checkRef("ref", in.Ref); err != nil {
		return "", "", err
	}
	if len(in.Inputs) > maxInputs-1 {
		return "", "", badInput("inputs: %d inputs, at most %d", len(in.Inputs), maxInputs-1)
	}
	for k, v := range in.Inputs {
		if !inputPattern.MatchString(k) {
			return "", "", badInput("inputs: name %q is not a valid workflow input name", clean(k, 80))
		}
		if len(v) > maxInputLen {
			return "", "", badInput("inputs.%s is longer than %d bytes", k, maxInputLen)
		}
	}
	if in.Timeout < 0 || time.Duration(in.Timeout) > maxRunTimeout {
		return "", "", badInput("timeout %s: want between 0 and %s", time.Duration(in.Timeout), maxRunTimeout)
	}
	return owner, repo, checkKey(in.IdempotencyKey)
}

// DispatchGitHubWorkflow runs a GitHub Actions workflow on a ref with inputs and, unless
// in.Wait is false, waits for its conclusion, polling while it heartbeats. It asks GitHub for
// the run's details (return_run_details); a server that does not support that gets the request
// without it, and the action finds the run among the workflow's runs on the ref. The heartbeat
// records the run, so a retried attempt waits for the same run instead of dispatching another.
// A conclusion other than success is a non-retryable Failed error.
func (a *Activities) DispatchGitHubWorkflow(ctx context.Context, in DispatchWorkflowInput) (DispatchWorkflowOutput, error) {
	owner, repo, err := in.validate()
	if err != nil {
		return DispatchWorkflowOutput{}, err
	}
	var p dispatchProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			return DispatchWorkflowOutput{}, badInput("read heartbeat details of an earlier attempt: %v", err)
		}
	}
	log := a.logger.With("action", "github.dispatch_workflow", "repo", in.Repo, "workflow", in.Workflow, "idempotency_key", in.IdempotencyKey)
	out := DispatchWorkflowOutput{RunID: p.RunID, RunURL: p.RunURL, AlreadyInPlace: p.RunID != 0}

	if p.RunID == 0 && p.Dispatching {
		// An earlier attempt may have dispatched before it could record the run.
		run, err := a.findRun(ctx, owner, repo, in, p)
		if err != nil {
			return DispatchWorkflowOutput{}, err
		}
		if run != nil {
			log.Info("found the run an earlier attempt dispatched", "run_id", run.GetID())
			p.RunID, p.RunURL = run.GetID(), run.GetHTMLURL()
			out = DispatchWorkflowOutput{RunID: p.RunID, RunURL: p.RunURL, AlreadyInPlace: true}
			activity.RecordHeartbeat(ctx, p)
		}
	}
	if p.RunID == 0 {
		if !p.Dispatching {
			if p.BeforeRunID, err = a.latestRunID(ctx, owner, repo, in.Workflow); err != nil {
				return DispatchWorkflowOutput{}, err
			}
		}
		// The attempt's first heartbeat is sent at once; later ones may be batched.
		p.Dispatching = true
		activity.RecordHeartbeat(ctx, p)
		id, runURL, err := a.dispatch(ctx, owner, repo, in)
		if err != nil {
			return DispatchWorkflowOutput{}, err
		}
		if id == 0 {
			run, err := a.findRun(ctx, owner, repo, in, p)
			if err != nil {
				return DispatchWorkflowOutput{}, err
			}
			if run == nil {
				return DispatchWorkflowOutput{}, fmt.Errorf("find dispatched run of %s in %s: no new workflow_dispatch run on %s after %d polls",
					in.Workflow, in.Repo, clean(in.Ref, 80), findPolls)
			}
			id, runURL = run.GetID(), run.GetHTMLURL()
		}
		p.RunID, p.RunURL = id, runURL
		out = DispatchWorkflowOutput{RunID: id, RunURL: runURL}
		activity.RecordHeartbeat(ctx, p)
		log.Info("dispatched workflow run", "run_id", id)
	}
	if in.Wait != nil && !*in.Wait {
		return out, nil
	}

	if p.Deadline.IsZero() {
		timeout := time.Duration(in.Timeout)
		if timeout == 0 {
			timeout = defaultRunTimeout
		}
		p.Deadline = time.Now().Add(timeout)
		activity.RecordHeartbeat(ctx, p)
	}
	for {
		run, _, err := a.client.Actions.GetWorkflowRunByID(ctx, owner, repo, p.RunID)
		if err != nil {
			return out, githubapi.Classify(fmt.Sprintf("get workflow run %d", p.RunID), err)
		}
		if u := run.GetHTMLURL(); u != "" {
			out.RunURL = u
		}
		if run.GetStatus() == "completed" {
			out.Conclusion = run.GetConclusion()
			if out.Conclusion != "success" {
				return out, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("workflow run %d of %s concluded %s", p.RunID, in.Workflow, clean(out.Conclusion, 40)),
					ErrFailed, nil, out)
			}
			return out, nil
		}
		activity.RecordHeartbeat(ctx, p)
		if !time.Now().Before(p.Deadline) {
			return out, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("wait for workflow run %d of %s: still %s at the deadline", p.RunID, in.Workflow, clean(run.GetStatus(), 40)),
				ErrTimeout, nil, out)
		}
		if !sleep(ctx.Done(), min(a.poll, time.Until(p.Deadline)+time.Millisecond)) {
			return out, fmt.Errorf("wait for workflow run %d: %w", p.RunID, ctx.Err())
		}
	}
}

// dispatch sends the workflow dispatch request and returns the run's ID and page when GitHub
// returns them, or 0 when it does not. Parameters a server refuses are dropped: the
// return_run_details flag on servers that predate it, and the firebreak_key input when the
// workflow does not declare it.
func (a *Activities) dispatch(ctx context.Context, owner, repo string, in DispatchWorkflowInput) (int64, string, error) {
	body := dispatchRequest{Ref: in.Ref, Inputs: map[string]string{}, ReturnRunDetails: true}
	for k, v := range in.Inputs {
		body.Inputs[k] = v
	}
	addedKey := false
	if _, ok := body.Inputs[keyInput]; !ok {
		body.Inputs[keyInput] = in.IdempotencyKey
		addedKey = true
	}
	path := fmt.Sprintf("repos/%s/%s/actions/workflows/%s/dispatches", owner, repo, in.Workflow)
	for range 3 {
		req, err := a.client.NewRequest(http.MethodPost, path, body)
		if err != nil {
			return 0, "", fmt.Errorf("create dispatch request: %w", err)
		}
		var out dispatchResponse
		resp, err := a.client.Do(ctx, req, &out)
		if err == nil {
			if resp.StatusCode == http.StatusOK && out.WorkflowRunID > 0 {
				return out.WorkflowRunID, out.HTMLURL, nil
			}
			return 0, "", nil
		}
		status, text := responseText(err)
		if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest {
			switch {
			case body.ReturnRunDetails && strings.Contains(text, "return_run_details"):
				a.logger.Info("GitHub does not support return_run_details; dispatching without it", "repo", in.Repo)
				body.ReturnRunDetails = false
				continue
			case addedKey && strings.Contains(text, keyInput):
				delete(body.Inputs, keyInput)
				addedKey = false
				continue
			}
		}
		return 0, "", githubapi.Classify(fmt.Sprintf("dispatch workflow %s in %s", in.Workflow, in.Repo), err)
	}
	return 0, "", nonRetryable(ErrRejected, "dispatch workflow %s in %s: GitHub refused every form of the request", in.Workflow, in.Repo)
}

// latestRunID returns the ID of the workflow's newest run, or 0 when it has none.
func (a *Activities) latestRunID(ctx context.Context, owner, repo, workflow string) (int64, error) {
	runs, _, err := a.client.Actions.ListWorkflowRunsByFileName(ctx, owner, repo, workflow,
		&gh.ListWorkflowRunsOptions{ListOptions: gh.ListOptions{PerPage: 1}})
	if err != nil {
		return 0, githubapi.Classify(fmt.Sprintf("list runs of workflow %s", workflow), err)
	}
	var newest int64
	for _, r := range runs.WorkflowRuns {
		newest = max(newest, r.GetID())
	}
	return newest, nil
}

// findRun looks for the run a dispatch created: a workflow_dispatch run on the ref newer than
// p.BeforeRunID. A run whose title holds the idempotency key wins; otherwise the oldest such run. It
// polls a few times, since a run may take seconds to be listed, and returns nil when none
// appears.
func (a *Activities) findRun(ctx context.Context, owner, repo string, in DispatchWorkflowInput, p dispatchProgress) (*gh.WorkflowRun, error) {
	branch := strings.TrimPrefix(strings.TrimPrefix(in.Ref, "refs/heads/"), "refs/tags/")
	opts := &gh.ListWorkflowRunsOptions{Event: "workflow_dispatch", Branch: branch, ListOptions: gh.ListOptions{PerPage: 50}}
	for i := range findPolls {
		if i > 0 && !sleep(ctx.Done(), a.poll) {
			return nil, fmt.Errorf("find dispatched run of %s: %w", in.Workflow, ctx.Err())
		}
		runs, _, err := a.client.Actions.ListWorkflowRunsByFileName(ctx, owner, repo, in.Workflow, opts)
		if err != nil {
			return nil, githubapi.Classify(fmt.Sprintf("list runs of workflow %s", in.Workflow), err)
		}
		var found *gh.WorkflowRun
		for _, r := range runs.WorkflowRuns {
			if r.GetID() <= p.BeforeRunID {
				continue
			}
			if strings.Contains(r.GetDisplayTitle(), in.IdempotencyKey) {
				return r, nil
			}
			if found == nil || r.GetID() < found.GetID() {
				found = r
			}
		}
		if found != nil {
			return found, nil
		}
		activity.RecordHeartbeat(ctx, p)
	}
	return nil, nil
}
