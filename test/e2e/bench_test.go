package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/test/bench"
	"github.com/firebreak-dev/firebreak/workflows"
)

// BenchmarkStartIncidents measures incidents started per second through the client path
// (starter.Client.Start, as `firebreak incident start` does) on the embedded server in memory,
// with the worker running every started incident's opening phases at the same time.
func BenchmarkStartIncidents(b *testing.B) {
	fb := startFirebreak(b, options{})
	c := &starter.Client{Temporal: fb.client}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	begin := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := c.Start(context.Background(), starter.StartRequest{
				Key: fmt.Sprintf("bench-%d", n.Add(1)), Service: "search", Title: "benchmark",
				Impact: incident.Impact{CustomersAffected: "some"},
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(begin).Seconds(), "incidents/s")
}

// ms is a duration in milliseconds (bench.Ms).
func ms(d time.Duration) float64 { return bench.Ms(d) }

// BenchmarkFirstPage measures, in one run on one embedded server, how long an alert takes to
// page someone and how that compares with the floor: a bare signal-with-start whose first
// workflow task starts one activity (see bench_floor_test.go).
//
//   - floor: the floor workflow on its own task queue, one at a time;
//   - idle: one generic alert POSTed to the webhook of a running Firebreak, a new group each, from
//     just before the POST to the first page reaching the pager's webhook receiver; samples
//     alternate with the floor's, with a pause after each so that neither overlaps the other;
//   - storm: 5,000 alerts over 100 groups from 32 concurrent senders; per group, from its first
//     alert's POST to its first page at the receiver, and alerts accepted per second. The raw
//     rate the accepted rate is compared with is the same 5,000 signal-with-start calls
//     straight through the SDK (one alert per call, 32 goroutines). Storms and raw bursts run
//     in the order storm, raw, raw, storm, each on new groups and each from a quiet machine
//     (bench.Quiet), so that a machine growing slower or faster through the run (its load, the
//     server's growing database) weighs on both alike; each rate is its alerts over the time
//     its two bursts took.
func BenchmarkFirstPage(b *testing.B) {
	const (
		samples                       = 200
		settle                        = 50 * time.Millisecond
		alerts, groups, senders       = 5_000, 100, 32
		quietWindow, quietLimit       = time.Second, 2 * time.Minute
		quietBusy                     = 0.15 // of all CPUs' time
		pageTimeout, stormPageTimeout = 30 * time.Second, 3 * time.Minute
	)
	pages, started := newArrivals(), newArrivals()
	pager := pageReceiver(b, pages)
	fb := startFirebreak(b, options{config: firstPageConfig(b, pager.URL)})
	startFloorWorker(b, fb, started)
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: time.Minute}
	url := "http://" + fb.service.HTTPAddr() + "/v1/alerts/generic"
	post := func(dedupKey string) {
		body := fmt.Sprintf(`{"dedup_key":%q,"service":"search","title":"Benchmark","impact":{"customers_affected":"some"}}`, dedupKey)
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil { // post runs on the senders' goroutines too: no FailNow here
			b.Error(err)
			return
		}
		req.Header.Set("Authorization", "Bearer "+genericToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Errorf("alert %s: HTTP %d", dedupKey, resp.StatusCode)
		}
	}
	b.ResetTimer()
	for run := range b.N {
		// Floor and alert → first page, idle.
		floor := make([]time.Duration, 0, samples)
		idle := make([]time.Duration, 0, samples)
		for i := range samples {
			floor = append(floor, floorSample(b, fb, started, fmt.Sprintf("floor-%d-%d", run, i)))
			time.Sleep(settle)
			dedupKey := fmt.Sprintf("idle-%d-%d", run, i)
			begin := time.Now()
			post(dedupKey)
			at, err := pages.wait(workflows.WorkflowID(ingest.GroupKey(dedupKey)), pageTimeout)
			require.NoError(b, err)
			idle = append(idle, at.Sub(begin))
			time.Sleep(settle)
		}
		floorP50, floorP99 := percentiles(floor)
		idleP50, idleP99 := percentiles(idle)

		// Storm, raw, raw, storm.
		storm := func(name string) (took time.Duration, firstPages []time.Duration) {
			firstSent := make([]atomic.Int64, groups)
			took, _ = bench.Burst(alerts, senders, func(i int) error {
				g := i % groups
				firstSent[g].CompareAndSwap(0, time.Now().UnixNano())
				post(fmt.Sprintf("%s-%d", name, g))
				return nil
			})
			slowest := 0
			for g := range groups {
				at, err := pages.wait(workflows.WorkflowID(ingest.GroupKey(fmt.Sprintf("%s-%d", name, g))), stormPageTimeout)
				require.NoError(b, err)
				firstPages = append(firstPages, at.Sub(time.Unix(0, firstSent[g].Load())))
				if firstPages[g] > firstPages[slowest] {
					slowest = g
				}
			}
			slowestKey := ingest.GroupKey(fmt.Sprintf("%s-%d", name, slowest))
			b.Logf("%s took %s (%.1f alerts/s); the slowest group's first page came %s after its first alert; its history until then: %s",
				name, took.Round(time.Millisecond), float64(alerts)/took.Seconds(), firstPages[slowest].Round(time.Millisecond),
				openingTimeline(fb.history(slowestKey), time.Unix(0, firstSent[slowest].Load())))
			incidents := 0
			for g := range groups {
				incidents += fb.incidentRuns(ingest.GroupKey(fmt.Sprintf("%s-%d", name, g)))
			}
			require.Equal(b, groups, incidents, "one incident per group")
			return took, firstPages
		}
		raw := func(name string) time.Duration {
			rate, err := bench.RawSignalWithStartRate(context.Background(), fb.client, alerts, senders, "search", func(i int) incident.Alert {
				key := fmt.Sprintf("%s-%d", name, i%groups)
				return incident.Alert{Source: "generic", Fingerprint: key, GroupKey: key, Status: "firing", Title: "Storm"}
			})
			require.NoError(b, err)
			b.Logf("%s: %.1f signal-with-start/s", name, rate)
			return time.Duration(float64(alerts) / rate * float64(time.Second))
		}
		// Each burst starts from a quiet machine: after the last one, its incidents take their
		// alerts for a while, and a burst that started before they were done would run at a
		// rate that depends on how much was left.
		quiet := func(before string) {
			waited, err := bench.Quiet(quietWindow, quietBusy, quietLimit)
			require.NoError(b, err, "before %s", before)
			b.Logf("before %s, the machine was quiet after %s", before, waited)
		}
		quiet("storm a")
		storm1, firstPages1 := storm(fmt.Sprintf("storm-%d-a", run))
		quiet("raw a")
		raw1 := raw(fmt.Sprintf("raw-%d-a", run))
		quiet("raw b")
		raw2 := raw(fmt.Sprintf("raw-%d-b", run))
		quiet("storm b")
		storm2, firstPages2 := storm(fmt.Sprintf("storm-%d-b", run))
		stormTime := storm1 + storm2
		accepted := float64(2*alerts) / stormTime.Seconds()
		rawRate := float64(2*alerts) / (raw1 + raw2).Seconds()
		stormP50, stormP99 := percentiles(append(firstPages1, firstPages2...))

		b.ReportMetric(floorP50, "floor-p50-ms")
		b.ReportMetric(floorP99, "floor-p99-ms")
		b.ReportMetric(idleP50, "first-page-p50-ms")
		b.ReportMetric(idleP99, "first-page-p99-ms")
		b.ReportMetric(idleP50/floorP50, "first-page-p50/floor-p50")
		b.ReportMetric(idleP99/floorP99, "first-page-p99/floor-p99")
		b.ReportMetric(stormP50, "storm-first-page-p50-ms")
		b.ReportMetric(stormP99, "storm-first-page-p99-ms")
		b.ReportMetric(stormP99/floorP99, "storm-p99/floor-p99")
		b.ReportMetric(stormTime.Seconds()/2, "storm-s")
		b.ReportMetric(accepted, "storm-accepted-alerts/s")
		b.ReportMetric(rawRate, "raw-signal-with-start/s")
		b.ReportMetric(accepted/rawRate, "storm-accept/raw")
	}
}
