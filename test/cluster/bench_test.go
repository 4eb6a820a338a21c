package cluster_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/test/cluster"
	"github.com/firebreak-dev/firebreak/workflows"
)

var (
	benchWorkers = flag.Int("bench.workers", cluster.DefaultWorkers, "Firebreak workers in the benchmark's cluster")
	benchServes  = flag.Int("bench.serves", cluster.DefaultServes, "Firebreak serve processes in the benchmark's cluster")
	benchFronts  = flag.Int("bench.frontends", cluster.DefaultFrontends, "Temporal frontends in the benchmark's cluster")
)

// The floor: a bare workflow on its own task queue takes the signal of its signal-with-start in
// its first workflow task and schedules one activity, which notes when it started. No design
// that pages from an activity can be faster on the same cluster.
const (
	floorTaskQueue = "bench-floor"
	floorWorkflow  = "BenchFloor"
	floorActivity  = "BenchFloorStarted"
)

// BenchmarkClusterFirstPage measures Firebreak on the production topology:
//   - floor: signal-with-start of the bare workflow → its activity starts (200 samples);
//   - first page: an Alertmanager POST to a serve process → the first page at the pager's
//     webhook (200 samples, alternating with the floor's);
//   - storm: 3,000 alerts over 100 groups from 32 concurrent senders spread over the serve
//     processes: alerts accepted per second, and per group its first page's delay;
//   - raw: the same 3,000 signal-with-start calls straight through the SDK (32 goroutines).
//
// Run it with the topology to compare, for example:
//
//	go test ./test/cluster -run '^$' -bench ClusterFirstPage -benchtime 1x -bench.workers 1 -bench.serves 1 -bench.frontends 1
func BenchmarkClusterFirstPage(b *testing.B) {
	const (
		samples                 = 200
		alerts, groups, senders = 3_000, 100, 32
	)
	rcv, err := newReceiver("127.0.0.1:0")
	require.NoError(b, err)
	defer rcv.srv.Close()
	dir := b.TempDir()
	configPath := filepath.Join(dir, "firebreak.yaml")
	require.NoError(b, os.WriteFile(configPath, fmt.Appendf(nil, configTemplate, rcv.srv.URL), 0o644))
	c, err := cluster.Up(b.Context(), cluster.Options{
		FirebreakConfig: configPath, Dir: dir,
		Workers: *benchWorkers, Serves: *benchServes, Frontends: *benchFronts,
		Env: []string{"FIREBREAK_ALERTMANAGER_TOKEN=" + alertToken, "FIREBREAK_PAGER_SECRET=cluster-test-secret"},
	})
	require.NoError(b, err)
	defer c.Close()
	cl, err := c.Dial(b.Context())
	require.NoError(b, err)
	defer cl.Close()
	started := newArrivals()
	w := worker.New(cl, floorTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, id string) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
		return workflow.ExecuteActivity(ctx, floorActivity, id).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: floorWorkflow})
	w.RegisterActivityWithOptions(func(_ context.Context, id string) error {
		started.note(id, time.Now())
		return nil
	}, activity.RegisterOptions{Name: floorActivity})
	require.NoError(b, w.Start())
	defer w.Stop()

	urls := c.ServeURLs()
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: time.Minute}
	post := func(i int, group, fingerprint string) {
		req, _ := http.NewRequest(http.MethodPost, urls[i%len(urls)]+"/v1/alerts/alertmanager", bytes.NewReader(alertmanagerBody(group, "ClusterBenchmark", fingerprint)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alertToken)
		resp, err := httpClient.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Errorf("alert %s: HTTP %d", fingerprint, resp.StatusCode)
		}
	}
	firstPage := func(group string, limit time.Duration) time.Time {
		// The routing policy groups Alertmanager's alerts by its group key.
		id := workflows.WorkflowID(ingest.GroupKey(group))
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			if at, ok := firstStep(rcv.pagesOf(id)); ok {
				return at
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.Fatalf("no page for group %s within %s", group, limit)
		return time.Time{}
	}

	b.ResetTimer()
	for run := range b.N {
		var floor, idle []time.Duration
		for i := range samples {
			id := fmt.Sprintf("floor-%d-%d", run, i)
			begin := time.Now()
			_, err := cl.SignalWithStartWorkflow(context.Background(), id, workflows.SignalAlerts, nil,
				client.StartWorkflowOptions{ID: id, TaskQueue: floorTaskQueue}, floorWorkflow, id)
			require.NoError(b, err)
			at, err := started.wait(id, 30*time.Second)
			require.NoError(b, err)
			floor = append(floor, at.Sub(begin))
			time.Sleep(50 * time.Millisecond)

			group := fmt.Sprintf("idle-%d-%d", run, i)
			begin = time.Now()
			post(i, group, group)
			idle = append(idle, firstPage(group, 30*time.Second).Sub(begin))
			time.Sleep(50 * time.Millisecond)
		}

		firstSent := make([]atomic.Int64, groups)
		next := atomic.Int64{}
		begin := time.Now()
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < alerts; i = int(next.Add(1)) - 1 {
					g := i % groups
					firstSent[g].CompareAndSwap(0, time.Now().UnixNano())
					post(i, fmt.Sprintf("storm-%d-%d", run, g), fmt.Sprintf("storm-%d-%d", run, i))
				}
			})
		}
		wg.Wait()
		stormTime := time.Since(begin)
		var storm []time.Duration
		for g := range groups {
			at := firstPage(fmt.Sprintf("storm-%d-%d", run, g), 3*time.Minute)
			storm = append(storm, at.Sub(time.Unix(0, firstSent[g].Load())))
		}
		time.Sleep(5 * time.Second)
		raw := rawSignalWithStartRate(b, cl, run, alerts, groups, senders)

		floorP50, floorP99 := percentiles(floor)
		idleP50, idleP99 := percentiles(idle)
		stormP50, stormP99 := percentiles(storm)
		accepted := float64(alerts) / stormTime.Seconds()
		b.ReportMetric(floorP50, "floor-p50-ms")
		b.ReportMetric(floorP99, "floor-p99-ms")
		b.ReportMetric(idleP50, "first-page-p50-ms")
		b.ReportMetric(idleP99, "first-page-p99-ms")
		b.ReportMetric(idleP50/floorP50, "first-page-p50/floor-p50")
		b.ReportMetric(idleP99/floorP99, "first-page-p99/floor-p99")
		b.ReportMetric(stormP50, "storm-first-page-p50-ms")
		b.ReportMetric(stormP99, "storm-first-page-p99-ms")
		b.ReportMetric(accepted, "storm-accepted-alerts/s")
		b.ReportMetric(raw, "raw-signal-with-start/s")
		b.ReportMetric(accepted/raw, "storm-accept/raw")
	}
}

// rawSignalWithStartRate makes the storm's signal-with-start calls straight through the SDK,
// one alert per call, and returns calls per second.
func rawSignalWithStartRate(b *testing.B, cl client.Client, run, alerts, groups, senders int) float64 {
	next := atomic.Int64{}
	begin := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < alerts; i = int(next.Add(1)) - 1 {
				key := fmt.Sprintf("raw-%d-%d", run, i%groups)
				signal := workflows.AlertBatch{Alerts: []incident.Alert{{Source: "alertmanager", Fingerprint: fmt.Sprint(i), GroupKey: key, Status: "firing", Title: "Storm"}}}
				_, err := cl.SignalWithStartWorkflow(context.Background(), workflows.WorkflowID(key), workflows.SignalAlerts, signal,
					client.StartWorkflowOptions{ID: workflows.WorkflowID(key), TaskQueue: workflows.TaskQueue},
					workflows.IncidentWorkflowName, workflows.IncidentInput{Key: key, Source: "alertmanager", Service: "checkout", Title: "Storm",
						Impact: incident.Impact{CustomersAffected: "some"}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(alerts) / time.Since(begin).Seconds()
}

// percentiles returns the 50th and 99th percentiles in milliseconds.
func percentiles(d []time.Duration) (p50, p99 float64) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	return at(0.50), at(0.99)
}

// arrivals notes the first time something arrived for each ID and lets callers wait for it.
type arrivals struct {
	mu    sync.Mutex
	first map[string]time.Time
}

func newArrivals() *arrivals { return &arrivals{first: map[string]time.Time{}} }

func (a *arrivals) note(id string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.first[id]; !ok {
		a.first[id] = at
	}
}

func (a *arrivals) wait(id string, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		at, ok := a.first[id]
		a.mu.Unlock()
		if ok {
			return at, nil
		}
		time.Sleep(time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("nothing for %s within %s", id, limit)
}
