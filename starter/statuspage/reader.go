package statuspage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/workflowquery"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Reader is what the status page reads: rows from Temporal's visibility, and each incident's
// state or, once its workflow closed, its summary. Every method answers within its context.
type Reader interface {
	// List returns up to limit incidents, newest first: the open ones (triggered or
	// acknowledged, workflow running), or the resolved ones started at or after since.
	List(ctx context.Context, which Which, since time.Time, limit int) ([]Row, error)
	// State returns a running incident's state as the state query answers it.
	State(ctx context.Context, key string) (incident.State, error)
	// Summary returns what a closed incident's workflow returned.
	Summary(ctx context.Context, key string) (workflows.Summary, error)
}

// Which selects the incidents a listing returns.
type Which int

// The two listings the page makes.
const (
	// Open incidents: triggered or acknowledged, with a running workflow.
	Open Which = iota
	// Resolved incidents, running through their review window or closed.
	Resolved
)

// Row is one incident as visibility lists it.
type Row struct {
	Key      string
	Title    string
	Service  string
	Severity string
	Status   string
	// Private is the memo's private mark (starter.MemoPrivate).
	Private bool
	// Running is whether the workflow still runs, and so answers the state query.
	Running   bool
	StartedAt time.Time
	ClosedAt  *time.Time
}

// TemporalReader reads incidents from a Temporal client.
type TemporalReader struct {
	Client    client.Client
	Namespace string
}

// List reads one page of visibility: the status page shows at most limit incidents, so it never
// pages further.
func (r *TemporalReader) List(ctx context.Context, which Which, since time.Time, limit int) ([]Row, error) {
	filter := starter.ListFilter{Status: starter.StatusOpen}
	if which == Resolved {
		filter = starter.ListFilter{Status: string(incident.StatusResolved), Since: since}
	}
	query, err := filter.Query()
	if err != nil {
		return nil, err
	}
	if which == Open {
		// An incident whose workflow was terminated keeps its last status; it is not open.
		query += " AND ExecutionStatus = 'Running'"
	}
	resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: r.namespace(), Query: query, PageSize: int32(limit),
	})
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	dc := converter.GetDefaultDataConverter()
	text := func(p *commonpb.Payload) string {
		var v string
		if p != nil {
			_ = dc.FromPayload(p, &v) // a missing or foreign value reads as empty
		}
		return v
	}
	var rows []Row
	for _, e := range resp.GetExecutions() {
		if len(rows) == limit {
			break
		}
		attrs := e.GetSearchAttributes().GetIndexedFields()
		memo := e.GetMemo().GetFields()
		row := Row{
			Key:       strings.TrimPrefix(e.GetExecution().GetWorkflowId(), "incident-"),
			Title:     text(memo["title"]),
			Service:   text(attrs[workflows.AttrService.GetName()]),
			Severity:  text(attrs[workflows.AttrSeverity.GetName()]),
			Status:    text(attrs[workflows.AttrStatus.GetName()]),
			Running:   e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
			StartedAt: e.GetStartTime().AsTime(),
		}
		if p := memo[starter.MemoPrivate]; p != nil {
			// A private mark that does not read as false keeps the incident private.
			var private bool
			row.Private = dc.FromPayload(p, &private) != nil || private
		}
		if e.GetCloseTime() != nil {
			closed := e.GetCloseTime().AsTime()
			row.ClosedAt = &closed
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// State asks the incident's workflow for its state.
func (r *TemporalReader) State(ctx context.Context, key string) (incident.State, error) {
	resp, err := workflowquery.Ask(ctx, r.Client, r.Namespace, workflows.WorkflowID(key), "", workflows.QueryState)
	if err != nil {
		return incident.State{}, fmt.Errorf("query incident %s: %w", key, err)
	}
	var s incident.State
	if err := resp.Get(&s); err != nil {
		return incident.State{}, fmt.Errorf("decode state of incident %s: %w", key, err)
	}
	return s, nil
}

// Summary reads the result from the close event of the incident's workflow: one event, not its
// history.
func (r *TemporalReader) Summary(ctx context.Context, key string) (workflows.Summary, error) {
	iter := r.Client.GetWorkflowHistory(ctx, workflows.WorkflowID(key), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return workflows.Summary{}, fmt.Errorf("read close event of incident %s: %w", key, err)
		}
		done := e.GetWorkflowExecutionCompletedEventAttributes()
		if done == nil {
			continue
		}
		var sum workflows.Summary
		if err := converter.GetDefaultDataConverter().FromPayloads(done.GetResult(), &sum); err != nil {
			return workflows.Summary{}, fmt.Errorf("decode summary of incident %s: %w", key, err)
		}
		return sum, nil
	}
	return workflows.Summary{}, errNotCompleted
}

// errNotCompleted says a closed incident's workflow did not complete (it failed, was terminated
// or timed out), so it has no summary.
var errNotCompleted = errors.New("the incident's workflow did not complete")

func (r *TemporalReader) namespace() string {
	if r.Namespace == "" {
		return "default"
	}
	return r.Namespace
}
