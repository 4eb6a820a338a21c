// Package devserver runs a real Temporal server, backed by SQLite, and the Temporal Web UI inside
// the current process, for `firebreak dev` and for end-to-end tests.
//
// Nothing migrates the SQLite schema between Temporal server versions, so a data directory is
// disposable across upgrades of go.temporal.io/server.
package devserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// DefaultPort is the conventional frontend port of a Temporal development server; callers
	// that want it pass it as Options.Port, since a zero Port picks free ports.
	DefaultPort = 7233
	// DefaultUIPort is the conventional Web UI port, used when Options.Port is set and
	// Options.UIPort is zero.
	DefaultUIPort = 8233
	// DefaultRetention is how long the namespace keeps closed workflows unless
	// Options.Retention says otherwise.
	DefaultRetention = 30 * 24 * time.Hour
	// MinRetention is the shortest Options.Retention accepted: a day, Temporal's minimum for a
	// global namespace.
	MinRetention = 24 * time.Hour

	defaultIP        = "127.0.0.1"
	defaultNamespace = "default"
	clusterName      = "active"
	databaseFile     = "temporal.db"
	storeName        = "sqlite-default"

	// readyTimeout bounds the wait for the frontend and the UI when the caller's context has
	// no earlier deadline.
	readyTimeout = 2 * time.Minute
	// portSpan is how far above Options.Port the fixed ports of the other listeners go.
	portSpan     = 4
	pollInterval = 50 * time.Millisecond
)

// Options configures an embedded server; zero values are safe defaults.
type Options struct {
	// DataDir holds the SQLite database file temporal.db (WAL mode), created with its schema on
	// first start and reused afterwards, and the lock file firebreak.lock that keeps a second
	// server off it. An empty DataDir means an in-memory database.
	DataDir string
	// Ephemeral uses an in-memory SQLite database, even when DataDir is set.
	Ephemeral bool
	// IP is the address the frontend and the UI listen on; the default is 127.0.0.1. The
	// internal services always listen on loopback.
	IP string
	// Port is the frontend gRPC port; zero picks free ports for every service. When set,
	// history, matching and worker listen on Port+1, Port+2 and Port+3, and the frontend's
	// HTTP API on Port+4.
	Port int
	// UIPort is the Web UI port. Zero means DefaultUIPort when Port is set and a free port when
	// Port is zero; a negative value disables the UI.
	UIPort int
	// Namespace is registered on start; the default is "default".
	Namespace string
	// Retention is how long the namespace keeps closed workflows, at least MinRetention; zero
	// means DefaultRetention. It is applied to an existing namespace on every start.
	Retention time.Duration
	// SearchAttributes are custom search attributes registered on the namespace.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs at warn level and above (error and above while it
	// stops); nil discards them.
	Logger *slog.Logger
}

// Server is a running embedded Temporal server and, unless disabled, its Web UI.
type Server struct {
	lock      *os.File // nil for an in-memory database
	server    temporal.Server
	logLevel  *slog.LevelVar
	ui        *uiserver.Server
	uiDone    chan struct{}
	frontend  string
	namespace string
	uiURL     string

	stopOnce sync.Once
	stopErr  error
}

// ports holds the listening ports of one server; ui is zero when the UI is disabled.
type ports struct {
	frontend, history, matching, worker, http, ui int
}

// Start starts the server and the UI and returns once the frontend answers for the namespace
// and the UI answers HTTP, so callers can dial at once. A data directory in use by another
// server is an error that names its lock file. Unless the GOGC environment variable is set,
// Start sets the process's garbage collection target to gcPercent, for the life of the process.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	tuneGC(os.LookupEnv)

	s := &Server{logLevel: new(slog.LevelVar), namespace: opts.Namespace}
	s.logLevel.Set(serverLogLevel)
	if !opts.Ephemeral {
		// First of all, so that a second server on the directory fails on the lock alone.
		lock, err := lockDataDir(opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.lock = lock
	}
	if err := s.start(ctx, opts); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// start starts the server and the UI; Stop undoes however much of it was done.
func (s *Server) start(ctx context.Context, opts Options) error {
	p, err := choosePorts(opts)
	if err != nil {
		return err
	}
	sqlConf, err := prepareDatabase(opts)
	if err != nil {
		return err
	}

	s.frontend = net.JoinHostPort(dialHost(opts.IP), strconv.Itoa(p.frontend))
	s.server, err = startServer(
		temporal.WithConfig(serverConfig(opts, p, sqlConf, s.frontend)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(staticHosts(opts.IP, p)),
		temporal.WithLogger(newServerLogger(opts.Logger, s.logLevel)),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.waitForFrontend(ctx, opts); err != nil {
		return err
	}
	if p.ui != 0 {
		return s.startUI(ctx, opts.IP, p.ui)
	}
	return nil
}

// FrontendAddress returns the frontend's host:port for client.Dial.
func (s *Server) FrontendAddress() string { return s.frontend }

// Namespace returns the namespace registered on start.
func (s *Server) Namespace() string { return s.namespace }

// UIURL returns the Web UI's base URL, such as "http://127.0.0.1:8233", or "" when the UI is disabled.
func (s *Server) UIURL() string { return s.uiURL }

// Stop stops the UI and then the server, and releases the data directory; calls after the first
// return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.logLevel.Set(slog.LevelError)
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		var errs []error
		if s.server != nil {
			if err := s.server.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop temporal server: %w", err))
			}
		}
		if s.lock != nil {
			if err := s.lock.Close(); err != nil {
				errs = append(errs, fmt.Errorf("release data directory lock: %w", err))
			}
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// startServer creates and starts the Temporal server, turning the logger's Fatal panics during
// start (a port already in use, say) into errors.
func startServer(opts ...temporal.ServerOption) (srv temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			fatal, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			srv, err = nil, fmt.Errorf("start temporal server: %w", fatal)
		}
	}()
	srv, err = temporal.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	return srv, nil
}

func (o Options) withDefaults() Options {
	if o.IP == "" {
		o.IP = defaultIP
	}
	if o.Namespace == "" {
		o.Namespace = defaultNamespace
	}
	if o.DataDir == "" {
		o.Ephemeral = true
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	return o
}

func (o Options) validate() error {
	if net.ParseIP(o.IP) == nil {
		return fmt.Errorf("validate options: IP %q is not an IP address", o.IP)
	}
	if o.Port < 0 || o.Port > 65535-portSpan {
		return fmt.Errorf("validate options: port %d is out of range (0 to %d)", o.Port, 65535-portSpan)
	}
	if o.UIPort > 65535 {
		return fmt.Errorf("validate options: UI port %d is out of range", o.UIPort)
	}
	if o.Port != 0 && o.UIPort >= o.Port && o.UIPort <= o.Port+portSpan {
		return fmt.Errorf("validate options: UI port %d collides with ports %d-%d", o.UIPort, o.Port, o.Port+portSpan)
	}
	if o.Retention < MinRetention {
		return fmt.Errorf("validate options: retention %s is shorter than the minimum of %s", o.Retention, MinRetention)
	}
	for name, typ := range o.SearchAttributes {
		if name == "" {
			return errors.New("validate options: search attribute with an empty name")
		}
		if _, ok := enumspb.IndexedValueType_name[int32(typ)]; !ok || typ == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return fmt.Errorf("validate options: search attribute %q has no type", name)
		}
	}
	return nil
}

// prepareDatabase returns the SQLite configuration, creating the schema in a new database file
// and registering the namespace with its retention and search attributes.
func prepareDatabase(opts Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.Ephemeral {
		// The plugin creates the schema when it opens an in-memory database, and keeps the
		// database open for the life of the process: the name must be unique per server.
		conf.DatabaseName = "firebreak-" + rand.Text()
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		path, err := filepath.Abs(filepath.Join(opts.DataDir, databaseFile))
		if err != nil {
			return nil, fmt.Errorf("resolve database path: %w", err)
		}
		conf.DatabaseName = path
		conf.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal"}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("set up sqlite schema: %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("check database file: %w", err)
		}
	}

	// CreateNamespaces leaves an existing namespace alone; its retention and search attributes
	// added since the database was created are updated through the API once the server is up.
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("build namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("create namespace: %w", err)
	}
	return conf, nil
}

// choosePorts returns fixed ports relative to opts.Port, or free ports when opts.Port is zero.
func choosePorts(opts Options) (ports, error) {
	uiEnabled := opts.UIPort >= 0
	if opts.Port != 0 {
		p := ports{frontend: opts.Port, history: opts.Port + 1, matching: opts.Port + 2, worker: opts.Port + 3, http: opts.Port + 4}
		switch {
		case opts.UIPort > 0:
			p.ui = opts.UIPort
		case opts.UIPort == 0:
			p.ui = DefaultUIPort
		}
		return p, checkFree(opts.IP, p)
	}

	// Hold every listener until all ports are chosen so no two services get the same one.
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	pick := func(ip string) (int, error) {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return 0, fmt.Errorf("pick free port: %w", err)
		}
		listeners = append(listeners, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var p ports
	internal := loopback(opts.IP)
	for _, slot := range []struct {
		port *int
		ip   string
	}{
		{&p.frontend, opts.IP},
		{&p.history, internal},
		{&p.matching, internal},
		{&p.worker, internal},
		{&p.http, opts.IP},
	} {
		port, err := pick(slot.ip)
		if err != nil {
			return ports{}, err
		}
		*slot.port = port
	}
	switch {
	case opts.UIPort > 0:
		p.ui = opts.UIPort
	case uiEnabled:
		port, err := pick(opts.IP)
		if err != nil {
			return ports{}, err
		}
		p.ui = port
	}
	return p, nil
}

// checkFree reports the first of the fixed ports that cannot be listened on, so that a port in
// use is a clear error rather than a failure deep inside the server.
func checkFree(ip string, p ports) error {
	internal := loopback(ip)
	for _, c := range []struct {
		ip   string
		port int
	}{
		{ip, p.frontend}, {internal, p.history}, {internal, p.matching}, {internal, p.worker}, {ip, p.http}, {ip, p.ui},
	} {
		if c.port == 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(c.ip, strconv.Itoa(c.port)))
		if err != nil {
			return fmt.Errorf("check port %d: %w", c.port, err)
		}
		_ = l.Close()
	}
	return nil
}

// serverConfig builds the static configuration of a single-host server on SQLite.
func serverConfig(opts Options, p ports, sqlConf *config.SQL, frontend string) *config.Config {
	internal := loopback(opts.IP)
	service := func(ip string, port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: ip}}
	}
	frontendService := service(opts.IP, p.frontend)
	// The HTTP API serves curl and Nexus; without it the server warns at every start.
	frontendService.RPC.HTTPPort = p.http
	httpAddress := net.JoinHostPort(dialHost(opts.IP), strconv.Itoa(p.http))
	conf := &config.Config{}
	// Membership is static (see staticHosts): no ringpop listener and no membership port.
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = internal
	conf.Persistence = config.Persistence{
		DefaultStore:     storeName,
		VisibilityStore:  storeName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{storeName: {SQL: sqlConf}},
	}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend, HTTPAddress: httpAddress},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): frontendService,
		string(primitives.HistoryService):  service(internal, p.history),
		string(primitives.MatchingService): service(internal, p.matching),
		string(primitives.WorkerService):   service(internal, p.worker),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's own system workers dial the frontend through this address.
	conf.PublicClient.HostPort = frontend
	return conf
}

// staticHosts tells each service where the others are, replacing ringpop membership.
func staticHosts(ip string, p ports) map[primitives.ServiceName]static.Hosts {
	internal := loopback(ip)
	host := func(h string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(h, strconv.Itoa(port)))
	}
	return map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(dialHost(ip), p.frontend),
		primitives.HistoryService:  host(internal, p.history),
		primitives.MatchingService: host(internal, p.matching),
		primitives.WorkerService:   host(internal, p.worker),
	}
}

// dynamicConfig returns the dynamic configuration of a development server. Workflow update,
// update-with-start and eager start are already on by default in server 1.32.
//
// It leaves system.forceSearchAttributesCacheRefreshOnRead off, unlike Temporal's test servers:
// it made every search attribute check (each start, each UpsertWorkflowSearchAttributes command,
// each visibility write) read the cluster metadata from SQLite, which in an alert storm spread
// one workflow task's commands over a second. On SQL visibility a custom search attribute lives
// in the namespace, not in that metadata, and this server registers its own when it creates the
// namespace (Options.SearchAttributes), so the flag bought nothing here.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// The UI and tests list workflows often; the default of 10 per second is easy to hit.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// A smaller mutable-state cache than the default of 128,000 entries, as the Temporal
		// CLI's development server does.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// The history service reads its transfer queue at most 20 times a second per shard (burst
		// 20), a limit sized for clusters of hundreds of shards. This server has one, so under
		// steady work every workflow task waited up to 50 ms for a read token: 29-45 ms between
		// WorkflowTaskScheduled and WorkflowTaskStarted (service/history/queues/reader.go,
		// loadAndSubmitTasks). Readers read only when new tasks are written, so a high limit adds
		// no polling: dispatch drops to about 2 ms, with unchanged throughput.
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
		// The same limit on the visibility queue bunched visibility writes into bursts that
		// collided with dispatch on SQLite's single connection (a step's p99 47 ms -> 12 ms).
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key(): 1000,
		// With external payloads on (the default), the history service walks every new event's
		// payloads to count those held in an external store. Firebreak's clients configure no
		// external store, so the count is always zero; the walk (a generated visitor deep enough
		// to grow each request's goroutine stack several times) took 2.7% of the CPU in an
		// alert storm.
		dynamicconfig.ExternalPayloadsEnabled.Key(): false,
		// Each history queue keeps every task it has run since its last checkpoint (30 s by
		// default) and, whenever new tasks are written, splits that list by range
		// (queues.executableTracker.split): work that grows with the tasks of the last 30
		// seconds, paid on every write. In a run of BenchmarkFirstPage, with its alert storms,
		// that took 10% of the CPU (BENCHMARKS.md). A checkpoint every second keeps the list to
		// a second's tasks. A checkpoint deletes the tasks completed since the last one (none
		// on an idle server), and the shard's state is still written only as often as before
		// (history.shardUpdateMinInterval).
		dynamicconfig.TransferProcessorUpdateAckInterval.Key():   queueCheckpointInterval,
		dynamicconfig.VisibilityProcessorUpdateAckInterval.Key(): queueCheckpointInterval,
		dynamicconfig.TimerProcessorUpdateAckInterval.Key():      queueCheckpointInterval,
	}
}

// queueCheckpointInterval is how often the history service's task queues drop the tasks they
// have run and delete them from the database (see dynamicConfig).
const queueCheckpointInterval = time.Second

// waitForFrontend polls until the frontend describes the namespace, then brings an existing
// namespace up to opts: it sets the retention and registers any custom search attributes the
// namespace lacks.
func (s *Server) waitForFrontend(ctx context.Context, opts Options) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	var desc *workflowservice.DescribeNamespaceResponse
	var lastErr error
	for {
		desc, lastErr = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.namespace})
		if lastErr == nil {
			break
		}
		if err := sleep(ctx); err != nil {
			return fmt.Errorf("wait for namespace %q: %w", s.namespace, errors.Join(err, lastErr))
		}
	}

	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() != opts.Retention {
		_, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: s.namespace,
			Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(opts.Retention)},
		})
		if err != nil {
			return fmt.Errorf("update namespace retention: %w", err)
		}
	}

	attrs := opts.SearchAttributes
	if len(attrs) == 0 {
		return nil
	}

	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := make(map[string]enumspb.IndexedValueType)
	for name, typ := range attrs {
		if _, ok := list.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        s.namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}

// dial connects an SDK client to the frontend, retrying until it answers or ctx ends.
func (s *Server) dial(ctx context.Context) (client.Client, error) {
	discard := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: s.frontend, Namespace: s.namespace, Logger: discard})
		if err == nil {
			return c, nil
		}
		if werr := sleep(ctx); werr != nil {
			return nil, fmt.Errorf("dial frontend %s: %w", s.frontend, errors.Join(werr, err))
		}
	}
}

// startUI starts the Web UI in a goroutine and waits until it answers on /healthz.
func (s *Server) startUI(ctx context.Context, ip string, port int) error {
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	// The UI server exits the process when it cannot listen, so check the port first.
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for web ui: %w", err)
	}
	_ = l.Close()

	host := ip
	if net.ParseIP(ip).To4() == nil {
		host = "[" + ip + "]" // The UI server joins host and port without brackets.
	}
	s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: s.frontend,
		EnableUI:            true,
		DefaultNamespace:    s.namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		_ = s.ui.Start() // Returns once Stop closes the server.
	}()

	s.uiURL = "http://" + net.JoinHostPort(dialHost(ip), strconv.Itoa(port))
	health := s.uiURL + "/healthz"
	hc := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
		if err != nil {
			return fmt.Errorf("build web ui health request: %w", err)
		}
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-s.uiDone:
			return fmt.Errorf("start web ui on %s: server exited", addr)
		default:
		}
		if werr := sleep(ctx); werr != nil {
			return fmt.Errorf("wait for web ui: %w", errors.Join(werr, err))
		}
	}
}

func sleep(ctx context.Context) error {
	t := time.NewTimer(pollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dialHost returns an address clients can dial for a listening IP: loopback for a wildcard.
func dialHost(ip string) string {
	if net.ParseIP(ip).IsUnspecified() {
		return loopback(ip)
	}
	return ip
}

// loopback returns the loopback address of ip's family.
func loopback(ip string) string {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() == nil {
		return "::1"
	}
	return "127.0.0.1"
}
