package e2e_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/workflowquery"
)

// tickWorkflow starts a timer on every "tick" signal and answers the "ticks" query with how many
// it has had.
func tickWorkflow(ctx workflow.Context) error {
	ticks := 0
	if err := workflow.SetQueryHandler(ctx, "ticks", func() (int, error) { return ticks, nil }); err != nil {
		return err
	}
	signals := workflow.GetSignalChannel(ctx, "tick")
	for {
		signals.Receive(ctx, nil)
		ticks++
		workflow.NewTimer(ctx, time.Hour)
	}
}

// workerConn sits between a worker and the server. Armed, it fails the worker's next workflow
// task completion after the server has taken it (as when the connection drops with the answer on
// its way back; the SDK's retry of it passes), which makes the SDK drop the workflow from its
// cache while the server still counts on that worker's cache; and it holds the worker's next
// history read until released. It counts the worker's history reads.
type workerConn struct {
	mu             sync.Mutex
	failCompletion bool
	failed         map[string]bool // task tokens of the completions failed, whose retries pass
	historyReads   int
	holdHistory    chan struct{} // closed to release the held read
	held           chan struct{} // closed when the read is held
}

func (c *workerConn) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	c.mu.Lock()
	fail := false
	if completion, ok := req.(*workflowservice.RespondWorkflowTaskCompletedRequest); ok && c.failCompletion {
		token := string(completion.GetTaskToken())
		if fail = !c.failed[token]; fail {
			c.failCompletion = false
			c.failed[token] = true
		}
	}
	var release, held chan struct{}
	if method == workflowservice.WorkflowService_GetWorkflowExecutionHistory_FullMethodName {
		c.historyReads++
		release, held = c.holdHistory, c.held
		c.holdHistory = nil
	}
	c.mu.Unlock()
	if release != nil {
		close(held)
		<-release
	}
	err := invoker(ctx, method, req, reply, cc, opts...)
	if fail && err == nil {
		return status.Error(codes.Unavailable, "connection lost after the server took the completion")
	}
	return err
}

// armCompletionFailure fails the next workflow task completion after the server took it.
func (c *workerConn) armCompletionFailure() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failCompletion = true
}

// reads returns how many history reads the worker has made.
func (c *workerConn) reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.historyReads
}

// armHistoryHold holds the next history read; it returns a channel closed once the read is held
// and a function that releases it.
func (c *workerConn) armHistoryHold() (held <-chan struct{}, release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hold := make(chan struct{})
	c.holdHistory, c.held = hold, make(chan struct{})
	return c.held, sync.OnceFunc(func() { close(hold) })
}

// stickyQueryRace starts a worker through conn and a tick workflow, and returns a function that
// plays sdk-go#755 once: the worker's next completion fails after the server took it (the worker
// drops the workflow from its cache; the server keeps sending to its sticky queue), then ask
// sends a query, and while the worker reads the history to rebuild the workflow for it, a tick
// signal's workflow task completes with a timer (and the worker drops the workflow again); the
// history the query then replays holds that timer past the query's last known workflow task.
func stickyQueryRace(t *testing.T) (play func(ask askFunc) queryAnswer, c client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	dial := func(opts ...grpc.DialOption) client.Client {
		c, err := client.DialContext(ctx, client.Options{
			HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
			Logger:            sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
			ConnectionOptions: client.ConnectionOptions{DialOptions: opts},
		})
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c
	}
	conn := &workerConn{failed: map[string]bool{}}
	w := worker.New(dial(grpc.WithChainUnaryInterceptor(conn.intercept)), "sticky-query", worker.Options{})
	w.RegisterWorkflowWithOptions(tickWorkflow, workflow.RegisterOptions{Name: "Tick"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	c = dial()

	const id = "tick"
	conn.armCompletionFailure()
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "sticky-query"}, "Tick")
	require.NoError(t, err)
	ticks := 0
	play = func(ask askFunc) queryAnswer {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if ticks > 0 {
			conn.armCompletionFailure()
			require.NoError(t, c.SignalWorkflow(ctx, id, "", "tick", nil))
			ticks++
		}
		waitForTicks(t, c, id, ticks)
		held, release := conn.armHistoryHold()
		defer release()
		answered := make(chan queryAnswer, 1)
		go func() {
			v, err := ask(ctx)
			answered <- queryAnswer{value: v, err: err}
		}()
		select {
		case <-held:
		case a := <-answered:
			t.Fatalf("the query was answered without a history read (%v): the worker still had the workflow", a.err)
		case <-ctx.Done():
			t.Fatal("the worker never read the history for the query")
		}
		conn.armCompletionFailure() // the worker drops the workflow again
		require.NoError(t, c.SignalWorkflow(ctx, id, "", "tick", nil))
		ticks++
		waitForTicks(t, c, id, ticks)
		readsBefore := conn.reads()
		release()
		a := <-answered
		a.laterReads = conn.reads() - readsBefore
		return a
	}
	return play, c
}

// askFunc asks the tick workflow's query.
type askFunc func(ctx context.Context) (converter.EncodedValue, error)

// queryAnswer is what a query played in the race returned, and how many history reads the worker
// made after the held one was released: a query the server sends to the sticky queue of a worker
// without the workflow costs one.
type queryAnswer struct {
	value      converter.EncodedValue
	err        error
	laterReads int
}

// waitForTicks waits until the workflow's history shows n ticks done: the start's workflow task
// and one per tick completed, each tick's timer started.
func waitForTicks(t *testing.T, c client.Client, id string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		completed, timers := 0, 0
		iter := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				return false
			}
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				completed++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				timers++
			}
		}
		return completed == n+1 && timers == n
	}, 30*time.Second, 20*time.Millisecond, "want %d ticks done", n)
}

// TestAQueryOnAWorkflowItsWorkerDroppedIsAnswered plays the race behind sdk-go#755 on the
// embedded server: first to show that a plain query fails with it, then that
// workflowquery.Ask, which every Firebreak query goes through, answers, and from the history the
// server sends with its second query rather than from a later read that could race again.
func TestAQueryOnAWorkflowItsWorkerDroppedIsAnswered(t *testing.T) {
	play, c := stickyQueryRace(t)

	plain := play(func(ctx context.Context) (converter.EncodedValue, error) {
		return c.QueryWorkflow(ctx, "tick", "", "ticks")
	})
	var failed *serviceerror.QueryFailed
	require.True(t, errors.As(plain.err, &failed) && strings.Contains(failed.Message, "[TMPRL1100]"),
		"a plain query: want the SDK's invalid state transition, got %v", plain.err)

	asked := play(func(ctx context.Context) (converter.EncodedValue, error) {
		return workflowquery.Ask(ctx, c, "", "tick", "", "ticks")
	})
	require.NoError(t, asked.err)
	var ticks int
	require.NoError(t, asked.value.Get(&ticks))
	require.Equal(t, 3, ticks, "the ticks the query saw")
	require.Zero(t, asked.laterReads, "history reads by the worker after the first query failed")
}
