package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/firebreak-dev/firebreak/internal/mototest"
	"github.com/firebreak-dev/firebreak/runbooks"
	"github.com/firebreak-dev/firebreak/test/bench"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// rollbackRunbook is the e2e tests' own ECS rollback runbook (not runbooks/ecs-rollback.yaml):
// it starts on its own for an incident labelled ecs_service, rolls the service back to its
// previous task definition with a short step timeout, so that a lost attempt is retried within
// the test, and says so. Outside production the approval policy lets it run at once.
const rollbackRunbook = `name: e2e-ecs-rollback
description: Roll an ECS service back to its previous task definition.
match:
  condition: "'ecs_service' in incident.labels"
params:
  - name: service
    type: string
    default: ${{ incident.labels.ecs_service }}
steps:
  - id: rollback
    action: aws.ecs_rollback
    timeout: 5s
    retry:
      max_attempts: 5
      backoff: 1s
    with:
      cluster: prod
      service: ${{ params.service }}
      wait: false
  - id: report
    action: notify
    with:
      message: "MESSAGE: ${{ params.service }} moved from ${{ steps.rollback.outputs.from }} to ${{ steps.rollback.outputs.to }}"
`

// The X-Amz-Target of ECS UpdateService and ListTaskDefinitions requests.
const (
	ecsUpdateService       = "AmazonEC2ContainerServiceV20141113.UpdateService"
	ecsListTaskDefinitions = "AmazonEC2ContainerServiceV20141113.ListTaskDefinitions"
)

// writeRollbackRunbook writes the rollback runbook, with message in place of MESSAGE, into dir.
func writeRollbackRunbook(t testing.TB, dir, message string) string {
	t.Helper()
	path := filepath.Join(dir, "e2e-ecs-rollback.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(rollbackRunbook, "MESSAGE", message, 1)), 0o644))
	return path
}

// awsProxy stands between the worker and moto: it notes when each ECS UpdateService request
// arrives, by service, and can hold the first one until the test releases it. It also keeps
// when each call was at moto, so that a benchmark can tell moto's time from Firebreak's.
type awsProxy struct {
	*httptest.Server
	mu      sync.Mutex
	updates []ecsUpdate
	calls   []awsCall
	// hold, when not nil, receives the first UpdateService request, which then waits for release.
	hold    chan ecsUpdate
	release chan struct{}
	once    sync.Once
	// arrived notes the first UpdateService request for each service.
	arrived *arrivals
}

type ecsUpdate struct {
	at             time.Time
	service        string
	taskDefinition string
}

// awsCall is one request the proxy forwarded to moto: its X-Amz-Target, its body, and the time
// from its arrival at the proxy to moto's answer.
type awsCall struct {
	target string
	body   []byte
	at     bench.Interval
}

func newAWSProxy(t testing.TB, moto string) *awsProxy {
	target, err := url.Parse(moto)
	require.NoError(t, err)
	p := &awsProxy{arrived: newArrivals()}
	forward := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		target := r.Header.Get("X-Amz-Target")
		defer func() {
			p.mu.Lock()
			p.calls = append(p.calls, awsCall{target: target, body: body, at: bench.Interval{From: at, To: time.Now()}})
			p.mu.Unlock()
		}()
		if target == ecsUpdateService {
			var in struct{ Service, TaskDefinition string }
			_ = json.Unmarshal(body, &in)
			u := ecsUpdate{at: at, service: in.Service, taskDefinition: in.TaskDefinition}
			p.mu.Lock()
			p.updates = append(p.updates, u)
			p.mu.Unlock()
			p.arrived.note(in.Service, at)
			if p.hold != nil {
				held := false
				p.once.Do(func() { held = true })
				if held {
					p.hold <- u
					<-p.release
				}
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// motoTime returns how long, between from and to, moto was answering at least one call made
// for service: the calls that name it (followed by the quote that ends it, so that svc-1 is not
// found in svc-10), and ListTaskDefinitions, which names only the family.
func (p *awsProxy) motoTime(service string, from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var busy []bench.Interval
	for _, c := range p.calls {
		if c.target == ecsListTaskDefinitions || bytes.Contains(c.body, []byte(service+`"`)) {
			busy = append(busy, c.at)
		}
	}
	return bench.Covered(busy, from, to)
}

// updatesOf returns the UpdateService requests for a service.
func (p *awsProxy) updatesOf(service string) []ecsUpdate {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []ecsUpdate
	for _, u := range p.updates {
		if u.service == service {
			out = append(out, u)
		}
	}
	return out
}

// useAWS points the worker's default AWS configuration chain at endpoint with test
// credentials, isolated from the machine's files.
func useAWS(t testing.TB, endpoint string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIAFIREBREAKTEST", "AWS_SECRET_ACCESS_KEY": "firebreak-test-secret",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
}

// ecsClient returns an ECS client of moto itself, past the proxy.
func ecsClient(t testing.TB, moto string) *ecs.Client {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	require.NoError(t, err)
	return ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = awssdk.String(moto) })
}

// createService creates cluster prod (once), task definitions checkout:1 and checkout:2 (once)
// and a service on checkout:2.
func createService(t testing.TB, c *ecs.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clusters, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"prod"}})
	require.NoError(t, err)
	if len(clusters.Clusters) == 0 {
		_, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("prod")})
		require.NoError(t, err)
		for range 2 {
			_, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
				Family: awssdk.String("checkout"),
				ContainerDefinitions: []ecstypes.ContainerDefinition{
					{Name: awssdk.String("app"), Image: awssdk.String("registry.example/checkout:1"), Memory: awssdk.Int32(128)},
				},
			})
			require.NoError(t, err)
		}
	}
	_, err = c.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String("prod"), ServiceName: awssdk.String(name), TaskDefinition: awssdk.String("checkout:2"), DesiredCount: awssdk.Int32(0),
	})
	require.NoError(t, err)
}

// serviceTaskDefinition returns the service's task definition as family:revision.
func serviceTaskDefinition(t testing.TB, c *ecs.Client, name string) string {
	out, err := c.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: awssdk.String("prod"), Services: []string{name}})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	arn := awssdk.ToString(out.Services[0].TaskDefinition)
	return arn[strings.LastIndex(arn, "/")+1:]
}

// runbookRuns returns an incident's runs through the runbook-runs query.
func runbookRuns(t *testing.T, fb *firebreak, key string) []workflows.RunbookRunRef {
	v, err := fb.client.QueryWorkflow(context.Background(), workflows.WorkflowID(key), "", workflows.QueryRunbookRuns)
	require.NoError(t, err)
	var runs []workflows.RunbookRunRef
	require.NoError(t, v.Get(&runs))
	return runs
}

// TestAWorkerKilledMidRollbackRollsBackOnce starts an incident whose runbook rolls an ECS
// service back on moto, kills the worker while the UpdateService call is in flight (the call
// then reaches moto, but its answer is lost), edits the runbook file, and starts a new worker
// with the edited file. The step is retried on the new worker, finds its effect in place and
// succeeds: moto got one UpdateService. The run carries on with the definition it started
// with: its content hash and its message are the original ones.
func TestAWorkerKilledMidRollbackRollsBackOnce(t *testing.T) {
	moto := mototest.Start(t)
	proxy := newAWSProxy(t, moto)
	proxy.hold, proxy.release = make(chan ecsUpdate, 1), make(chan struct{})
	useAWS(t, proxy.URL)
	ecsc := ecsClient(t, moto)
	createService(t, ecsc, "checkout-api")

	dir := t.TempDir()
	path := writeRollbackRunbook(t, dir, "rolled back")
	loaded, err := runbooks.Load(path)
	require.NoError(t, err)
	originalHash := loaded[0].Runbook.Hash
	t.Setenv(worker.RunbookDirEnv, dir)

	cfg := exampleWithAckTimeout(time.Hour)
	fb := startServer(t)
	first := startWorker(t, fb, cfg)
	fb.cli("incident", "start", "--service", "search", "--title", "Checkout is failing", "--impact", "customers=some",
		"--id", "rb-kill-1", "--label", "ecs_service=checkout-api", "--label", "environment=staging")

	var held ecsUpdate
	select {
	case held = <-proxy.hold:
	case <-time.After(60 * time.Second):
		close(proxy.release)
		t.Fatal("no UpdateService call reached the proxy")
	}
	require.Equal(t, "checkout-api", held.service)
	first.kill(t)
	// While the run is in flight the file changes: a new worker will load the edited runbook.
	writeRollbackRunbook(t, dir, "EDITED")
	close(proxy.release)
	require.Eventually(t, func() bool { return serviceTaskDefinition(t, ecsc, "checkout-api") == "checkout:1" }, 10*time.Second, 50*time.Millisecond,
		"the held call reached moto once released")
	time.Sleep(time.Second)
	startWorker(t, fb, cfg)

	s := waitForState(t, fb, "rb-kill-1", 60*time.Second, "the run's end", func(s workflows.State) bool {
		return len(entries(s, "runbook", "run 1 succeeded")) > 0 || len(entries(s, "runbook", "run 1 failed")) > 0
	})
	require.Len(t, entries(s, "runbook", "runbook e2e-ecs-rollback run 1 succeeded"), 1, timeline(s))
	require.Len(t, proxy.updatesOf("checkout-api"), 1, "UpdateService calls at moto")
	require.Equal(t, "checkout:1", serviceTaskDefinition(t, ecsc, "checkout-api"))

	runs := runbookRuns(t, fb, "rb-kill-1")
	require.Len(t, runs, 1)
	var status workflows.RunbookStatus
	require.NoError(t, json.Unmarshal([]byte(fb.cli("runbook", "status", "rb-kill-1", "-o", "json")), &status))
	require.Equal(t, originalHash, status.Hash, "the run keeps the definition it started with")
	require.Equal(t, workflows.StepSucceeded, status.Steps[0].State)
	require.Equal(t, true, status.Steps[0].Outputs["already_in_place"], "the retry found the rollback in place")
	require.Equal(t, "checkout:2", status.Steps[0].Outputs["from"])
	require.Equal(t, "checkout:1", status.Steps[0].Outputs["to"])
	require.Eventually(t, func() bool {
		return len(fb.console.lines("rolled back: checkout-api moved from checkout:2 to checkout:1")) > 0
	}, 10*time.Second, 50*time.Millisecond, "the run's message is the original one")
	require.Empty(t, fb.console.lines("EDITED"), "the edited file did not change the run in flight")

	// The run's history shows the lost attempt and the retry: two attempts of one activity.
	h := workflowHistory(t, fb, runs[0].WorkflowID)
	require.Equal(t, workflows.RunbookTaskQueue, h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetTaskQueue().GetName(),
		"the run's task queue")
	attempts := 0
	for _, e := range h.GetEvents() {
		if a := e.GetActivityTaskStartedEventAttributes(); a != nil && activityType(h, a.GetScheduledEventId()) == "aws.ecs_rollback" {
			attempts = int(a.GetAttempt())
		}
	}
	require.GreaterOrEqual(t, attempts, 2, "the rollback was attempted again after the kill")

	fb.cli("incident", "resolve", "rb-kill-1", "--summary", "rolled back", "--as", "tom")
	// runbook-worker-killed.json (both) is the earlier shape, whose run shared the incidents' queue.
	fb.recordHistory("rb-kill-1", "epoch-runbook-own-queue")
	recordChildHistory(t, h, "runbook-own-queue")
}

// workflowHistory returns the history of a workflow's latest run.
func workflowHistory(t *testing.T, fb *firebreak, id string) *historypb.History {
	iter := fb.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	return h
}

// activityType returns the type of the activity scheduled by event id.
func activityType(h *historypb.History, id int64) string {
	for _, e := range h.GetEvents() {
		if e.GetEventId() == id {
			return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		}
	}
	return ""
}

// recordChildHistory saves a runbook run's history for the runbook replay test when -record
// is given.
func recordChildHistory(t *testing.T, h *historypb.History, name string) {
	if !*record {
		return
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	dir := filepath.Join("..", "..", "workflows", "testdata", "histories", "runbook")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}
