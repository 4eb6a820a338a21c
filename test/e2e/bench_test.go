package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/starter/ingest"
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

// BenchmarkStartToFirstPage measures the time from asking for a new incident to the first page
// reaching the notifier, one incident at a time on an otherwise idle embedded server: the start
// call, then detect, channels, assess, communicate, engagement and paging as activities.
func BenchmarkStartToFirstPage(b *testing.B) {
	fb := startFirebreak(b, options{})
	c := &starter.Client{Temporal: fb.client}
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		key := fmt.Sprintf("latency-%d", i)
		begin := time.Now()
		_, err := c.Start(context.Background(), starter.StartRequest{
			Key: key, Service: "search", Title: "benchmark", Impact: incident.Impact{CustomersAffected: "some"},
		})
		require.NoError(b, err)
		var pages []written
		deadline := time.Now().Add(30 * time.Second)
		for len(pages) == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			pages = fb.console.matching("PAGE", workflows.WorkflowID(key)+" ")
		}
		require.NotEmpty(b, pages, "no page for %s", key)
		latencies = append(latencies, pages[0].at.Sub(begin))
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[(len(latencies)*99)/100]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkAlertStorm posts 10,000 generic alerts over 100 groups concurrently to the alert
// webhook of a Firebreak on the embedded server, then, on the same server, makes the same
// 10,000 signal-with-start calls straight through the SDK: the ceiling Firebreak's path is
// compared with. It reports alerts/s accepted, incidents created (100 expected), the time from
// a group's first alert to its first page (p50, p99), the SDK's rate and the ratio.
func BenchmarkAlertStorm(b *testing.B) {
	const alerts, groups, senders = 10_000, 100, 64
	fb := startFirebreak(b, options{config: alertConfig(b)})
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: time.Minute}
	url := "http://" + fb.service.HTTPAddr() + "/v1/alerts/generic"
	for run := range b.N {
		firstSent := make([]atomic.Int64, groups)
		next := atomic.Int64{}
		begin := time.Now()
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < alerts; i = int(next.Add(1)) - 1 {
					g := i % groups
					body := fmt.Sprintf(`{"dedup_key":"storm-%d-%d","service":"search","title":"Storm %d","impact":{"customers_affected":"some"}}`, run, g, g)
					req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+genericToken)
					req.Header.Set("Content-Type", "application/json")
					firstSent[g].CompareAndSwap(0, time.Now().UnixNano())
					resp, err := httpClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						b.Errorf("alert %d: HTTP %d", i, resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(begin)
		b.ReportMetric(float64(alerts)/elapsed.Seconds(), "alerts/s")

		var latencies []time.Duration
		incidents := 0
		for g := range groups {
			key := ingest.GroupKey(fmt.Sprintf("storm-%d-%d", run, g))
			incidents += fb.incidentRuns(key)
			var pages []written
			require.Eventually(b, func() bool {
				pages = fb.console.matching("PAGE", workflows.WorkflowID(key)+" ")
				return len(pages) > 0
			}, time.Minute, 50*time.Millisecond, "no page for %s", key)
			latencies = append(latencies, pages[0].at.Sub(time.Unix(0, firstSent[g].Load())))
		}
		require.Equal(b, groups, incidents, "one incident per group")
		b.ReportMetric(float64(incidents), "incidents")
		slices.Sort(latencies)
		b.ReportMetric(ms(latencies[len(latencies)/2]), "first-page-p50-ms")
		b.ReportMetric(ms(latencies[len(latencies)*99/100]), "first-page-p99-ms")

		ceiling := sdkSignalWithStartRate(b, fb, run, alerts, groups, senders)
		b.ReportMetric(ceiling, "sdk-signal-with-start/s")
		b.ReportMetric(float64(alerts)/elapsed.Seconds()/ceiling*100, "%-of-sdk")
	}
}

// sdkSignalWithStartRate makes the storm's signal-with-start calls straight through the SDK, one
// alert per call, and returns calls per second.
func sdkSignalWithStartRate(b *testing.B, fb *firebreak, run, alerts, groups, senders int) float64 {
	next := atomic.Int64{}
	begin := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < alerts; i = int(next.Add(1)) - 1 {
				key := fmt.Sprintf("raw-%d-%d", run, i%groups)
				signal := workflows.AlertBatch{Alerts: []incident.Alert{{Source: "generic", Fingerprint: key, GroupKey: key, Status: "firing", Title: "Storm"}}}
				_, err := fb.client.SignalWithStartWorkflow(context.Background(), workflows.WorkflowID(key), workflows.SignalAlerts, signal,
					client.StartWorkflowOptions{ID: workflows.WorkflowID(key), TaskQueue: workflows.TaskQueue},
					workflows.IncidentWorkflowName, workflows.IncidentInput{Key: key, Source: "generic", Service: "search", Title: "Storm",
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
