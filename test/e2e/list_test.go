package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// listTaskQueue is where the listing test starts its incidents: no worker polls it, so they stay
// as started, with the search attributes and memo the test gave them.
const listTaskQueue = "firebreak-list-test"

// seeded is one incident the listing test started and what it should list as.
type seeded struct {
	key, status, severity string
}

// startListed starts incidents in visibility with the raw client, 32 at a time: each with the
// workflow type, memo and search attributes of a real incident, but on a task queue no worker
// polls, so nothing runs them.
func startListed(t *testing.T, c client.Client, incidents []seeded, title func(seeded) string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Value
	next := make(chan seeded)
	for range 32 {
		wg.Go(func() {
			for in := range next {
				_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
					ID:        workflows.WorkflowID(in.key),
					TaskQueue: listTaskQueue,
					Memo:      map[string]any{"title": title(in), "summary": in.severity + " " + in.status + ", phase escalate, level 1 of 3"},
					TypedSearchAttributes: temporal.NewSearchAttributes(
						workflows.AttrService.ValueSet("checkout"), workflows.AttrType.ValueSet("outage"),
						workflows.AttrStatus.ValueSet(in.status), workflows.AttrSeverity.ValueSet(in.severity),
						workflows.AttrPhase.ValueSet("escalate"), workflows.AttrCommander.ValueSet("ana"),
						workflows.AttrEscalationLevel.ValueSet(1),
					),
				}, workflows.IncidentWorkflowName, workflows.IncidentInput{Key: in.key, Service: "checkout", Title: title(in)})
				if err != nil {
					failed.CompareAndSwap(nil, fmt.Errorf("start %s: %w", in.key, err))
				}
			}
		})
	}
	for _, in := range incidents {
		next <- in
	}
	close(next)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		require.NoError(t, err)
	}
}

// continueOnce starts an incident on its own task queue with a worker whose stand-in incident
// workflow continues as new once, keeping the memo and search attributes, then waits.
func continueOnce(t *testing.T, c client.Client, in seeded) {
	t.Helper()
	const queue = listTaskQueue + "-continue"
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.IncidentInput) error {
		if in.Type == "" {
			in.Type = "continued"
			return workflow.NewContinueAsNewError(ctx, workflows.IncidentWorkflowName, in)
		}
		return workflow.Await(ctx, func() bool { return false })
	}, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.WorkflowID(in.key),
		TaskQueue: queue,
		Memo:      map[string]any{"title": "Continued " + in.key},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrService.ValueSet("checkout"), workflows.AttrStatus.ValueSet(in.status),
			workflows.AttrSeverity.ValueSet(in.severity), workflows.AttrPhase.ValueSet("resolve"),
		),
	}, workflows.IncidentWorkflowName, workflows.IncidentInput{Key: in.key, Service: "checkout"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		d, err := c.DescribeWorkflowExecution(ctx, run.GetID(), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != run.GetRunID()
	}, 30*time.Second, 50*time.Millisecond, "the incident continues as new")
}

// TestListAtScale lists 802 incidents on the embedded server: `incident list --limit 750` once
// asked visibility for one page of 750, which the embedded SQLite server could not answer within
// the client's 10-second deadline; it now reads pages of 200. It also checks --status open,
// --since, that an incident that continued as new is listed once, and that a title's escape
// sequences reach the terminal neutralised.
func TestListAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 802 incidents")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	c, err := temporalconn.Dial(ctx, temporalconn.Options{Address: srv.FrontendAddress(), Namespace: srv.Namespace()}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	fb := &firebreak{t: t, server: srv}

	statuses := []string{"triggered", "acknowledged", "resolved", "resolved"}
	var early, late []seeded
	for i := range 700 {
		early = append(early, seeded{key: fmt.Sprintf("early-%03d", i), status: statuses[i%4], severity: "sev2"})
	}
	for i := range 100 {
		late = append(late, seeded{key: fmt.Sprintf("late-%03d", i), status: statuses[i%4], severity: "sev1"})
	}
	plain := func(in seeded) string { return "Checkout errors " + in.key }
	began := time.Now()
	startListed(t, c, early, plain)
	// Visibility keeps start times to the microsecond; a clear gap makes --since exact.
	time.Sleep(1100 * time.Millisecond)
	between := time.Now().UTC().Truncate(time.Second)
	time.Sleep(100 * time.Millisecond)
	startListed(t, c, late, plain)
	hostile := seeded{key: "hostile", status: "triggered", severity: "sev1"}
	startListed(t, c, []seeded{hostile}, func(seeded) string { return "\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202e" })
	continued := seeded{key: "continued", status: "acknowledged", severity: "sev3"}
	continueOnce(t, c, continued)
	t.Logf("started 802 incidents in %s", time.Since(began).Round(time.Millisecond))

	all := append(append(append([]seeded{}, early...), late...), hostile, continued)
	require.Eventually(t, func() bool {
		n, err := (&starter.Client{Temporal: c, Namespace: srv.Namespace()}).Count(ctx, starter.ListFilter{})
		return err == nil && n == int64(len(all))
	}, 30*time.Second, 100*time.Millisecond, "visibility holds every incident")
	runs, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: srv.Namespace(), Query: "WorkflowId = '" + workflows.WorkflowID(continued.key) + "'",
	})
	require.NoError(t, err)
	require.Len(t, runs.GetExecutions(), 2, "visibility holds both runs of the incident that continued as new")

	// The table for 750: one header and 750 rows, none twice.
	took := time.Now()
	out := fb.cli("incident", "list", "--limit", "750")
	t.Logf("incident list --limit 750: %s", time.Since(took).Round(time.Millisecond))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 751)
	require.True(t, strings.HasPrefix(lines[0], "KEY "))
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		key := strings.Fields(l)[0]
		require.False(t, seen[key], "%s listed twice", key)
		seen[key] = true
	}
	require.Equal(t, safetext.Text(out), out, "nothing in the table drives the terminal")
	require.Contains(t, out, `\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202e`)

	tests := []struct {
		name string
		args []string
		want func(seeded) bool
	}{
		{name: "all of them", args: []string{"--limit", "5000"}, want: func(seeded) bool { return true }},
		{name: "open", args: []string{"--status", "open", "--limit", "5000"}, want: func(in seeded) bool { return in.status != "resolved" }},
		{name: "resolved sev1", args: []string{"--status", "resolved", "--severity", "sev1", "--limit", "5000"},
			want: func(in seeded) bool { return in.status == "resolved" && in.severity == "sev1" }},
		{name: "since an instant", args: []string{"--since", between.Format(time.RFC3339), "--limit", "5000"},
			want: func(in seeded) bool { return !strings.HasPrefix(in.key, "early-") }},
		{name: "since a duration", args: []string{"--since", "1h", "--limit", "5000"}, want: func(seeded) bool { return true }},
		{name: "since a time to come", args: []string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
			want: func(seeded) bool { return false }},
		{name: "open since an instant, limited", args: []string{"--status", "open", "--since", between.Format(time.RFC3339), "--limit", "30"},
			want: func(in seeded) bool { return in.status != "resolved" && !strings.HasPrefix(in.key, "early-") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, in := range all {
				if tt.want(in) {
					want = append(want, in.key)
				}
			}
			took := time.Now()
			var rows []starter.Listed
			require.NoError(t, json.Unmarshal([]byte(fb.cli(append([]string{"incident", "list", "-o", "json"}, tt.args...)...)), &rows))
			t.Logf("incident list %s: %d rows in %s", strings.Join(tt.args, " "), len(rows), time.Since(took).Round(time.Millisecond))
			var got []string
			for _, r := range rows {
				got = append(got, r.Key)
			}
			slices.Sort(want)
			slices.Sort(got)
			if limit := limitArg(tt.args); limit < len(want) {
				require.Len(t, got, limit)
				require.Subset(t, want, got)
				return
			}
			require.Equal(t, want, got)
		})
	}
}

// limitArg returns the value of --limit in args, or the default.
func limitArg(args []string) int {
	for i, a := range args {
		if a == "--limit" && i+1 < len(args) {
			n, _ := strconv.Atoi(args[i+1])
			return n
		}
	}
	return starter.DefaultListLimit
}
