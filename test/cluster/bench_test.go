package cluster_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/test/bench"
	"github.com/firebreak-dev/firebreak/test/cluster"
	"github.com/firebreak-dev/firebreak/workflows"
)

var (
	benchWorkers = flag.Int("bench.workers", cluster.DefaultWorkers, "Firebreak workers in the benchmark's cluster")
	benchServes  = flag.Int("bench.serves", cluster.DefaultServes, "Firebreak serve processes in the benchmark's cluster")
	benchFronts  = flag.Int("bench.frontends", cluster.DefaultFrontends, "Temporal frontends in the benchmark's cluster")
)

// benchCluster is a cluster of the flags' topology with a pager receiver, an HTTP client for
// the serve processes and a Temporal client through the balancer.
type benchCluster struct {
	b    *testing.B
	c    *cluster.Cluster
	rcv  *receiver
	cl   client.Client
	http *http.Client
	// unavailable counts the 503 answers post retried.
	unavailable atomic.Int64
}

// newBenchCluster starts the flags' topology; the benchmark's cleanup stops it.
func newBenchCluster(b *testing.B, senders int) *benchCluster {
	rcv, err := newReceiver("127.0.0.1:0")
	require.NoError(b, err)
	b.Cleanup(rcv.srv.Close)
	dir := b.TempDir()
	configPath := filepath.Join(dir, "firebreak.yaml")
	require.NoError(b, os.WriteFile(configPath, fmt.Appendf(nil, configTemplate, rcv.srv.URL), 0o644))
	c, err := cluster.Up(b.Context(), cluster.Options{
		FirebreakConfig: configPath, Dir: dir,
		Workers: *benchWorkers, Serves: *benchServes, Frontends: *benchFronts,
		Env: []string{"FIREBREAK_ALERTMANAGER_TOKEN=" + alertToken, "FIREBREAK_PAGER_SECRET=cluster-test-secret"},
	})
	require.NoError(b, err)
	b.Cleanup(c.Close)
	// The floor's client is made as Firebreak's processes make theirs (on this machine, with no
	// compression). The SDK's default logger writes a line per activity; the floor's would drown
	// the figures.
	cl, err := temporalconn.Dial(b.Context(), temporalconn.Options{Address: c.FrontendAddr(), Namespace: cluster.Namespace},
		slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	require.NoError(b, err)
	b.Cleanup(cl.Close)
	b.Logf("topology: %d Firebreak workers, %d serve processes, %d Temporal frontends, %d history shards",
		*benchWorkers, *benchServes, *benchFronts, cluster.DefaultHistoryShards)
	return &benchCluster{
		b: b, c: c, rcv: rcv, cl: cl,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: time.Minute},
	}
}

// post sends one Alertmanager notification with one firing alert to the i-th serve process
// (round robin) until it is answered 202. A 503 (Temporal did not take the alert within the
// serve process's 5 s bound) is counted and retried after a pause, as Alertmanager retries;
// anything else is reported. It runs on senders' goroutines: no FailNow.
func (bc *benchCluster) post(i int, group, service, fingerprint string) {
	urls := bc.c.ServeURLs()
	body := alertmanagerBody(group, "ClusterBenchmark", service, fingerprint)
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, urls[(i+attempt)%len(urls)]+"/v1/alerts/alertmanager", bytes.NewReader(body))
		if err != nil {
			bc.b.Error(err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alertToken)
		resp, err := bc.http.Do(req)
		if err != nil {
			bc.b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusAccepted:
			return
		case resp.StatusCode == http.StatusServiceUnavailable && attempt < 10:
			bc.unavailable.Add(1)
			time.Sleep(250 * time.Millisecond)
		default:
			bc.b.Errorf("alert %s: HTTP %d", fingerprint, resp.StatusCode)
			return
		}
	}
}

// page waits up to limit for the n-th page step (0 the first, 1 the first escalation) of the
// group's incident to reach the pager, and returns when it did.
func (bc *benchCluster) page(group string, n int, limit time.Duration) time.Time {
	// The routing policy groups Alertmanager's alerts by its group key.
	id := workflows.WorkflowID(ingest.GroupKey(group))
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if at, ok := nthStep(bc.rcv.pagesOf(id), n); ok {
			return at
		}
		time.Sleep(5 * time.Millisecond)
	}
	bc.b.Fatalf("no page step %d for group %s within %s", n, group, limit)
	return time.Time{}
}

// BenchmarkClusterFirstPage measures Firebreak on the production topology, all in one run:
//   - floor: signal-with-start of the bare workflow → its activity starts (bench.FloorSample,
//     200 samples);
//   - first page: an Alertmanager POST to a serve process → the first page at the pager's
//     webhook (200 samples, alternating with the floor's, one at a time);
//   - storm: 3,000 alerts over 100 groups from 32 concurrent senders spread over the serve
//     processes: alerts accepted per second (an alert answered 503 is retried, as Alertmanager
//     does, and counted once), and per group its first page's delay;
//   - raw: the same 3,000 signal-with-start calls straight through the SDK (32 goroutines), the
//     rate the accepted rate is compared with.
//
// Each run's figures are logged as well as reported, so that -count N shows each. Compare
// topologies with the flags, for example:
//
//	go test ./test/cluster -run '^$' -bench ClusterFirstPage -benchtime 1x -count 2 -bench.workers 1 -bench.serves 1 -bench.frontends 1
func BenchmarkClusterFirstPage(b *testing.B) {
	const (
		samples                 = 200
		settle                  = 50 * time.Millisecond
		alerts, groups, senders = 3_000, 100, 32
	)
	bc := newBenchCluster(b, senders)
	started := bench.NewArrivals()
	w, err := bench.StartFloorWorker(bc.cl, started)
	require.NoError(b, err)
	defer w.Stop()

	b.ResetTimer()
	for run := range b.N {
		var floor, idle []time.Duration
		for i := range samples {
			d, err := bench.FloorSample(b.Context(), bc.cl, started, fmt.Sprintf("floor-%d-%d", run, i), 30*time.Second)
			require.NoError(b, err)
			floor = append(floor, d)
			time.Sleep(settle)

			group := fmt.Sprintf("idle-%d-%d", run, i)
			begin := time.Now()
			bc.post(i, group, "checkout", group)
			idle = append(idle, bc.page(group, 0, 30*time.Second).Sub(begin))
			time.Sleep(settle)
		}

		firstSent := make([]atomic.Int64, groups)
		bc.unavailable.Store(0)
		stormTime, _ := bench.Burst(alerts, senders, func(i int) error {
			g := i % groups
			firstSent[g].CompareAndSwap(0, time.Now().UnixNano())
			bc.post(i, fmt.Sprintf("storm-%d-%d", run, g), "checkout", fmt.Sprintf("storm-%d-%d", run, i))
			return nil
		})
		retried := bc.unavailable.Load()
		var storm []time.Duration
		for g := range groups {
			at := bc.page(fmt.Sprintf("storm-%d-%d", run, g), 0, 3*time.Minute)
			storm = append(storm, at.Sub(time.Unix(0, firstSent[g].Load())))
		}
		// The raw rate, once the storm's incidents have taken their alerts.
		time.Sleep(5 * time.Second)
		raw, err := bench.RawSignalWithStartRate(b.Context(), bc.cl, alerts, senders, "checkout", func(i int) incident.Alert {
			key := fmt.Sprintf("raw-%d-%d", run, i%groups)
			return incident.Alert{Source: "alertmanager", Fingerprint: fmt.Sprint(i), GroupKey: key, Status: "firing", Title: "Storm"}
		})
		require.NoError(b, err)

		floorP50, floorP99 := bench.Percentiles(floor)
		idleP50, idleP99 := bench.Percentiles(idle)
		stormP50, stormP99 := bench.Percentiles(storm)
		accepted := float64(alerts) / stormTime.Seconds()
		b.Logf("run %d: floor p50 %.0f ms p99 %.0f ms; first page p50 %.0f ms p99 %.0f ms (%.1fx, %.1fx the floor); "+
			"storm %.1f s (%d answers 503, retried), accepted %.0f alerts/s, raw signal-with-start %.0f/s, accepted/raw %.2f; "+
			"storm first page p50 %.0f ms p99 %.0f ms",
			run, floorP50, floorP99, idleP50, idleP99, idleP50/floorP50, idleP99/floorP99,
			stormTime.Seconds(), retried, accepted, raw, accepted/raw, stormP50, stormP99)
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
		b.ReportMetric(float64(retried), "storm-503s")
	}
}

// BenchmarkClusterPostgresWrites measures what Firebreak costs the production topology's
// PostgreSQL, from pg_stat_database's counters of the cluster's two databases (rows inserted,
// updated and deleted; transactions committed, reads included). The cluster's own background
// (shard leases, membership heartbeats, task queue leases) is measured over an idle minute and
// taken off each phase:
//
//   - an alert into an open incident: 1,000 alerts, each a new fingerprint, into 20 incidents
//     already paged, from 8 senders;
//   - a new incident up to its first page: 100 new groups, one alert each, from 8 senders;
//   - an escalation: the same 100 incidents' first acknowledgement deadlines (the service's
//     1-minute ack timeout) firing and paging the next level;
//   - one incident's intake: 1,000 alerts into one new group from 32 senders, alerts accepted
//     per second (every alert of a group goes to one workflow execution).
//
// Run it with:
//
//	go test ./test/cluster -run '^$' -bench ClusterPostgresWrites -benchtime 1x
func BenchmarkClusterPostgresWrites(b *testing.B) {
	const (
		open, alerts, incidents, senders = 20, 1_000, 100, 8
		idleFor, settle                  = time.Minute, 5 * time.Second
	)
	bc := newBenchCluster(b, 32)
	ctx := b.Context()
	b.ResetTimer()
	for run := range b.N {
		// The open incidents, on a service whose deadlines fall after the benchmark.
		for g := range open {
			group := fmt.Sprintf("open-%d-%d", run, g)
			bc.post(g, group, "checkout", group)
			bc.page(group, 0, time.Minute)
		}
		time.Sleep(2 * settle)

		type reading struct {
			at           time.Time
			main, visibs cluster.DatabaseStats
		}
		read := func() reading {
			m, v, err := bc.c.DatabaseStats(ctx)
			require.NoError(b, err)
			return reading{time.Now(), m, v}
		}
		// cost is what happened from r0 to r1 beyond the background, per unit.
		var background reading
		var backgroundFor time.Duration
		cost := func(what string, r0, r1 reading, units int) (rows, visRows, commits float64) {
			dt := r1.at.Sub(r0.at).Seconds() / backgroundFor.Seconds()
			m, v := r1.main.Sub(r0.main), r1.visibs.Sub(r0.visibs)
			rows = (float64(m.RowsWritten()) - dt*float64(background.main.RowsWritten())) / float64(units)
			visRows = (float64(v.RowsWritten()) - dt*float64(background.visibs.RowsWritten())) / float64(units)
			commits = (float64(m.Commits+v.Commits) - dt*float64(background.main.Commits+background.visibs.Commits)) / float64(units)
			b.Logf("run %d: %s: %d rows written to the main database (%d inserted, %d updated, %d deleted), %d to visibility, %d commits in %.1f s; "+
				"less the background, per %s: %.1f rows (main), %.1f rows (visibility), %.1f commits",
				run, what, m.RowsWritten(), m.Inserted, m.Updated, m.Deleted, v.RowsWritten(), m.Commits+v.Commits, r1.at.Sub(r0.at).Seconds(),
				what, rows, visRows, commits)
			return rows, visRows, commits
		}

		r0 := read()
		time.Sleep(idleFor)
		r1 := read()
		backgroundFor = r1.at.Sub(r0.at)
		background = reading{main: r1.main.Sub(r0.main), visibs: r1.visibs.Sub(r0.visibs)}
		b.Logf("run %d: background: %.1f rows/s (main), %.1f rows/s (visibility), %.1f commits/s",
			run, float64(background.main.RowsWritten())/backgroundFor.Seconds(), float64(background.visibs.RowsWritten())/backgroundFor.Seconds(),
			float64(background.main.Commits+background.visibs.Commits)/backgroundFor.Seconds())

		_, err := bench.Burst(alerts, senders, func(i int) error {
			bc.post(i, fmt.Sprintf("open-%d-%d", run, i%open), "checkout", fmt.Sprintf("more-%d-%d", run, i))
			return nil
		})
		require.NoError(b, err)
		time.Sleep(settle)
		r2 := read()
		alertRows, alertVis, alertCommits := cost("alert into an open incident", r1, r2, alerts)

		_, err = bench.Burst(incidents, senders, func(i int) error {
			group := fmt.Sprintf("new-%d-%d", run, i)
			bc.post(i, group, "search", group)
			return nil
		})
		require.NoError(b, err)
		for i := range incidents {
			bc.page(fmt.Sprintf("new-%d-%d", run, i), 0, time.Minute)
		}
		time.Sleep(settle)
		r3 := read()
		newRows, newVis, newCommits := cost("new incident to its first page", r2, r3, incidents)

		for i := range incidents {
			bc.page(fmt.Sprintf("new-%d-%d", run, i), 1, 3*time.Minute)
		}
		time.Sleep(settle)
		r4 := read()
		escRows, escVis, escCommits := cost("escalation", r3, r4, incidents)

		oneGroup := fmt.Sprintf("one-%d", run)
		took, err := bench.Burst(alerts, 32, func(i int) error {
			bc.post(i, oneGroup, "checkout", fmt.Sprintf("one-%d-%d", run, i))
			return nil
		})
		require.NoError(b, err)
		b.Logf("run %d: one incident took %d alerts from 32 senders in %.1f s: %.0f alerts/s",
			run, alerts, took.Seconds(), float64(alerts)/took.Seconds())

		b.ReportMetric(alertRows, "alert-rows")
		b.ReportMetric(alertVis, "alert-visibility-rows")
		b.ReportMetric(alertCommits, "alert-commits")
		b.ReportMetric(newRows, "new-incident-rows")
		b.ReportMetric(newVis, "new-incident-visibility-rows")
		b.ReportMetric(newCommits, "new-incident-commits")
		b.ReportMetric(escRows, "escalation-rows")
		b.ReportMetric(escVis, "escalation-visibility-rows")
		b.ReportMetric(escCommits, "escalation-commits")
		b.ReportMetric(float64(alerts)/took.Seconds(), "one-incident-alerts/s")
	}
}
