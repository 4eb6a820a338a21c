package starter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc/codes"

	"github.com/firebreak-dev/firebreak/workflows"
)

// ErrNoWorker says no worker took a request in time: nothing is running the incident workflows.
var ErrNoWorker = errors.New("no worker is processing incidents")

// errUpdateNotApplied is what a responder hears when no worker accepted their update in time; the
// update's expiry makes sure no worker applies it later.
var errUpdateNotApplied = fmt.Errorf("%w: the update was not applied", ErrNoWorker)

// ClosedError says an incident's workflow has closed, so nothing can change it: it was resolved
// and its review window ended, or someone terminated it.
type ClosedError struct {
	Key string
	// Status is how the workflow closed.
	Status enumspb.WorkflowExecutionStatus
	// At is when the incident was resolved, or when the workflow closed if it never returned a
	// resolution; zero when neither is known.
	At time.Time
}

func (e *ClosedError) Error() string {
	if e.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		return fmt.Sprintf("incident %s is resolved and closed%s; nothing was changed", e.Key, when("resolved", e.At))
	}
	return fmt.Sprintf("incident %s is closed%s; nothing was changed", e.Key, when(closedHow(e.Status), e.At))
}

// when returns " (what at)" in RFC 3339 UTC, or only " (what)" when at is zero.
func when(what string, at time.Time) string {
	if at.IsZero() {
		return " (" + what + ")"
	}
	return fmt.Sprintf(" (%s %s)", what, at.UTC().Format(time.RFC3339))
}

// closedHow names how a workflow closed, in words.
func closedHow(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "failed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "continued as new"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "timed out"
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "running"
	default:
		return "unknown"
	}
}

// Described is what Temporal itself knows of an incident, without asking a worker: the search
// attributes and memo the workflow keeps current, and the workflow's own start, close and status.
type Described struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflow_id"`
	Title      string `json:"title"`
	Summary    string `json:"summary"`
	Service    string `json:"service"`
	Type       string `json:"type"`
	Severity   string `json:"severity"`
	Status     string `json:"status"`
	Phase      string `json:"phase"`
	Level      int64  `json:"level"`
	Commander  string `json:"commander"`
	// Workflow is the workflow's execution status: running, completed, terminated, ...
	Workflow  string     `json:"workflow"`
	StartedAt time.Time  `json:"started_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	URL       string     `json:"url"`
}

// Describe returns what Temporal knows of an incident without a worker (see Described).
func (c *Client) Describe(ctx context.Context, key string) (Described, error) {
	id := workflows.WorkflowID(key)
	resp, err := c.Temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return Described{}, describe(key, "show", err)
	}
	info := resp.GetWorkflowExecutionInfo()
	attrs := info.GetSearchAttributes().GetIndexedFields()
	memo := info.GetMemo().GetFields()
	d := Described{
		Key:        key,
		WorkflowID: id,
		Title:      decodeString(memo["title"]),
		Summary:    decodeString(memo["summary"]),
		Service:    decodeString(attrs[workflows.AttrService.GetName()]),
		Type:       decodeString(attrs[workflows.AttrType.GetName()]),
		Severity:   decodeString(attrs[workflows.AttrSeverity.GetName()]),
		Status:     decodeString(attrs[workflows.AttrStatus.GetName()]),
		Phase:      decodeString(attrs[workflows.AttrPhase.GetName()]),
		Level:      decodeInt(attrs[workflows.AttrEscalationLevel.GetName()]),
		Commander:  decodeString(attrs[workflows.AttrCommander.GetName()]),
		Workflow:   closedHow(info.GetStatus()),
		StartedAt:  info.GetStartTime().AsTime(),
		URL:        c.WorkflowURL(id),
	}
	if info.GetCloseTime() != nil {
		closed := info.GetCloseTime().AsTime()
		d.ClosedAt = &closed
	}
	return d, nil
}

// decodeString reads a keyword search attribute or a memo field; a missing or foreign value reads
// as empty.
func decodeString(p *commonpb.Payload) string {
	var v string
	if p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
	}
	return v
}

// decodeInt reads an integer search attribute; a missing or foreign value reads as 0.
func decodeInt(p *commonpb.Payload) int64 {
	var v int64
	if p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
	}
	return v
}

// missing explains a NotFound answer to an action on an incident: the incident's workflow has
// closed (a *ClosedError), or there is no such incident.
func (c *Client) missing(ctx context.Context, key, action string, notFound error) error {
	id := workflows.WorkflowID(key)
	resp, err := c.Temporal.DescribeWorkflowExecution(ctx, id, "")
	if errors.As(err, new(*serviceerror.NotFound)) {
		return fmt.Errorf("%s: no incident %q", action, key)
	}
	if err != nil {
		return describe(key, action, notFound)
	}
	info := resp.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// It closed and a new run started in between: say what the first answer said.
		return fmt.Errorf("%s incident %s: %w", action, key, notFound)
	}
	return &ClosedError{Key: key, Status: info.GetStatus(), At: c.resolvedAt(ctx, info)}
}

// resolvedAt returns when a closed incident was resolved, from the summary it returned, or else
// when its workflow closed.
func (c *Client) resolvedAt(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) time.Time {
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		var summary workflows.Summary
		run := c.Temporal.GetWorkflow(ctx, info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId())
		if run.Get(ctx, &summary) == nil && !summary.ResolvedAt.IsZero() {
			return summary.ResolvedAt
		}
	}
	if info.GetCloseTime() == nil {
		return time.Time{}
	}
	return info.GetCloseTime().AsTime()
}

// timedOut reports whether err means a request ran out of the time its context gave it (rather
// than failing or being interrupted).
func timedOut(opCtx context.Context, err error) bool {
	if errors.Is(opCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if errors.As(err, &timeout) && !errors.Is(err, context.Canceled) {
		return true
	}
	if serviceerror.ToStatus(err).Code() == codes.DeadlineExceeded {
		return true
	}
	// The matching service answers a query this way when no worker has polled for a while.
	var precondition *serviceerror.FailedPrecondition
	return errors.As(err, &precondition) && strings.Contains(precondition.Error(), "poller")
}
