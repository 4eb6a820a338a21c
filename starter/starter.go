// Package starter is Firebreak's client side: it starts incidents, sends responders' updates,
// reads an incident's state and lists incidents through Temporal's visibility.
package starter

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/workflowquery"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Client starts and drives incidents over a Temporal client.
type Client struct {
	Temporal  client.Client
	Namespace string // for Web UI links; default "default"
	UIURL     string // Temporal Web UI base address; default "http://localhost:8233"
}

// StartRequest describes a new incident.
type StartRequest struct {
	Key      string // idempotency key; empty means a new generated key
	Source   string
	Service  string
	Type     string
	Title    string
	Labels   map[string]string
	Impact   incident.Impact
	Override *incident.SeverityOverride
	// Private keeps the incident off the public status page: the state says so, and so does the
	// memo (MemoPrivate), so that visibility alone can tell.
	Private bool
}

// MemoPrivate is the memo field that marks a private incident; Start sets it, and the workflow's
// own memo updates keep it.
const MemoPrivate = "private"

// Started says which incident a start request resolved to.
type Started struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	URL        string `json:"url"`
	// Existing is true when an incident with this key had already been started.
	Existing bool `json:"existing"`
}

// Start starts an incident workflow. Starting the same key twice returns the existing incident.
func (c *Client) Start(ctx context.Context, req StartRequest) (Started, error) {
	if req.Key == "" {
		req.Key = NewKey(req.Service)
	}
	if req.Source == "" {
		req.Source = "cli"
	}
	if req.Type == "" {
		req.Type = "outage"
	}
	in := workflows.IncidentInput{
		Key: req.Key, Source: req.Source, Service: req.Service, Type: req.Type, Title: req.Title,
		Labels: req.Labels, Impact: req.Impact, Override: req.Override, Private: req.Private,
	}
	if err := in.Validate(); err != nil {
		return Started{}, err
	}
	id := workflows.WorkflowID(req.Key)
	run, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            req.Title,
		StaticDetails:                            fmt.Sprintf("Service **%s**, type **%s**, from %s.", req.Service, req.Type, req.Source),
		Memo:                                     startMemo(req),
		TypedSearchAttributes:                    workflows.StartSearchAttributes(req.Service, req.Type),
	}, workflows.IncidentWorkflowName, in)
	started := Started{Key: req.Key, WorkflowID: id, URL: c.WorkflowURL(id)}
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &already):
		started.RunID, started.Existing = already.RunId, true
		return started, nil
	case err != nil:
		return Started{}, fmt.Errorf("start incident %s: %w", req.Key, err)
	}
	started.RunID = run.GetRunID()
	return started, nil
}

// startMemo is the memo an incident starts with: its title, and whether it is private.
func startMemo(req StartRequest) map[string]any {
	memo := map[string]any{"title": req.Title}
	if req.Private {
		memo[MemoPrivate] = true
	}
	return memo
}

// WorkflowURL returns the Temporal Web UI address of a workflow.
func (c *Client) WorkflowURL(workflowID string) string {
	ui, ns := c.UIURL, c.Namespace
	if ui == "" {
		ui = "http://localhost:8233"
	}
	if ns == "" {
		ns = "default"
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", strings.TrimRight(ui, "/"), ns, workflowID)
}

// NewKey returns a fresh incident key: the service name and a random suffix.
func NewKey(service string) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	suffix := make([]byte, 6)
	for i, b := range randomBytes(len(suffix)) {
		suffix[i] = alphabet[int(b)%len(alphabet)]
	}
	prefix := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(service)), "-")
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	if prefix == "" {
		return string(suffix)
	}
	return prefix + "-" + string(suffix)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux and panics rather than return short
	return b
}

// Update sends one responder update. wait bounds how long a worker has to accept it: the caller
// puts the same bound in the request's workflows.Expiry, so that an update no worker accepted in
// time is never applied later and Update can say so (ErrNoWorker). Once a worker accepted it,
// Update waits as long again for its outcome. A rejected update returns the validator's reason
// and changes nothing; an update on a closed incident returns a *ClosedError. A wait of 0 waits
// as long as ctx allows.
func (c *Client) Update(ctx context.Context, key, name string, arg any, wait time.Duration) (workflows.Outcome, error) {
	acceptCtx, cancel := withWait(ctx, wait)
	defer cancel()
	handle, err := c.Temporal.UpdateWorkflow(acceptCtx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.WorkflowID(key),
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err != nil {
		return workflows.Outcome{}, c.explain(ctx, acceptCtx, key, name, err, errUpdateNotApplied)
	}
	resultCtx, cancel := withWait(ctx, wait)
	defer cancel()
	var out workflows.Outcome
	if err := handle.Get(resultCtx, &out); err != nil {
		unfinished := fmt.Errorf("%s incident %s: a worker accepted the update but it did not finish within %s; "+
			"it will still be applied: see `firebreak incident show %s`", name, key, wait, key)
		return workflows.Outcome{}, c.explain(ctx, resultCtx, key, name, err, unfinished)
	}
	return out, nil
}

// State returns an incident's current state, open or resolved, as a worker answers the state
// query. wait bounds how long a worker has to answer (0: as long as ctx allows); when none does,
// the error wraps ErrNoWorker and Describe still tells what Temporal knows.
func (c *Client) State(ctx context.Context, key string, wait time.Duration) (workflows.State, error) {
	queryCtx, cancel := withWait(ctx, wait)
	defer cancel()
	resp, err := workflowquery.Ask(queryCtx, c.Temporal, c.namespace(), workflows.WorkflowID(key), "", workflows.QueryState)
	if errors.As(err, new(*serviceerror.NotFound)) {
		// A closed incident still answers through a worker; not found means not there.
		return workflows.State{}, describe(key, "show", err)
	}
	if err != nil {
		noAnswer := fmt.Errorf("%w: no answer to the state query of incident %s within %s", ErrNoWorker, key, wait)
		return workflows.State{}, c.explain(ctx, queryCtx, key, "show", err, noAnswer)
	}
	var s workflows.State
	if err := resp.Get(&s); err != nil {
		return workflows.State{}, fmt.Errorf("decode state of incident %s: %w", key, err)
	}
	return s, nil
}

// withWait bounds ctx by wait, unless wait is 0 or less.
func withWait(ctx context.Context, wait time.Duration) (context.Context, context.CancelFunc) {
	if wait <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, wait)
}

// explain turns the error of a request made under opCtx, a bound of ctx, into one line a
// responder understands: an interruption of ctx as such, opCtx running out as noAnswer, a closed
// or unknown incident as such, a validator's rejection with its reason.
func (c *Client) explain(ctx, opCtx context.Context, key, action string, err, noAnswer error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s incident %s: %w", action, key, ctx.Err())
	case timedOut(opCtx, err):
		return noAnswer
	case errors.As(err, new(*serviceerror.NotFound)):
		return c.missing(ctx, key, action, err)
	}
	return describe(key, action, err)
}

// describe turns Temporal's errors into one line a responder understands.
func describe(key, action string, err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%s: no incident %q", action, key)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return fmt.Errorf("%s rejected: %s", action, appErr.Message())
	}
	return fmt.Errorf("%s incident %s: %w", action, key, err)
}

func (c *Client) namespace() string {
	if c.Namespace == "" {
		return "default"
	}
	return c.Namespace
}
