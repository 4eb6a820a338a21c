package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
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
