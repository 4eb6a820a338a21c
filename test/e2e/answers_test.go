package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/workflows"
)

// startAlertFront starts the embedded server and only the alert front on it, as `firebreak serve`
// runs it: no worker polls the task queue until startWorker.
func startAlertFront(t *testing.T) *firebreak {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributes()})
	require.NoError(t, err)
	fb := &firebreak{t: t, server: srv, console: &console{}}
	tel := telemetry.New(nil)
	fb.client, err = temporalconn.Dial(ctx, temporalconn.Options{
		Address: srv.FrontendAddress(), Namespace: srv.Namespace(), MetricsHandler: tel.MetricsHandler(),
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	fb.service, err = service.Start(ctx, service.Options{
		Client: fb.client, Namespace: srv.Namespace(), Config: configtest.Organisation(), HTTPAddr: "127.0.0.1:0",
		Telemetry: tel, Console: fb.console, Alerts: true,
	})
	require.NoError(t, err)
	t.Cleanup(fb.stop)
	return fb
}

// startWorker starts a worker process beside the alert front, as `firebreak worker` runs it, and
// returns its service; it stops before the server does.
func (fb *firebreak) startWorker(t *testing.T) *service.Service {
	t.Helper()
	tel := telemetry.New(nil)
	svc, err := service.Start(context.Background(), service.Options{
		Client: fb.client, Namespace: fb.server.Namespace(), Config: configtest.Organisation(), TrackingDir: t.TempDir(),
		HTTPAddr: "127.0.0.1:0", Telemetry: tel, Console: fb.console, Worker: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, svc.Stop(ctx))
	})
	return svc
}

// health reads a service's /healthz.
func health(t *testing.T, svc *service.Service) (int, service.Report) {
	t.Helper()
	resp, err := http.Get("http://" + svc.HTTPAddr() + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var report service.Report
	require.NoError(t, json.Unmarshal(body, &report), string(body))
	return resp.StatusCode, report
}

// TestNoWorkerAnswers drives the answers a responder gets when no worker runs, then starts one:
// a bounded ack that says it was not applied and is not applied later, show by workflow ID and
// from visibility, a closed incident, and the alert front's health.
func TestNoWorkerAnswers(t *testing.T) {
	fb := startAlertFront(t)

	// The alert front still answers, but says nothing will page.
	code, report := health(t, fb.service)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "degraded", report.Status)
	require.Equal(t, "ok", report.Temporal)
	require.NotNil(t, report.Workers)
	require.Zero(t, *report.Workers)
	require.Equal(t, "no worker is polling task queue firebreak: incidents will not page", report.Problem)

	fb.cli("incident", "start", "--service", "search", "--title", "Search is failing", "--impact", "customers=some", "--id", "search-9")

	// show with no worker: what Temporal knows, said to be only that.
	started := time.Now()
	out, errOut, code := fb.run("incident", "show", "incident-search-9", "--wait", "2s")
	require.Equal(t, 0, code, errOut)
	require.Less(t, time.Since(started), 4*time.Second)
	require.Equal(t, "no worker is processing incidents: showing what Temporal's visibility knows\n", errOut)
	require.Contains(t, out, "Search is failing")
	require.Contains(t, out, "search-9 (workflow incident-search-9)")
	require.Contains(t, out, "triggered")

	// ack with no worker: a bounded wait and a clear answer.
	started = time.Now()
	_, errOut, code = fb.run("incident", "ack", "search-9", "--as", "ana", "--wait", "3s")
	took := time.Since(started)
	require.Equal(t, 1, code)
	require.Equal(t, "firebreak: no worker is processing incidents: the update was not applied\n", errOut)
	require.Less(t, took, 5*time.Second, "ack must give up within --wait plus 2 seconds")

	// A closed incident says so, rather than "no incident".
	fb.cli("incident", "start", "--service", "search", "--title", "Search is slow", "--impact", "customers=some", "--id", "search-10")
	require.NoError(t, fb.client.TerminateWorkflow(context.Background(), workflows.WorkflowID("search-10"), "", "test"))
	_, errOut, code = fb.run("incident", "note", "incident-search-10", "--text", "too late", "--as", "ana")
	require.Equal(t, 1, code)
	require.Regexp(t, `^firebreak: incident search-10 is closed \(terminated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); nothing was changed\n$`, errOut)
	_, errOut, code = fb.run("incident", "ack", "search-404", "--as", "ana", "--wait", "3s")
	require.Equal(t, 1, code)
	require.Equal(t, "firebreak: ack: no incident \"search-404\"\n", errOut)

	// A worker starts: it runs the incident, but the ack its sender gave up on is never applied.
	worker := fb.startWorker(t)
	var s workflows.State
	require.Eventually(t, func() bool { s = fb.state("search-9"); return len(s.Responders) > 0 }, waitFor, 100*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s = fb.state("incident-search-9") // (the workflow ID works for show)
		require.Equal(t, incident.StatusTriggered, s.Status, "the abandoned ack was applied")
		require.Empty(t, s.AcknowledgedBy)
		time.Sleep(250 * time.Millisecond)
	}
	for _, e := range fb.history("search-9").GetEvents() {
		require.Nil(t, e.GetWorkflowExecutionUpdateAcceptedEventAttributes(), "an update was accepted: %v", e)
	}
	require.Equal(t, "search-9", s.Key)

	// With the worker there, the same ack by workflow ID goes through.
	require.Contains(t, fb.cli("incident", "ack", "incident-search-9", "--as", "ana"), "acknowledged by ana")

	// Both processes now say a worker polls.
	for _, svc := range []*service.Service{fb.service, worker} {
		require.Eventually(t, func() bool {
			code, report := health(t, svc)
			return code == http.StatusOK && report.Status == "ok" && report.Workers != nil && *report.Workers >= 1
		}, 30*time.Second, 250*time.Millisecond)
	}
}

// TestShowTakesTheWorkflowIDAlertSendPrints: `alert send` prints the workflow ID of the incident
// its alert went to, and `incident show` takes it as is.
func TestShowTakesTheWorkflowIDAlertSendPrints(t *testing.T) {
	cfg := configtest.Organisation()
	cfg.Alerts.Integrations = map[string]config.Integration{config.IntegrationGeneric: {Token: genericToken}}
	fb := startFirebreak(t, options{config: cfg})
	sent := fb.cli("alert", "send", "--url", "http://"+fb.service.HTTPAddr(), "--service", "search",
		"--impact", "customers=some", "--token", genericToken)
	ids := strings.Fields(strings.TrimSuffix(strings.TrimSpace(sent[strings.Index(sent, " for ")+5:]), "."))
	require.Len(t, ids, 1, sent)
	require.True(t, strings.HasPrefix(ids[0], "incident-"), sent)

	var s workflows.State
	require.Eventually(t, func() bool {
		out, _, code := fb.run("incident", "show", ids[0], "-o", "json")
		return code == 0 && json.Unmarshal([]byte(out), &s) == nil && s.WorkflowID == ids[0]
	}, waitFor, 200*time.Millisecond)
	require.Equal(t, strings.TrimPrefix(ids[0], "incident-"), s.Key)
	require.Contains(t, fb.cli("incident", "show", ids[0]), "(workflow "+ids[0]+")")
}
