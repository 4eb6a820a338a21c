package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/mototest"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// BenchmarkRunbookRollback measures the time from "severity assessed" to "the ECS rollback call
// reached moto", for a runbook that starts on its own after assessment and whose approval the
// policy waives (environment staging): from the workflow time of the incident's severity entry
// to the moment the UpdateService request reaches the proxy in front of moto_server. In
// between: the rest of the incident's opening (its decisions and first page), finding the
// matching runbook, starting the run as a child workflow, its approval decision, and the
// action's DescribeServices, ListTaskDefinitions and TagResource calls to moto. Firebreak's own
// time is that total less the time moto was answering those calls (from each call's arrival at
// the proxy to moto's answer, overlapping calls counted once): the floor makes no provider call.
// Each iteration also takes one floor sample (signal-with-start of a bare workflow until its one
// activity starts) on the same server, so the ratio compares like with like. Run it as
//
//	go test ./test/e2e -run '^$' -bench BenchmarkRunbookRollback -benchtime 40x
func BenchmarkRunbookRollback(b *testing.B) {
	moto := mototest.Start(b)
	proxy := newAWSProxy(b, moto)
	useAWS(b, proxy.URL)
	ecsc := ecsClient(b, moto)
	dir := b.TempDir()
	writeRollbackRunbook(b, dir, "rolled back")
	b.Setenv(worker.RunbookDirEnv, dir)
	fb := startFirebreak(b, options{config: exampleWithAckTimeout(time.Hour)})
	started := newArrivals()
	startFloorWorker(b, fb, started)
	run := time.Now().UnixNano()

	sample := func(i int) (total, own, floor time.Duration) {
		svc := fmt.Sprintf("svc-%d-%d", run, i)
		key := fmt.Sprintf("rb-bench-%d-%d", run, i)
		createService(b, ecsc, svc)
		fb.cli("incident", "start", "--service", "search", "--title", "Checkout is failing", "--impact", "customers=some",
			"--id", key, "--label", "ecs_service="+svc, "--label", "environment=staging")
		reached, err := proxy.arrived.wait(svc, 60*time.Second)
		require.NoError(b, err)
		assessed := severityAssessed(b, fb.state(key))
		total = reached.Sub(assessed)
		return total, total - proxy.motoTime(svc, assessed, reached), floorSample(b, fb, started, "floor-"+key)
	}
	sample(-1) // warm up: the first run loads moto's ECS backend and the worker's clients

	var total, own, floor []time.Duration
	b.ResetTimer()
	for i := range b.N {
		t, o, f := sample(i)
		total, own, floor = append(total, t), append(own, o), append(floor, f)
	}
	b.StopTimer()
	t50, t99 := percentiles(total)
	o50, o99 := percentiles(own)
	f50, f99 := percentiles(floor)
	b.ReportMetric(t50, "rollback-p50-ms")
	b.ReportMetric(t99, "rollback-p99-ms")
	b.ReportMetric(o50, "own-p50-ms")
	b.ReportMetric(o99, "own-p99-ms")
	b.ReportMetric(f50, "floor-p50-ms")
	b.ReportMetric(f99, "floor-p99-ms")
	b.ReportMetric(t50/f50, "p50-ratio")
	b.ReportMetric(t99/f99, "p99-ratio")
	b.ReportMetric(o50/f50, "own-p50-ratio")
	b.ReportMetric(o99/f99, "own-p99-ratio")
	b.Logf("n=%d: severity assessed -> ECS rollback call at moto p50 %.0f ms, p99 %.0f ms (ratio %.1fx, %.1fx); "+
		"less moto's answers, Firebreak's own p50 %.0f ms, p99 %.0f ms (ratio %.1fx, %.1fx); floor (signal-with-start -> activity) p50 %.0f ms, p99 %.0f ms",
		len(total), t50, t99, t50/f50, t99/f99, o50, o99, o50/f50, o99/f99, f50, f99)
}

// severityAssessed returns the workflow time of an incident's first severity entry.
func severityAssessed(b *testing.B, s workflows.State) time.Time {
	for _, e := range s.Timeline {
		if e.Kind == "severity" {
			return e.At
		}
	}
	b.Fatalf("incident %s has no severity entry", s.Key)
	return time.Time{}
}
