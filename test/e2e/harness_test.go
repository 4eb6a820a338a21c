// Package e2e_test drives Firebreak end to end: the real Temporal server embedded in-process, the
// worker with the built-in policies, and the CLI's own code.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/firebreak-dev/firebreak/internal/cli"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/workflows"
)

var record = flag.Bool("record", false, "write the histories of these runs to workflows/testdata/histories for the replay test")

// console is the console notifier's output, safe to read while the worker writes. It notes when
// each line arrived, for latency measurements.
type console struct {
	mu      sync.Mutex
	partial string
	written []written
}

type written struct {
	at   time.Time
	line string
}

func (c *console) Write(p []byte) (int, error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	text := c.partial + string(p)
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		c.written = append(c.written, written{at: now, line: text[:i]})
		text = text[i+1:]
	}
	c.partial = text
	return len(p), nil
}

// lines returns the lines that contain every one of the given parts.
func (c *console) lines(parts ...string) []string {
	var out []string
	for _, w := range c.matching(parts...) {
		out = append(out, w.line)
	}
	return out
}

// matching returns the written lines that contain every one of the given parts.
func (c *console) matching(parts ...string) []written {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []written
	for _, w := range c.written {
		match := true
		for _, p := range parts {
			match = match && strings.Contains(w.line, p)
		}
		if match {
			out = append(out, w)
		}
	}
	return out
}

// firebreak is one running Firebreak: server, client, worker and HTTP server.
type firebreak struct {
	t       testing.TB
	server  *devserver.Server
	client  client.Client
	service *service.Service
	console *console
}

// options for startFirebreak.
type options struct {
	dataDir   string // empty: in memory
	config    *config.Config
	ui        bool
	port      int          // frontend port; 0 picks free ports
	snsClient *http.Client // for SNS certificates; nil: the default
}

// startFirebreak starts the embedded server on free ports and a Firebreak worker against it.
func startFirebreak(t testing.TB, opts options) *firebreak {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	uiPort := -1
	if opts.ui {
		uiPort = 0
	}
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir: opts.dataDir, Port: opts.port, UIPort: uiPort, SearchAttributes: workflows.SearchAttributes(),
	})
	require.NoError(t, err)
	fb := &firebreak{t: t, server: srv, console: &console{}}
	cfg := opts.config
	if cfg == nil {
		cfg = configtest.Organisation()
	}
	tel := telemetry.New(nil)
	fb.client, err = temporalconn.Dial(ctx, temporalconn.Options{
		Address: srv.FrontendAddress(), Namespace: srv.Namespace(), MetricsHandler: tel.MetricsHandler(),
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	fb.service, err = service.Start(ctx, service.Options{
		Client: fb.client, Namespace: srv.Namespace(), Config: cfg, TrackingDir: t.TempDir(),
		HTTPAddr: "127.0.0.1:0", Telemetry: tel, Console: fb.console, Worker: true, Alerts: true,
		SNSClient: opts.snsClient,
	})
	require.NoError(t, err)
	t.Cleanup(fb.stop)
	return fb
}

// stop drains the worker and stops the server; calling it again does nothing.
func (fb *firebreak) stop() {
	if fb.service == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(fb.t, fb.service.Stop(ctx))
	fb.client.Close()
	require.NoError(fb.t, fb.server.Stop())
	fb.service = nil
}

// cli runs the firebreak command against this server and returns its standard output; it fails
// the test when the command fails.
func (fb *firebreak) cli(args ...string) string {
	fb.t.Helper()
	out, errOut, code := fb.run(args...)
	require.Equal(fb.t, 0, code, "firebreak %s: %s", strings.Join(args, " "), errOut)
	return out
}

// run runs the firebreak command and returns its output, error output and exit code.
func (fb *firebreak) run(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	full := append([]string{"--address", fb.server.FrontendAddress(), "--namespace", fb.server.Namespace()}, args...)
	code := cli.Main(full, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "test", nil)
	return out.String(), errOut.String(), code
}

// state reads an incident's state through `firebreak incident show -o json`.
func (fb *firebreak) state(key string) workflows.State {
	fb.t.Helper()
	var s workflows.State
	require.NoError(fb.t, json.Unmarshal([]byte(fb.cli("incident", "show", key, "-o", "json")), &s))
	return s
}

// history returns the workflow history of an incident's latest run.
func (fb *firebreak) history(key string) *historypb.History { return fb.runHistory(key, "") }

// runHistory returns the workflow history of one run of an incident.
func (fb *firebreak) runHistory(key, runID string) *historypb.History {
	fb.t.Helper()
	iter := fb.client.GetWorkflowHistory(context.Background(), workflows.WorkflowID(key), runID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(fb.t, err)
		h.Events = append(h.Events, e)
	}
	return h
}

// recordHistory saves the history of an incident's latest run for the replay test when -record
// is given.
func (fb *firebreak) recordHistory(key, name string) { fb.recordRunHistory(key, "", name) }

// recordRunHistory saves the history of one run of an incident when -record is given.
func (fb *firebreak) recordRunHistory(key, runID, name string) {
	fb.t.Helper()
	if !*record {
		return
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(fb.runHistory(key, runID))
	require.NoError(fb.t, err)
	dir := filepath.Join("..", "..", "workflows", "testdata", "histories")
	require.NoError(fb.t, os.MkdirAll(dir, 0o755))
	require.NoError(fb.t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}

// versionMarkers lists the change IDs of the version markers in a history, in order.
func versionMarkers(h *historypb.History) []string {
	var out []string
	for _, e := range h.GetEvents() {
		if m := e.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == "Version" {
			var id string
			if p := m.GetDetails()["change-id"].GetPayloads(); len(p) > 0 {
				_ = json.Unmarshal(p[0].GetData(), &id)
			}
			out = append(out, id)
		}
	}
	return out
}

// activities lists, local activities among them, the activity types and summaries scheduled in a history, in order.
func activities(h *historypb.History) []string {
	var out []string
	for _, e := range h.GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			out = append(out, a.GetActivityType().GetName()+": "+summary(e))
		}
		if m := e.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == "LocalActivity" {
			var data struct{ ActivityType string }
			if p := m.GetDetails()["data"].GetPayloads(); len(p) > 0 {
				_ = json.Unmarshal(p[0].GetData(), &data)
			}
			out = append(out, data.ActivityType+" (local): "+summary(e))
		}
	}
	return out
}

// timers lists the summaries of the timers started in a history.
func timers(h *historypb.History) []string {
	var out []string
	for _, e := range h.GetEvents() {
		if e.GetTimerStartedEventAttributes() != nil {
			out = append(out, summary(e))
		}
	}
	return out
}

func summary(e *historypb.HistoryEvent) string {
	var s string
	if p := e.GetUserMetadata().GetSummary(); p != nil {
		_ = json.Unmarshal(p.GetData(), &s)
	}
	return s
}

// exampleWithAckTimeout returns the test organisation with a short acknowledgement timeout on
// the search service, so escalation happens in real time within a test.
func exampleWithAckTimeout(d time.Duration) *config.Config {
	cfg := configtest.Organisation()
	for i := range cfg.Services {
		if cfg.Services[i].ID == "search" {
			cfg.Services[i].AckTimeout = config.Duration(d)
		}
	}
	return cfg
}
