package activities

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/runbook"
)

// Error types of runbook activities' non-retryable failures.
const (
	// ErrUnknownRunbook is a run of a runbook the worker does not have.
	ErrUnknownRunbook = "UnknownRunbook"
	// ErrBadParams is a run whose params do not fit its runbook.
	ErrBadParams = "BadParams"
	// ErrUnhealthy is an HTTP check that never saw the expected status.
	ErrUnhealthy = "Unhealthy"
	// ErrNotConfigured is an action whose credentials the worker does not have.
	ErrNotConfigured = "NotConfigured"
)

// Bounds of the built-in runbook actions.
const (
	// MaxRunbooksFound bounds how many runbooks start on their own for one incident.
	MaxRunbooksFound = 10
	// httpCheckRequestTimeout bounds one poll of an HTTP check.
	httpCheckRequestTimeout = 10 * time.Second
	// httpCheckMaxBody bounds what an HTTP check reads of a body (it reads only to reuse the
	// connection).
	httpCheckMaxBody = 64 << 10
)

// RunbookSource holds the runbooks the worker loaded at start.
type RunbookSource interface {
	// Runbook returns the runbook called name.
	Runbook(name string) (*runbook.Compiled, bool)
	// All returns every runbook, in a fixed order.
	All() []*runbook.Compiled
}

// RunbookActivities runs the decisions and built-in actions of runbook runs: finding the runbooks
// of an incident, the approval policy, notify and http_check. Workflows call its methods through
// a nil pointer; the worker registers a filled one.
type RunbookActivities struct {
	// Runbooks are the runbooks the worker loaded. Required.
	Runbooks RunbookSource
	// Policies decides approvals. Required.
	Policies Decider
	// Directory knows the people who may approve. Required.
	Directory Directory
	// Notifiers deliver notify steps to every configured notifier, as incident updates.
	Notifiers map[string]notify.Notifier
	// HTTP sends http_check polls; nil means a client with a 10-second timeout.
	HTTP *http.Client
}

// FindRunbooksRequest asks for the runbook called Name with Args as its params, or, when Name
// is empty, for every runbook that matches the incident, with its default params.
type FindRunbooksRequest struct {
	Incident runbook.Incident  `json:"incident"`
	Name     string            `json:"name,omitempty"`
	Args     map[string]string `json:"args,omitempty"`
}

// FoundRunbook is a runbook ready to run: its definition, with its content hash, and the
// run's params.
type FoundRunbook struct {
	Runbook runbook.Runbook `json:"runbook"`
	Params  map[string]any  `json:"params"`
}

// FoundRunbooks are the runbooks to run, and the matching ones that cannot run, with why.
type FoundRunbooks struct {
	Runs    []FoundRunbook `json:"runs"`
	Skipped []string       `json:"skipped,omitempty"`
}

// FindRunbooks returns the runbook a responder asked for, with its params bound, or every
// runbook that matches the incident. An unknown runbook or bad params fail non-retryably.
func (a *RunbookActivities) FindRunbooks(_ context.Context, req FindRunbooksRequest) (FoundRunbooks, error) {
	if a == nil || a.Runbooks == nil {
		if req.Name == "" {
			return FoundRunbooks{}, nil
		}
		return FoundRunbooks{}, temporal.NewNonRetryableApplicationError("find runbooks: this worker loaded no runbooks", ErrNotConfigured, nil)
	}
	if req.Name != "" {
		c, ok := a.Runbooks.Runbook(req.Name)
		if !ok {
			return FoundRunbooks{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("unknown runbook %q%s", safetext.Line(req.Name), knownRunbooks(a.Runbooks)), ErrUnknownRunbook, nil)
		}
		params, err := c.BindParams(req.Args, req.Incident)
		if err != nil {
			return FoundRunbooks{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("runbook %s: %s", req.Name, safetext.Line(err.Error())), ErrBadParams, nil)
		}
		return FoundRunbooks{Runs: []FoundRunbook{{Runbook: *c.Runbook(), Params: params}}}, nil
	}
	var found FoundRunbooks
	for _, c := range a.Runbooks.All() {
		name := c.Runbook().Name
		ok, err := c.Matches(req.Incident)
		if err != nil {
			found.Skipped = append(found.Skipped, fmt.Sprintf("%s: %s", name, safetext.Line(err.Error())))
			continue
		}
		if !ok {
			continue
		}
		params, err := c.BindParams(nil, req.Incident)
		if err != nil {
			found.Skipped = append(found.Skipped, fmt.Sprintf("%s matches but cannot start on its own: %s", name, safetext.Line(err.Error())))
			continue
		}
		if len(found.Runs) == MaxRunbooksFound {
			found.Skipped = append(found.Skipped, fmt.Sprintf("%s matches but %d runbooks already start", name, MaxRunbooksFound))
			continue
		}
		found.Runs = append(found.Runs, FoundRunbook{Runbook: *c.Runbook(), Params: params})
	}
	return found, nil
}

func knownRunbooks(src RunbookSource) string {
	var names []string
	for _, c := range src.All() {
		names = append(names, c.Runbook().Name)
	}
	if len(names) == 0 {
		return ": this worker has no runbooks"
	}
	return "; known runbooks: " + strings.Join(names, ", ")
}

// ApprovalRequest gives the approval policy the facts of one step.
type ApprovalRequest struct {
	Action string `json:"action"`
	// Mutating says whether the action changes something outside Firebreak.
	Mutating bool `json:"mutating"`
	// Requested says whether the runbook asks for an approval of the step.
	Requested   bool              `json:"requested"`
	Environment string            `json:"environment"`
	Severity    incident.Severity `json:"severity"`
	// Requester is who started the run: a person, or "firebreak" for a run that started on its own.
	Requester string `json:"requester"`
	// Roles are the incident's roles, to name the people behind the approvers the policy gives.
	Roles map[incident.Role]string `json:"roles,omitempty"`
}

// ApprovalOutcome is the approval policy's answer, the people it lets approve, the input it was
// given and the revision of the policy bundle that decided.
type ApprovalOutcome struct {
	Decision policies.ApprovalDecision `json:"decision"`
	// Eligible are the people who may approve: the roles' holders and the people the policy
	// names, each a known person, never the requester.
	Eligible       []string       `json:"eligible"`
	Input          map[string]any `json:"input"`
	PolicyRevision string         `json:"policy_revision"`
}

// DecideApproval asks the approval policy about a step and names the people who may approve.
func (a *RunbookActivities) DecideApproval(ctx context.Context, req ApprovalRequest) (ApprovalOutcome, error) {
	return DecideApproval(ctx, a.Policies, a.Directory, req)
}

// DecideApproval asks the approval policy about a step through p and names the people who may
// approve, as known to dir (nil: every person named counts as known). It is shared by the
// activity and by runbook plan.
func DecideApproval(ctx context.Context, p Decider, dir Directory, req ApprovalRequest) (ApprovalOutcome, error) {
	input, err := asJSONObject(map[string]any{
		"action": req.Action, "mutating": req.Mutating, "requested": req.Requested,
		"environment": req.Environment, "severity": req.Severity, "requester": req.Requester,
	})
	if err != nil {
		return ApprovalOutcome{}, badInput("encode approval input: %v", err)
	}
	var d policies.ApprovalDecision
	if err := p.Decide(ctx, policies.Approval, input, &d); err != nil {
		return ApprovalOutcome{}, policyError(policies.Approval, err)
	}
	if d.Needed {
		switch {
		case d.Count < 1:
			return ApprovalOutcome{}, policyError(policies.Approval, fmt.Errorf("count %d: an approval needs at least one approver", d.Count))
		case d.WaitSeconds < 1:
			return ApprovalOutcome{}, policyError(policies.Approval, fmt.Errorf("wait_seconds %d: must be positive", d.WaitSeconds))
		case !slices.Contains([]string{policies.OnTimeoutReject, policies.OnTimeoutEscalate, policies.OnTimeoutApprove}, d.OnTimeout):
			return ApprovalOutcome{}, policyError(policies.Approval, fmt.Errorf("on_timeout %q: want reject, escalate or approve", d.OnTimeout))
		}
	}
	out := ApprovalOutcome{Decision: d, Input: input, PolicyRevision: p.Revision()}
	for _, who := range d.Approvers {
		person := who
		if role := incident.Role(who); role.Valid() {
			person = req.Roles[role]
		} else if dir != nil {
			if _, ok := dir.ContactMethods(who); !ok {
				continue
			}
		}
		if person != "" && person != req.Requester && !slices.Contains(out.Eligible, person) {
			out.Eligible = append(out.Eligible, person)
		}
	}
	return out, nil
}

// RunbookNotifyRequest is one notify step of a run.
type RunbookNotifyRequest struct {
	// WorkflowID is the incident's workflow ID.
	WorkflowID     string            `json:"workflow_id"`
	IdempotencyKey string            `json:"idempotency_key"`
	Severity       incident.Severity `json:"severity"`
	Runbook        string            `json:"runbook"`
	Message        string            `json:"message"`
	Audience       string            `json:"audience"`
}

// RunbookNotify posts a runbook's message as an incident update to every notifier.
func (a *RunbookActivities) RunbookNotify(ctx context.Context, req RunbookNotifyRequest) error {
	if strings.TrimSpace(req.Message) == "" {
		return badInput("notify: empty message")
	}
	msg := notify.Message{
		Kind:           "update",
		IdempotencyKey: req.IdempotencyKey,
		IncidentID:     req.WorkflowID,
		Severity:       string(req.Severity),
		Subject:        safetext.Line(fmt.Sprintf("%s update from runbook %s", req.Audience, req.Runbook)),
		Text:           safetext.Line(incident.Truncate(req.Message, incident.MaxTextLen)),
	}
	var errs []error
	retry := false
	for _, id := range sortedNotifiers(a.Notifiers) {
		again, err := a.Notifiers[id].Notify(ctx, msg)
		if err != nil {
			retry = retry || again
			errs = append(errs, fmt.Errorf("notify %s: %w", id, err))
		}
	}
	if err := errors.Join(errs...); err != nil && !retry {
		return undeliverable("%v", err)
	}
	return errors.Join(errs...)
}

func sortedNotifiers(m map[string]notify.Notifier) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// HTTPCheckRequest is one http_check step: poll URL every Interval until it answers
// ExpectStatus, for at most Timeout.
type HTTPCheckRequest struct {
	URL            string           `json:"url"`
	ExpectStatus   int              `json:"expect_status"`
	Interval       runbook.Duration `json:"interval"`
	Timeout        runbook.Duration `json:"timeout"`
	IdempotencyKey string           `json:"idempotency_key"`
}

// HTTPCheckResult is how an HTTP check ended: the last status (0 when no answer came) and how
// many polls it made.
type HTTPCheckResult struct {
	Status   int `json:"status"`
	Attempts int `json:"attempts"`
}

// CheckHTTP polls a URL until it answers the expected status, heartbeating between polls. It
// fails non-retryably with ErrUnhealthy when the timeout passes first.
func (a *RunbookActivities) CheckHTTP(ctx context.Context, req HTTPCheckRequest) (HTTPCheckResult, error) {
	if !strings.HasPrefix(req.URL, "http://") && !strings.HasPrefix(req.URL, "https://") {
		return HTTPCheckResult{}, badInput("http_check: want an http or https URL")
	}
	interval, timeout := time.Duration(req.Interval), time.Duration(req.Timeout)
	if interval <= 0 {
		interval = 10 * time.Second
	}
	if timeout <= 0 || timeout > runbook.MaxTimeout {
		return HTTPCheckResult{}, badInput("http_check: timeout %s out of range", timeout)
	}
	if req.ExpectStatus == 0 {
		req.ExpectStatus = http.StatusOK
	}
	client := a.HTTP
	if client == nil {
		client = &http.Client{Timeout: httpCheckRequestTimeout}
	}
	deadline := time.Now().Add(timeout)
	var res HTTPCheckResult
	for {
		res.Attempts++
		res.Status = poll(ctx, client, req.URL)
		activity.RecordHeartbeat(ctx, res)
		if res.Status == req.ExpectStatus {
			return res, nil
		}
		if time.Now().Add(interval).After(deadline) {
			return res, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("http_check: no %d within %s after %d polls (last status %d)", req.ExpectStatus, timeout, res.Attempts, res.Status),
				ErrUnhealthy, nil, res)
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("http_check: %w", ctx.Err())
		case <-time.After(interval):
		}
	}
}

// poll makes one request and returns its status, or 0 when no answer came.
func poll(ctx context.Context, client *http.Client, url string) int {
	ctx, cancel := context.WithTimeout(ctx, httpCheckRequestTimeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	r.Header.Set("User-Agent", "firebreak-http-check")
	resp, err := client.Do(r)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, httpCheckMaxBody))
	return resp.StatusCode
}
