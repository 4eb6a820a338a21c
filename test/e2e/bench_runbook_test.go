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

// BenchmarkRunbookRollback measures Firebreak's own time from "severity assessed" to "the ECS
// rollback call reached moto", for a runbook that starts on its own after assessment and whose
// approval the policy waives (environment staging): from the workflow time of the incident's
// severity entry to the moment the UpdateService request reaches the proxy in front of
// moto_server. In between: the rest of the incident's opening (its decisions and first page),
// finding the matching runbook, starting the run as a child workflow, its approval decision,
// and the action's DescribeServices, ListTaskDefinitions and TagResource calls to moto. Each
// iteration also takes one floor sample (signal-with-start of a bare workflow until its one
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

	sample := func(i int) (own, floor time.Duration) {
		svc := fmt.Sprintf("svc-%d-%d", run, i)
		key := fmt.Sprintf("rb-bench-%d-%d", run, i)
		createService(b, ecsc, svc)
		fb.cli("incident", "start", "--service", "search", "--title", "Checkout is failing", "--impact", "customers=some",
			"--id", key, "--label", "ecs_service="+svc, "--label", "environment=staging")
		reached, err := proxy.arrived.wait(svc, 60*time.Second)
		require.NoError(b, err)
		assessed := severityAssessed(b, fb.state(key))
		return reached.Sub(assessed), floorSample(b, fb, started, "floor-"+key)
	}
	sample(-1) // warm up: the first run loads moto's ECS backend and the worker's clients

	var own, floor []time.Duration
	b.ResetTimer()
	for i := range b.N {
		o, f := sample(i)
		own, floor = append(own, o), append(floor, f)
	}
	b.StopTimer()
	p50, p99 := percentiles(own)
	f50, f99 := percentiles(floor)
	b.ReportMetric(p50, "rollback-p50-ms")
	b.ReportMetric(p99, "rollback-p99-ms")
	b.ReportMetric(f50, "floor-p50-ms")
	b.ReportMetric(f99, "floor-p99-ms")
	b.ReportMetric(p50/f50, "p50-ratio")
	b.ReportMetric(p99/f99, "p99-ratio")
	b.Logf("n=%d: severity assessed -> ECS rollback call at moto p50 %.0f ms, p99 %.0f ms; floor (signal-with-start -> activity) p50 %.0f ms, p99 %.0f ms; ratio p50 %.1fx, p99 %.1fx",
		len(own), p50, p99, f50, f99, p50/f50, p99/f99)
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
