// Package cluster runs Firebreak's production topology on one machine, for tests and by hand:
// Temporal's services (two frontends, two history nodes, one matching, one worker service) as
// separate OS processes of the real server binary on PostgreSQL (the postgres12 plugin, schemas
// set up by the server module's own temporal-sql-tool and schema files), ringpop membership on
// loopback, a TCP load balancer in front of the frontends, and two `firebreak worker` and two
// `firebreak serve` processes built from this repository and configured as a user would.
//
// Up starts everything and waits until each part is healthy; Close stops only the processes it
// started and drops the databases it created. Each process can be killed and started again.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/firebreak-dev/firebreak/workflows"
)

// Namespace is the Temporal namespace the cluster's Firebreak processes use.
const Namespace = "default"

// The default topology: the counts and settings docker-compose.yml runs too.
const (
	DefaultFrontends       = 2
	DefaultHistories       = 2
	DefaultMatchings       = 1
	DefaultTemporalWorkers = 1
	DefaultWorkers         = 2
	DefaultServes          = 2
	DefaultHistoryShards   = 16
)

// Options configure a cluster. The zero value runs the production topology on the machine's
// PostgreSQL at 127.0.0.1:5432 as user postgres.
type Options struct {
	// Postgres is the PostgreSQL server's host:port; default 127.0.0.1:5432.
	Postgres string
	// PostgresUser is the role that creates and owns the databases; default postgres (trust
	// authentication, no password).
	PostgresUser string
	// Frontends, Histories, Matchings and TemporalWorkers count Temporal's services; defaults
	// DefaultFrontends and so on.
	Frontends, Histories, Matchings, TemporalWorkers int
	// Workers and Serves count Firebreak's `worker` and `serve` processes; defaults
	// DefaultWorkers and DefaultServes.
	Workers, Serves int
	// HistoryShards is the number of history shards; default DefaultHistoryShards. It cannot
	// change once the databases exist.
	HistoryShards int
	// FirebreakConfig is the configuration file given to Firebreak's processes (--config).
	FirebreakConfig string
	// Env is extra environment for Firebreak's processes, such as integration tokens.
	Env []string
	// WorkerNetns, when set, is a network namespace the last Firebreak worker runs in, so that
	// a test can cut it off from the cluster; WorkerHostIP is this host's address as seen from
	// the namespace and WorkerIP the worker's address in it. The balancer then listens on all
	// interfaces.
	WorkerNetns, WorkerHostIP, WorkerIP string
	// Dir holds configuration files and process logs; a new temporary directory when empty.
	Dir string
	// BinDir holds the built binaries; default the user cache directory's firebreak-cluster.
	BinDir string
	// Log receives progress lines; discarded when nil.
	Log io.Writer
}

func (o Options) withDefaults() (Options, error) {
	defaults := []struct {
		v *int
		d int
	}{
		{&o.Frontends, DefaultFrontends}, {&o.Histories, DefaultHistories}, {&o.Matchings, DefaultMatchings},
		{&o.TemporalWorkers, DefaultTemporalWorkers}, {&o.Workers, DefaultWorkers}, {&o.Serves, DefaultServes},
		{&o.HistoryShards, DefaultHistoryShards},
	}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.d
		}
	}
	if o.Postgres == "" {
		o.Postgres = "127.0.0.1:5432"
	}
	if o.PostgresUser == "" {
		o.PostgresUser = "postgres"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.FirebreakConfig == "" {
		return o, errors.New("cluster options: FirebreakConfig is required")
	}
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "firebreak-cluster-")
		if err != nil {
			return o, err
		}
		o.Dir = dir
	}
	if o.BinDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return o, err
		}
		o.BinDir = filepath.Join(cache, "firebreak-cluster")
	}
	return o, nil
}

// Cluster is a running topology.
type Cluster struct {
	opts     Options
	bins     binaries
	db       databases
	balancer *Balancer

	// Temporal holds Temporal's service processes, Workers and Serves Firebreak's.
	Temporal []*Process
	Workers  []*Process
	Serves   []*Process
}

// Up builds the binaries, creates the databases and their schemas, starts every process and
// waits until the cluster answers and every Firebreak process reports healthy. On error it
// stops what it started.
func Up(ctx context.Context, opts Options) (_ *Cluster, err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	start := time.Now()
	if c.bins, err = build(ctx, opts.BinDir, opts.Log); err != nil {
		return nil, err
	}
	c.logf("binaries ready in %s", time.Since(start).Round(time.Millisecond))
	if c.db, err = createDatabases(ctx, c.bins, opts); err != nil {
		return nil, err
	}
	c.logf("databases %s and %s ready", c.db.main, c.db.visibility)
	if err := c.startTemporal(ctx); err != nil {
		return nil, err
	}
	c.logf("temporal cluster answering at %s (%d processes)", c.FrontendAddr(), len(c.Temporal))
	if err := c.startFirebreak(ctx); err != nil {
		return nil, err
	}
	c.logf("firebreak healthy: %d workers, %d serve; up in %s", len(c.Workers), len(c.Serves), time.Since(start).Round(time.Millisecond))
	return c, nil
}

// FrontendAddr is the balancer's address in front of Temporal's frontends.
func (c *Cluster) FrontendAddr() string { return c.balancer.Addr() }

// ServeURLs are the base URLs of Firebreak's serve processes.
func (c *Cluster) ServeURLs() []string {
	var urls []string
	for _, p := range c.Serves {
		urls = append(urls, "http://"+p.Addr)
	}
	return urls
}

// Process returns the process with the given name, such as "history-1" or "firebreak-worker-2".
func (c *Cluster) Process(name string) *Process {
	for _, p := range slices.Concat(c.Temporal, c.Workers, c.Serves) {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Dial connects a Temporal client through the balancer.
func (c *Cluster) Dial(ctx context.Context) (client.Client, error) {
	return client.DialContext(ctx, client.Options{HostPort: c.FrontendAddr(), Namespace: Namespace})
}

// Bin is the path of a built binary: "firebreak", "temporal-server" or "temporal-sql-tool".
func (c *Cluster) Bin(name string) string { return filepath.Join(c.bins.dir, name) }

// Dir is the directory with the configuration files and each process's log.
func (c *Cluster) Dir() string { return c.opts.Dir }

// Close stops every process the cluster started (Firebreak's first), closes the balancer and
// drops the databases it created.
func (c *Cluster) Close() {
	for _, group := range [][]*Process{c.Serves, c.Workers, c.Temporal} {
		for _, p := range group {
			_ = p.Stop(5 * time.Second)
		}
	}
	if c.balancer != nil {
		_ = c.balancer.Close()
	}
	if c.db.main != "" {
		c.db.drop(context.Background(), c.bins, c.opts)
	}
}

func (c *Cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.opts.Log, "cluster: "+format+"\n", args...)
}

// startTemporal starts Temporal's services, each in its own process with its own ports, then
// the balancer, and waits until the namespace exists with Firebreak's search attributes.
func (c *Cluster) startTemporal(ctx context.Context) error {
	kinds := []struct {
		kind  string
		count int
	}{{"history", c.opts.Histories}, {"matching", c.opts.Matchings}, {"frontend", c.opts.Frontends}, {"worker", c.opts.TemporalWorkers}}
	var frontends []string
	dynamic := filepath.Join(c.opts.Dir, "dynamicconfig.yaml")
	if err := os.WriteFile(dynamic, []byte(DynamicConfig), 0o644); err != nil {
		return err
	}
	listen := "127.0.0.1:0"
	if c.opts.WorkerNetns != "" {
		listen = "0.0.0.0:0"
	}
	// The balancer's port is needed in the services' configuration (the cluster's RPC
	// address), so it listens first and learns its backends' addresses below.
	var err error
	c.balancer, err = NewBalancer(listen, nil)
	if err != nil {
		return err
	}
	balancerPort := c.balancer.listener.Addr().(*net.TCPAddr).Port
	for _, k := range kinds {
		for i := 1; i <= k.count; i++ {
			ports, err := freePorts(3)
			if err != nil {
				return err
			}
			name := fmt.Sprintf("%s-%d", k.kind, i)
			n := node{
				service: k.kind, grpc: ports[0], membership: ports[1], http: ports[2], frontendPort: balancerPort,
				shards: c.opts.HistoryShards, postgres: c.opts.Postgres, user: c.opts.PostgresUser,
				db: c.db, dynamicConfig: dynamic,
			}
			if k.kind == "frontend" {
				n.frontendPort = n.grpc
			}
			p := &Process{
				Name: name, Kind: k.kind, Addr: "127.0.0.1:" + strconv.Itoa(ports[0]),
				path: c.bins.temporal, args: []string{"start"},
				env: n.environ(), logPath: filepath.Join(c.opts.Dir, name+".log"),
			}
			if err := p.Start(); err != nil {
				return err
			}
			// Each process checks and updates the cluster's metadata record as it starts; two
			// starting at once can both try, and the loser exits. So they start one at a time.
			if err := p.waitListening(ctx); err != nil {
				return fmt.Errorf("%w\n%s", err, tail(p.Log(), 40))
			}
			c.Temporal = append(c.Temporal, p)
			if k.kind == "frontend" {
				frontends = append(frontends, p.Addr)
			}
		}
	}
	c.balancer.setBackends(frontends)
	return c.prepareNamespace(ctx)
}

// prepareNamespace registers the namespace and Firebreak's search attributes, as the README's
// production section tells an operator to do, and waits until the cluster answers.
func (c *Cluster) prepareNamespace(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var cl client.Client
	err := poll(ctx, "temporal frontend", func() (err error) {
		cl, err = client.DialContext(ctx, client.Options{HostPort: c.FrontendAddr(), Namespace: Namespace})
		return err
	})
	if err != nil {
		return err
	}
	defer cl.Close()
	err = poll(ctx, "namespace "+Namespace, func() error {
		_, err := cl.WorkflowService().RegisterNamespace(ctx, registerNamespace())
		var exists *serviceerror.NamespaceAlreadyExists
		if err == nil || errors.As(err, &exists) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return poll(ctx, "search attributes", func() error {
		list, err := cl.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: Namespace})
		if err != nil {
			return err
		}
		missing := map[string]enumspb.IndexedValueType{}
		for name, typ := range workflows.SearchAttributes() {
			if _, ok := list.GetCustomAttributes()[name]; !ok {
				missing[name] = typ
			}
		}
		if len(missing) == 0 {
			return nil
		}
		_, err = cl.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: Namespace, SearchAttributes: missing,
		})
		if err == nil {
			err = errors.New("search attributes added; checking")
		}
		return err
	})
}

// startFirebreak starts Firebreak's workers and serve processes against the balancer and waits
// until each reports healthy.
func (c *Cluster) startFirebreak(ctx context.Context) error {
	frontend := c.FrontendAddr()
	for i := 1; i <= c.opts.Workers; i++ {
		p, err := c.firebreakProcess(fmt.Sprintf("firebreak-worker-%d", i), "worker", frontend)
		if err != nil {
			return err
		}
		if i == c.opts.Workers && c.opts.WorkerNetns != "" {
			c.isolate(p)
		}
		c.Workers = append(c.Workers, p)
	}
	for i := 1; i <= c.opts.Serves; i++ {
		p, err := c.firebreakProcess(fmt.Sprintf("firebreak-serve-%d", i), "serve", frontend)
		if err != nil {
			return err
		}
		c.Serves = append(c.Serves, p)
	}
	for _, p := range slices.Concat(c.Workers, c.Serves) {
		if err := p.Start(); err != nil {
			return err
		}
	}
	for _, p := range slices.Concat(c.Workers, c.Serves) {
		if err := p.WaitHealthy(ctx); err != nil {
			return fmt.Errorf("%w\n%s", err, tail(p.Log(), 40))
		}
	}
	return nil
}

// firebreakProcess describes one Firebreak process, configured with flags, environment and the
// configuration file as a user would.
func (c *Cluster) firebreakProcess(name, command, frontend string) (*Process, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	httpAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	args := []string{"--address", frontend, command, "--namespace", Namespace, "--http", httpAddr, "--config", c.opts.FirebreakConfig}
	if command == "worker" {
		args = append(args, "--data-dir", filepath.Join(c.opts.Dir, name))
	}
	return &Process{
		Name: name, Kind: "firebreak-" + command, Addr: httpAddr,
		path: c.bins.firebreak, args: args, env: c.opts.Env,
		logPath: filepath.Join(c.opts.Dir, name+".log"),
	}, nil
}

// isolate moves a Firebreak worker into the options' network namespace: it reaches the
// balancer through the host's address on the namespace's link and serves /healthz on its own.
func (c *Cluster) isolate(p *Process) {
	port := c.balancer.listener.Addr().(*net.TCPAddr).Port
	_, httpPort, _ := net.SplitHostPort(p.Addr)
	p.Netns = c.opts.WorkerNetns
	p.Addr = net.JoinHostPort(c.opts.WorkerIP, httpPort)
	for i := range p.args {
		switch p.args[i] {
		case "--address":
			p.args[i+1] = net.JoinHostPort(c.opts.WorkerHostIP, strconv.Itoa(port))
		case "--http":
			p.args[i+1] = p.Addr
		}
	}
}

// WaitHealthy waits until a Firebreak process's /healthz answers 200, or a Temporal service
// process accepts connections.
func (p *Process) WaitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if p.Kind == "firebreak-worker" || p.Kind == "firebreak-serve" {
		return p.waitHealthy(ctx)
	}
	return p.waitListening(ctx)
}

// registerNamespace is the request for Firebreak's namespace: 30 days of retention, as the
// embedded server's default and docker-compose.yml give, so reviewers find resolved incidents.
func registerNamespace() *workflowservice.RegisterNamespaceRequest {
	return &workflowservice.RegisterNamespaceRequest{
		Namespace:                        Namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(720 * time.Hour),
	}
}

// freePorts returns n TCP ports that were free on 127.0.0.1 a moment ago, below 32768:
// Temporal's PostgreSQL schema keeps membership ports in a smallint column.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for attempt := 0; len(ports) < n; attempt++ {
		if attempt > 1000 {
			return nil, errors.New("no free port between 20000 and 32767")
		}
		port := 20000 + mathrand.IntN(12768)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	return ports, nil
}

// randomSuffix names this run's databases so that runs never share state.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, lines int) string {
	n := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			n++
			if n > lines {
				return s[i+1:]
			}
		}
	}
	return s
}
