// Package workflowquery asks workflows' queries, working around a Go SDK bug that can fail a query
// on a workflow its worker no longer holds in its cache.
package workflowquery

import (
	"context"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// Client is the part of Temporal's client a query needs.
type Client interface {
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	WorkflowService() workflowservice.WorkflowServiceClient
}

var _ Client = client.Client(nil)

// stateMachineError is the SDK's code for an invalid state transition of a command's state
// machine, the error sdk-go#755 ends in.
const stateMachineError = "[TMPRL1100]"

// Ask returns the answer to a workflow's query.
//
// When the server sends a query to the worker's sticky queue and that worker has dropped the
// workflow from its cache (after a failed workflow task, a restart of the server, a full cache),
// the SDK rebuilds the workflow from a history it reads afterwards; if a workflow task completed
// in between, that history holds commands the query's replay does not expect and the query fails
// with "[TMPRL1100] invalid state transition" (temporalio/sdk-go#755, open). The workflow itself is
// unharmed. Ask then clears the workflow's sticky queue (ResetStickyTaskQueue) and asks once more:
// a query on the normal queue arrives with the history as it was when the server sent it, which
// the worker replays whole. The workflow's next workflow task sets the sticky queue again. An
// empty namespace means "default", as in the SDK's client options.
func Ask(ctx context.Context, c Client, namespace, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, runID, queryType, args...)
	if !staleCacheFailure(err) {
		return v, err
	}
	if namespace == "" {
		namespace = client.DefaultNamespace
	}
	_, resetErr := c.WorkflowService().ResetStickyTaskQueue(ctx, &workflowservice.ResetStickyTaskQueueRequest{
		Namespace: namespace,
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: runID},
	})
	v, err = c.QueryWorkflow(ctx, workflowID, runID, queryType, args...)
	if err != nil && resetErr != nil {
		return nil, fmt.Errorf("%w (clearing its sticky queue before asking again failed: %w)", err, resetErr)
	}
	return v, err
}

// staleCacheFailure says whether err is a query failing with the SDK's invalid state transition.
func staleCacheFailure(err error) bool {
	var failed *serviceerror.QueryFailed
	return errors.As(err, &failed) && strings.Contains(failed.Message, stateMachineError)
}
