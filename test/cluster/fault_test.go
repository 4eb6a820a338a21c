package cluster_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/test/cluster"
	"github.com/firebreak-dev/firebreak/workflows"
)

var soak = flag.Duration("soak", 0, "after the faults, keep the alert flow going this long and check again")

// ackTimeout is the test service's acknowledgement timeout: the configuration's shortest.
const ackTimeout = time.Minute

const alertToken = "cluster-test-token"

// configTemplate is the organisation the cluster's Firebreak processes run: every person is
// paged through the webhook notifier at the test's receiver.
const configTemplate = `organisation: Cluster Test Corp
timezone: UTC
people:
  - {id: ada, name: Ada, email: ada@example.com, notify: [pager]}
  - {id: bob, name: Bob, email: bob@example.com, notify: [pager]}
  - {id: cy, name: Cy, email: cy@example.com, notify: [pager]}
  - {id: di, name: Di, email: di@example.com, notify: [pager]}
teams:
  - id: search-team
    name: Search
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [ada, bob]}
  - id: platform
    name: Platform
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [cy, di]}
  - id: operations
    name: Operations
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [di, ada]}
  - id: incident-commanders
    name: Incident commanders
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [bob, cy]}
  - id: security
    name: Security
    rotation: {start: 2025-01-06T09:00:00Z, shift: 168h, members: [cy, ada]}
services:
  - {id: search, name: Search, team: search-team, escalation_team: platform, customer_facing: true, ack_timeout: 1m}
  - {id: checkout, name: Checkout, team: search-team, escalation_team: platform, customer_facing: true}
notifiers:
  - {id: pager, type: webhook, url: "%s/pages", secret_env: FIREBREAK_PAGER_SECRET}
alerts:
  integrations:
    alertmanager: {token_env: FIREBREAK_ALERTMANAGER_TOKEN}
`

// fault is one failure injected while an incident's acknowledgement deadline falls.
type fault struct {
	name string
	// holder, when set, is the Firebreak worker that must hold the incident's workflow (its
	// workflow tasks, the deadline's among them, go to that worker's sticky queue first), so
	// that the fault strikes the worker that has to act on the deadline.
	holder string
	// hold is how long the fault lasts before recovery starts.
	hold    time.Duration
	inject  func(t *testing.T, c *cluster.Cluster)
	recover func(t *testing.T, c *cluster.Cluster)
}

// outcome is what a fault did to its incident's escalation.
type outcome struct {
	fault             string
	incident, holder  string
	deadline          time.Time
	injected, healed  time.Time
	escalated         time.Time
	late, allowedLate time.Duration
}

// candidates is how many incidents are started for a fault with a holder: each lands on one of
// the two workers, so all three miss the holder about one time in eight (then the test starts
// more, one at a time).
const candidates = 3

func kill(name string) func(*testing.T, *cluster.Cluster) {
	return func(t *testing.T, c *cluster.Cluster) { require.NoError(t, c.Process(name).Kill()) }
}

func restart(name string) func(*testing.T, *cluster.Cluster) {
	return func(t *testing.T, c *cluster.Cluster) {
		p := c.Process(name)
		restarted := time.Now()
		require.NoError(t, p.Start())
		require.NoError(t, p.WaitHealthy(t.Context()), p.Log())
		if !strings.HasPrefix(p.Kind, "firebreak-") {
			waitPolling(t, c, restarted)
		}
	}
}

// waitPolling waits until the cluster has recovered from a fault of its own: Temporal's matching
// service has seen Firebreak's workers poll the task queue again since the given time, so that
// it can hand them incidents' workflow tasks.
func waitPolling(t *testing.T, c *cluster.Cluster, since time.Time) {
	var cl client.Client
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	waitFor(t, 2*time.Minute, func() (time.Time, bool) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if cl == nil {
			// The balancer may hand the dial to a frontend that is still starting.
			var err error
			if cl, err = c.Dial(ctx); err != nil {
				return time.Time{}, false
			}
		}
		resp, err := cl.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil {
			return time.Time{}, false
		}
		for _, p := range resp.GetPollers() {
			if p.GetLastAccessTime().AsTime().After(since) {
				return time.Now(), true
			}
		}
		return time.Time{}, false
	})
}

// TestClusterRidesThroughFaults runs the production topology with a steady flow of alerts and
// CLI-started incidents, and injects one fault as each incident's acknowledgement deadline
// falls: a Firebreak worker, a serve process, a history node, a frontend and the matching node
// killed with SIGKILL and restarted; PostgreSQL stopped for 10 s; a worker cut off from the
// cluster by a network partition for 15 s. Through all of it no alert answered 202 is lost,
// each group has one incident, each page reaches the pager (once per idempotency key), and each
// deadline fires within the fault's recovery time plus 5 s. The worker kill and the partition
// strike the worker that holds the incident's workflow, so that its deadline's workflow task
// goes first to the worker that cannot take it. A Firebreak process has recovered
// when it is healthy again; Temporal has recovered when its matching service sees Firebreak's
// workers poll again.
func TestClusterRidesThroughFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the cluster test takes minutes")
	}
	ns := newNetns(t)
	// The receiver listens on the host's end of the namespace's link, which the host reaches
	// whatever the link's state, and the isolated worker reaches while the link is up.
	rcv, err := newReceiver(ns.hostIP + ":0")
	require.NoError(t, err)
	defer rcv.srv.Close()
	dir := t.TempDir()
	configPath := filepath.Join(dir, "firebreak.yaml")
	require.NoError(t, os.WriteFile(configPath, fmt.Appendf(nil, configTemplate, rcv.srv.URL), 0o644))

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	c, err := cluster.Up(ctx, cluster.Options{
		FirebreakConfig: configPath, Dir: dir, Log: testLog{t},
		WorkerNetns: ns.name, WorkerHostIP: ns.hostIP, WorkerIP: ns.nsIP,
		Env: []string{"FIREBREAK_ALERTMANAGER_TOKEN=" + alertToken, "FIREBREAK_PAGER_SECRET=cluster-test-secret"},
	})
	require.NoError(t, err)
	defer c.Close()
	defer func() {
		if t.Failed() {
			for _, p := range append(append(c.Temporal, c.Workers...), c.Serves...) {
				t.Logf("--- %s\n%s", p.Name, tailLines(p.Log(), 30))
			}
		}
	}()

	sender := newAlertSender(c.ServeURLs(), alertToken, 4, 200*time.Millisecond)
	sendCtx, stopSending := context.WithCancel(ctx)
	sent := make(chan struct{})
	go func() { sender.run(sendCtx); close(sent) }()

	faults := []fault{
		{"kill -9 firebreak-worker-1", "firebreak-worker-1", 10 * time.Second, kill("firebreak-worker-1"), restart("firebreak-worker-1")},
		{"kill -9 firebreak-serve-1", "", 10 * time.Second, kill("firebreak-serve-1"), restart("firebreak-serve-1")},
		{"kill -9 history-1", "", 5 * time.Second, kill("history-1"), restart("history-1")},
		{"kill -9 frontend-1", "", 5 * time.Second, kill("frontend-1"), restart("frontend-1")},
		{"kill -9 matching-1", "", 5 * time.Second, kill("matching-1"), restart("matching-1")},
		{"stop PostgreSQL", "", 10 * time.Second, postgres("stop"), func(t *testing.T, c *cluster.Cluster) {
			started := time.Now()
			postgres("start")(t, c)
			waitPolling(t, c, started)
		}},
		{"partition firebreak-worker-2", "firebreak-worker-2", 15 * time.Second,
			func(t *testing.T, _ *cluster.Cluster) { ns.cut(t) },
			func(t *testing.T, c *cluster.Cluster) {
				ns.heal(t)
				require.NoError(t, c.Process("firebreak-worker-2").WaitHealthy(t.Context()))
			}},
	}
	cl, err := c.Dial(ctx)
	require.NoError(t, err)
	defer cl.Close()
	// Incidents for each fault, started 25 s apart, so that each deadline falls in its fault.
	run := time.Now().Unix() % 100000
	keys := make([][]string, len(faults))
	for i, f := range faults {
		n := 1
		if f.holder != "" {
			n = candidates
		}
		for j := range n {
			keys[i] = append(keys[i], fmt.Sprintf("fault-%d-%d-%d", run, i+1, j))
		}
	}
	started := make(chan error, len(faults))
	go func() {
		for i := range faults {
			if i > 0 {
				time.Sleep(25 * time.Second)
			}
			var errs []error
			for _, key := range keys[i] {
				errs = append(errs, startIncident(ctx, c, key))
			}
			started <- errors.Join(errs...)
		}
	}()

	var outcomes []outcome
	for i, f := range faults {
		require.NoError(t, <-started)
		// The incident whose deadline the fault strikes: one of the fault's own, or, when the
		// previous fault's recovery overran their deadlines or none is on the holder, one
		// started now (its deadline is a minute away).
		var key, holder string
		var deadline time.Time
		for attempt := 0; key == ""; attempt++ {
			var tried []string
			if attempt == 0 {
				tried = keys[i]
			} else {
				require.Less(t, attempt, 10, "%s: no incident of %d landed on %s", f.name, attempt+len(keys[i])-1, f.holder)
				tried = []string{fmt.Sprintf("fault-%d-%d-again-%d", run, i+1, attempt)}
				require.NoError(t, startIncident(ctx, c, tried[0]))
			}
			for _, k := range tried {
				id := workflows.WorkflowID(k)
				firstPage := waitFor(t, 30*time.Second, func() (time.Time, bool) { return firstStep(rcv.pagesOf(id)) })
				h := holderOf(t, ctx, c, cl, id)
				if time.Until(firstPage.Add(ackTimeout)) >= 5*time.Second && (f.holder == "" || h == f.holder) {
					key, holder, deadline = k, h, firstPage.Add(ackTimeout)
					break
				}
			}
		}
		id := workflows.WorkflowID(key)
		time.Sleep(time.Until(deadline.Add(-3 * time.Second)))
		o := outcome{fault: f.name, incident: key, holder: holder, deadline: deadline, injected: time.Now()}
		f.inject(t, c)
		time.Sleep(f.hold)
		f.recover(t, c)
		o.healed = time.Now()
		o.escalated = waitFor(t, 2*time.Minute, func() (time.Time, bool) { return secondStep(rcv.pagesOf(id)) })
		o.late = o.escalated.Sub(deadline)
		o.allowedLate = max(o.healed.Sub(deadline), 0) + 5*time.Second
		t.Logf("%s: incident %s held by %s, deadline %s, fault %s..%s (recovery %s), escalated %s late (allowed %s)", f.name, key, holder,
			deadline.Format("15:04:05.000"), o.injected.Format("15:04:05.000"), o.healed.Format("15:04:05.000"),
			o.healed.Sub(o.injected).Round(100*time.Millisecond), o.late.Round(100*time.Millisecond), o.allowedLate.Round(100*time.Millisecond))
		// The deadline is known from the first page's delivery, a little after the timer started.
		t.Logf("%s: the incident's history from a second before its deadline: %s", f.name, eventsFrom(t, ctx, cl, id, deadline.Add(-time.Second)))
		outcomes = append(outcomes, o)
	}
	if *soak > 0 {
		time.Sleep(*soak)
	}
	stopSending()
	<-sent

	for _, o := range outcomes {
		require.LessOrEqual(t, o.late, o.allowedLate, "%s: the deadline fired %s late", o.fault, o.late)
	}
	checkAlerts(t, ctx, c, sender)
	keysPaged, deliveries := rcv.counts()
	t.Logf("pages: %d idempotency keys, %d deliveries; alerts: %d accepted, %d retried after 5xx or a lost connection",
		keysPaged, deliveries, sender.posts, sender.unavailable)
}

// checkAlerts shows that every alert answered 202 is in its group's one incident.
func checkAlerts(t *testing.T, ctx context.Context, c *cluster.Cluster, s *alertSender) {
	t.Helper()
	require.Zero(t, s.refused, "alerts refused: %v", s.refusals)
	cl, err := c.Dial(ctx)
	require.NoError(t, err)
	defer cl.Close()
	for g := range s.groups {
		require.Len(t, s.incidents[g], 1, "group %d: incidents %v", g, s.incidents[g])
		var id string
		for id = range s.incidents[g] {
		}
		require.Eventually(t, func() bool {
			resp, err := cl.QueryWorkflow(ctx, id, "", workflows.QueryState)
			if err != nil {
				return false
			}
			var st incident.State
			if resp.Get(&st) != nil {
				return false
			}
			return len(st.AlertBook.Firing) == len(s.accepted[g])
		}, time.Minute, time.Second, "group %d (%s): not every accepted alert was stored", g, id)
	}
}

// holderOf names the Firebreak worker that completed the workflow's latest workflow task (by
// the process ID in the SDK's default worker identity, pid@host@), or gives that identity when
// no running worker has it (a worker since killed).
func holderOf(t *testing.T, ctx context.Context, c *cluster.Cluster, cl client.Client, workflowID string) string {
	t.Helper()
	identity := ""
	events := cl.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		e, err := events.Next()
		require.NoError(t, err)
		if a := e.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			identity = a.GetIdentity()
		}
	}
	pid, _, _ := strings.Cut(identity, "@")
	for _, w := range c.Workers {
		if pid == strconv.Itoa(w.Pid()) {
			return w.Name
		}
	}
	return fmt.Sprintf("%q (not running)", identity)
}

// eventsFrom lists the workflow's history events from a time on (at most 20), each with its
// time after from and the worker identity where the event has one: what the deadline's
// workflow task went through.
func eventsFrom(t *testing.T, ctx context.Context, cl client.Client, workflowID string, from time.Time) string {
	t.Helper()
	var out []string
	events := cl.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() && len(out) < 20 {
		e, err := events.Next()
		require.NoError(t, err)
		at := e.GetEventTime().AsTime()
		if at.Before(from) {
			continue
		}
		entry := fmt.Sprintf("%s +%.1fs", strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_"), at.Sub(from).Seconds())
		if a := e.GetWorkflowTaskStartedEventAttributes(); a != nil {
			entry += " by " + a.GetIdentity()
		}
		out = append(out, entry)
	}
	return strings.Join(out, ", ")
}

// startIncident starts an incident with the CLI, as an operator would.
func startIncident(ctx context.Context, c *cluster.Cluster, key string) error {
	cmd := exec.CommandContext(ctx, c.Bin("firebreak"), "--address", c.FrontendAddr(), "incident", "start",
		"--service", "search", "--title", "Search is failing", "--id", key, "--impact", "customers_affected=some")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("incident start %s: %w\n%s", key, err, out)
	}
	return nil
}

// postgres stops or starts the machine's PostgreSQL cluster.
func postgres(action string) func(*testing.T, *cluster.Cluster) {
	return func(t *testing.T, _ *cluster.Cluster) {
		versions, err := os.ReadDir("/etc/postgresql")
		require.NoError(t, err, "PostgreSQL's configuration directory")
		require.Len(t, versions, 1)
		args := []string{"--skip-systemctl-redirect", versions[0].Name(), "main", action}
		if action == "stop" {
			args = append(args, "--", "-m", "immediate")
		}
		out, err := exec.Command("pg_ctlcluster", args...).CombinedOutput()
		require.NoError(t, err, "pg_ctlcluster %s: %s", action, out)
	}
}

// firstStep and secondStep return the first delivery of the first and second page steps.
func firstStep(steps map[string]time.Time) (time.Time, bool) { return nthStep(steps, 0) }

func secondStep(steps map[string]time.Time) (time.Time, bool) { return nthStep(steps, 1) }

func nthStep(steps map[string]time.Time, n int) (time.Time, bool) {
	var times []time.Time
	for _, t := range steps {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if len(times) <= n {
		return time.Time{}, false
	}
	return times[n], true
}

func waitFor(t *testing.T, limit time.Duration, check func() (time.Time, bool)) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if v, ok := check(); ok {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not seen within %s", limit)
	return time.Time{}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
