package devserver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/internal/devserver"
)

var testSearchAttributes = map[string]enumspb.IndexedValueType{
	"IncidentService":         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"IncidentEscalationLevel": enumspb.INDEXED_VALUE_TYPE_INT,
}

func start(t *testing.T, ctx context.Context, opts devserver.Options) *devserver.Server {
	t.Helper()
	began := time.Now()
	srv, err := devserver.Start(ctx, opts)
	require.NoError(t, err)
	t.Logf("server started in %s at %s, ui %q", time.Since(began).Round(time.Millisecond), srv.FrontendAddress(), srv.UIURL())
	return srv
}

func dial(t *testing.T, srv *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace()})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func TestEphemeralServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	logs := &levelRecorder{}
	srv := start(t, ctx, devserver.Options{Ephemeral: true, SearchAttributes: testSearchAttributes, Logger: slog.New(logs)})
	t.Cleanup(func() {
		require.NoError(t, srv.Stop())
		require.GreaterOrEqual(t, logs.min(), slog.LevelWarn, "server logs below warn reached the logger")
	})
	require.Equal(t, "default", srv.Namespace())
	require.NotEmpty(t, srv.UIURL())

	c := dial(t, srv)
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace()})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		typ  enumspb.IndexedValueType
	}{
		{name: "IncidentService", typ: enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		{name: "IncidentEscalationLevel", typ: enumspb.INDEXED_VALUE_TYPE_INT},
	} {
		t.Run("search attribute "+tc.name, func(t *testing.T) {
			require.Equal(t, tc.typ, resp.GetCustomAttributes()[tc.name])
		})
	}

	for _, tc := range []struct {
		name  string
		path  string
		check func(t *testing.T, body []byte)
	}{
		{name: "ui page", path: "/", check: func(t *testing.T, body []byte) {
			require.Contains(t, string(body), "<html")
		}},
		{name: "namespace api", path: "/api/v1/namespaces/default", check: func(t *testing.T, body []byte) {
			var ns struct {
				NamespaceInfo struct {
					Name string `json:"name"`
				} `json:"namespaceInfo"`
			}
			require.NoError(t, json.Unmarshal(body, &ns), string(body))
			require.Equal(t, "default", ns.NamespaceInfo.Name)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.UIURL()+tc.path, nil)
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode, string(body))
			tc.check(t, body)
		})
	}
}

func TestFileServerKeepsExecutionsAcrossRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	opts := devserver.Options{DataDir: dir, UIPort: -1, SearchAttributes: testSearchAttributes}
	const workflowID = "devserver-test-persisted"

	first := start(t, ctx, opts)
	require.Empty(t, first.UIURL())
	c := dial(t, first)
	// No worker: the execution stays running with its first workflow task scheduled.
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflowID, TaskQueue: "devserver-test"}, "NoWorkerNeeded")
	require.NoError(t, err)
	c.Close()
	require.NoError(t, first.Stop())

	t.Run("execution is on disk in WAL mode", func(t *testing.T) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "temporal.db")+"?mode=ro")
		require.NoError(t, err)
		defer db.Close()
		var mode string
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		require.Equal(t, "wal", mode)
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM current_executions WHERE workflow_id = ?", workflowID).Scan(&n))
		require.Equal(t, 1, n)
	})

	// The restart asks for one more search attribute than the database was created with.
	opts.SearchAttributes = map[string]enumspb.IndexedValueType{"IncidentPhase": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	maps.Copy(opts.SearchAttributes, testSearchAttributes)
	second := start(t, ctx, opts)
	t.Cleanup(func() { require.NoError(t, second.Stop()) })
	c = dial(t, second)

	t.Run("execution survives the restart", func(t *testing.T) {
		desc, err := c.DescribeWorkflowExecution(ctx, workflowID, run.GetRunID())
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus())
		require.Equal(t, "NoWorkerNeeded", desc.GetWorkflowExecutionInfo().GetType().GetName())
	})
	t.Run("search attribute added on restart", func(t *testing.T) {
		resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: second.Namespace()})
		require.NoError(t, err)
		for name, typ := range opts.SearchAttributes {
			require.Equal(t, typ, resp.GetCustomAttributes()[name], name)
		}
	})
}

func TestFixedPorts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	base := freeRange(t, 6)

	t.Run("port in use is an error", func(t *testing.T) {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+2)))
		require.NoError(t, err)
		defer l.Close()
		srv, err := devserver.Start(ctx, devserver.Options{Port: base, UIPort: base + 5})
		require.ErrorContains(t, err, strconv.Itoa(base+2))
		require.Nil(t, srv)
	})
	t.Run("services listen relative to port", func(t *testing.T) {
		srv := start(t, ctx, devserver.Options{Port: base, UIPort: base + 5})
		defer func() { require.NoError(t, srv.Stop()) }()
		require.Equal(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(base)), srv.FrontendAddress())
		require.Equal(t, "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(base+5)), srv.UIURL())
		for offset := 1; offset <= 3; offset++ {
			conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+offset)))
			require.NoError(t, err, "internal service on port %d", base+offset)
			require.NoError(t, conn.Close())
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			"http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(base+4))+"/api/v1/namespaces/default", nil)
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err, "frontend http api")
		require.NoError(t, res.Body.Close())
		require.Equal(t, http.StatusOK, res.StatusCode)
	})
}

// freeRange returns the first of n consecutive ports that are free on loopback.
func freeRange(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		base := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		if base+n > 65535 {
			continue
		}
		free := true
		for p := base; p < base+n && free; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				free = false
				continue
			}
			require.NoError(t, l.Close())
		}
		if free {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// levelRecorder is a slog handler that remembers the lowest level it was handed.
type levelRecorder struct {
	mu     sync.Mutex
	lowest *slog.Level
}

func (r *levelRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *levelRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *levelRecorder) WithGroup(string) slog.Handler            { return r }

func (r *levelRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lowest == nil || rec.Level < *r.lowest {
		level := rec.Level
		r.lowest = &level
	}
	return nil
}

// min returns the lowest level seen, or LevelError when nothing was logged.
func (r *levelRecorder) min() slog.Level {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lowest == nil {
		return slog.LevelError
	}
	return *r.lowest
}

func TestStartRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts devserver.Options
	}{
		{name: "ip is not an address", opts: devserver.Options{IP: "localhost"}},
		{name: "negative port", opts: devserver.Options{Port: -1}},
		{name: "port leaves no room for internal services", opts: devserver.Options{Port: 65534}},
		{name: "ui port collides with internal services", opts: devserver.Options{Port: 17233, UIPort: 17237}},
		{name: "search attribute without a type", opts: devserver.Options{SearchAttributes: map[string]enumspb.IndexedValueType{"X": enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED}}},
		{name: "retention shorter than a day", opts: devserver.Options{Retention: 23 * time.Hour}},
		{name: "negative retention", opts: devserver.Options{Retention: -time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := devserver.Start(t.Context(), tc.opts)
			require.Error(t, err)
			require.Nil(t, srv)
		})
	}
}

func TestDataDirAllowsOneServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	opts := devserver.Options{DataDir: dir, UIPort: -1}

	first := start(t, ctx, opts)
	t.Run("second server on the directory is refused", func(t *testing.T) {
		srv, err := devserver.Start(ctx, opts)
		require.Nil(t, srv)
		require.ErrorContains(t, err, "lock "+filepath.Join(dir, "firebreak.lock")+" is held")
		require.ErrorContains(t, err, "(pid "+strconv.Itoa(os.Getpid())+")")
	})
	t.Run("ephemeral server takes no lock", func(t *testing.T) {
		srv := start(t, ctx, devserver.Options{DataDir: dir, Ephemeral: true, UIPort: -1})
		require.NoError(t, srv.Stop())
	})
	require.NoError(t, first.Stop())

	t.Run("directory is free once the first stops", func(t *testing.T) {
		srv := start(t, ctx, opts)
		require.NoError(t, srv.Stop())
	})
}

func TestNamespaceRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	// Each case restarts the server on the same data directory.
	for _, tc := range []struct {
		name      string
		retention time.Duration
		want      time.Duration
	}{
		{name: "new database gets the default", want: 30 * 24 * time.Hour},
		{name: "restart applies a new retention", retention: 72 * time.Hour, want: 72 * time.Hour},
		{name: "restart keeps it", retention: 72 * time.Hour, want: 72 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, ctx, devserver.Options{DataDir: dir, UIPort: -1, Retention: tc.retention})
			defer func() { require.NoError(t, srv.Stop()) }()
			resp, err := dial(t, srv).WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: srv.Namespace()})
			require.NoError(t, err)
			require.Equal(t, tc.want, resp.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration())
		})
	}
}

// The history service's queues drop the tasks they have run, and delete them from the database,
// within seconds rather than the half minute of Temporal's default: the list of tasks run since
// the last checkpoint is split on every new write, so its length is paid for again and again
// in an alert storm.
func TestRunTasksLeaveTheDatabaseWithinSeconds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	srv := start(t, ctx, devserver.Options{DataDir: dir, UIPort: -1, SearchAttributes: testSearchAttributes})
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "temporal.db")+"?mode=ro")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	pending := func() int {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM transfer_tasks) + (SELECT COUNT(*) FROM visibility_tasks)").Scan(&n))
		return n
	}

	// With no worker, the start's tasks (its first workflow task handed to matching, its
	// visibility record) run at once and nothing follows them.
	_, err = dial(t, srv).ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "devserver-test-tasks", TaskQueue: "devserver-test"}, "NoWorkerNeeded")
	require.NoError(t, err)
	began := time.Now()
	for n := pending(); n > 0; n = pending() {
		require.Less(t, time.Since(began), 5*time.Second, "%d transfer and visibility tasks still in the database", n)
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the start's tasks left the database %s after it", time.Since(began).Round(time.Millisecond))
}
