package cli

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

// DevServer is the embedded Temporal server and Web UI that `firebreak dev` runs.
type DevServer interface {
	FrontendAddress() string
	Namespace() string
	UIURL() string
	Stop() error
}

// DevServerSettings configure the embedded server.
type DevServerSettings struct {
	DataDir   string // SQLite file and its lock live here unless Ephemeral
	Ephemeral bool
	Port      int           // frontend gRPC port
	UIPort    int           // Web UI port
	Retention time.Duration // how long the namespace keeps closed workflows
	Logger    *slog.Logger
}

// minRetention is Temporal's minimum namespace retention.
const minRetention = 24 * time.Hour

// DevOptions are the settings of `firebreak dev`.
type DevOptions struct {
	IO         IOStreams
	Logger     *slog.Logger
	Start      func(ctx context.Context, s DevServerSettings) (DevServer, error)
	Server     DevServerSettings
	HTTPAddr   string
	ConfigPath string
}

// NewCmdDev returns `firebreak dev`: a real Temporal server in-process with its Web UI, the worker
// and Firebreak's HTTP server, on one machine with nothing to install.
func NewCmdDev(f *Factory, runF func(context.Context, *DevOptions) error) *cobra.Command {
	opts := &DevOptions{IO: f.IO, Logger: f.Logger}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run Firebreak with an embedded Temporal server and Web UI",
		Long: "Run a real Temporal server in-process (SQLite under --data-dir, or in memory with " +
			"--ephemeral) with its Web UI, a Firebreak worker, and Firebreak's HTTP server. Incidents and their deadlines " +
			"survive a restart on the same data directory, which one firebreak dev at a time may use. Stop with Ctrl-C.\n\n" +
			endpointsHelp,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Start = f.StartDevServer
			if opts.Start == nil {
				return fmt.Errorf("this build of firebreak has no embedded server")
			}
			if opts.Server.Port < 1 || opts.Server.Port > 65535 || opts.Server.UIPort < 1 || opts.Server.UIPort > 65535 {
				return usageErrorf("--port and --ui-port must be between 1 and 65535")
			}
			if opts.Server.Retention < minRetention {
				return usageErrorf("--retention must be at least 24h, Temporal's minimum")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return devRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Server.DataDir, "data-dir", ".firebreak", "`directory` for the SQLite database and the tracking log")
	fl.BoolVar(&opts.Server.Ephemeral, "ephemeral", false, "keep everything in memory; nothing survives a restart")
	fl.IntVar(&opts.Server.Port, "port", 7233, "Temporal frontend `port`")
	fl.IntVar(&opts.Server.UIPort, "ui-port", 8233, "Temporal Web UI `port`")
	fl.DurationVar(&opts.Server.Retention, "retention", 30*24*time.Hour, "how long closed incidents stay in Temporal (`duration`, at least 24h)")
	fl.StringVar(&opts.HTTPAddr, "http", "127.0.0.1:8080", "Firebreak HTTP `address` (alert webhooks, status page, /healthz, /metrics)")
	fl.StringVar(&opts.ConfigPath, "config", "", "configuration `file`; the built-in example when empty")
	return cmd
}

func devRun(ctx context.Context, opts *DevOptions) error {
	// Everything is checked before the server starts: a problem is reported at once, with its
	// file and line, not after Temporal is up.
	cfg, err := preflight{
		ConfigPath: opts.ConfigPath, Secrets: config.NotifierSecrets | config.IntakeSecrets, Lookup: os.LookupEnv,
	}.run(ctx)
	if err != nil {
		return err
	}
	trackingDir := filepath.Join(opts.Server.DataDir, "incidents")
	if opts.Server.Ephemeral {
		dir, err := os.MkdirTemp("", "firebreak-incidents-")
		if err != nil {
			return fmt.Errorf("create tracking directory: %w", err)
		}
		defer os.RemoveAll(dir)
		trackingDir = dir
	} else if err := os.MkdirAll(opts.Server.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	opts.Server.Logger = opts.Logger
	srv, err := opts.Start(ctx, opts.Server)
	if err != nil {
		return fmt.Errorf("start Temporal server: %w", err)
	}
	defer srv.Stop()
	cfg.UIURL = srv.UIURL()

	svc, stop, err := runService(ctx, temporalconn.Options{Address: srv.FrontendAddress(), Namespace: srv.Namespace()},
		service.Options{Config: cfg, TrackingDir: trackingDir, HTTPAddr: opts.HTTPAddr, Console: opts.IO.Out,
			Logger: opts.Logger, Worker: true, Alerts: true})
	if err != nil {
		return err
	}
	defer stop()

	storage := "in memory (--ephemeral)"
	if !opts.Server.Ephemeral {
		storage = filepath.Join(opts.Server.DataDir, "temporal.db")
	}
	fmt.Fprintf(opts.IO.Out, `Firebreak is running. Stop it with Ctrl-C.
  Temporal frontend  %s (namespace %s)
  Temporal Web UI    %s
  Firebreak HTTP     http://%s
%s  Alert webhooks     %s
  Storage            %s
  Configuration      %s

Start an incident:
  firebreak incident start --service checkout --title "Checkout errors" --impact customers=some
`, srv.FrontendAddress(), srv.Namespace(), srv.UIURL(), svc.HTTPAddr(), describeEndpoints(cfg), describeIntake(cfg), storage,
		describeConfig(opts.ConfigPath))
	<-ctx.Done()
	fmt.Fprintln(opts.IO.Out, "Stopping: draining the worker.")
	return nil
}

// runService dials Temporal with metrics and starts the service opts describes; it fills opts'
// client, namespace and telemetry. stop drains the service and closes the client.
func runService(ctx context.Context, conn temporalconn.Options, opts service.Options) (*service.Service, func(), error) {
	logger := opts.Logger
	tel := telemetry.New(logger)
	conn.MetricsHandler = tel.MetricsHandler()
	c, err := temporalconn.Dial(ctx, conn, logger)
	if err != nil {
		return nil, nil, err
	}
	opts.Client, opts.Namespace, opts.Telemetry = c, conn.Namespace, tel
	svc, err := service.Start(ctx, opts)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	stop := func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := svc.Stop(shutdown); err != nil {
			logger.Warn("stop service", "error", err)
		}
		c.Close()
		tel.Close()
	}
	return svc, stop, nil
}

// loadConfig loads the configuration file, or the built-in example when path is empty.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Example(), nil
	}
	return config.Load(path)
}

// describeIntake names the alert integrations that accept alerts and those that stay off until
// a token, secret or routing key of theirs is set.
func describeIntake(cfg *config.Config) string {
	enabled := cfg.EnabledIntegrations(os.LookupEnv)
	var off []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Alerts.Integrations)) {
		if !slices.Contains(enabled, name) {
			off = append(off, name)
		}
	}
	on := "none"
	if len(enabled) > 0 {
		on = strings.Join(enabled, ", ")
	}
	if len(off) == 0 {
		return "on: " + on
	}
	return fmt.Sprintf("on: %s; off until a token, secret or routing key is set: %s", on, strings.Join(off, ", "))
}

// endpointsHelp lists Firebreak's HTTP endpoints for `serve --help` and `dev --help`.
const endpointsHelp = "Endpoints:\n" +
	"  POST /v1/alerts/alertmanager, /v1/alerts/sns, /v1/alerts/generic  alert webhooks (bearer token, or HMAC for generic)\n" +
	"  POST /v2/enqueue                 PagerDuty Events API v2 (routing key)\n" +
	"  POST /v1/heartbeats/NAME         heartbeat pings\n" +
	"  GET  /status                     public status page (HTML, reloads itself)\n" +
	"  GET  /status.json                the public status as JSON\n" +
	"  GET  /status/feed.atom           the public updates as an Atom feed\n" +
	"  GET  /status/internal[.json]     every open incident with roles, responders and timeline\n" +
	"                                   (the bearer token of status_page.internal_integration)\n" +
	"  GET  /healthz, /metrics          health and Prometheus metrics\n"

// describeEndpoints lists the HTTP endpoints for the start-up banner, one per line.
func describeEndpoints(cfg *config.Config) string {
	return fmt.Sprintf("    alert webhooks   POST /v1/alerts/alertmanager, /v1/alerts/sns, /v1/alerts/generic, /v2/enqueue (PagerDuty), /v1/heartbeats/NAME\n"+
		"    status page      GET /status, /status.json, /status/feed.atom; /status/internal with the %s integration's token\n"+
		"    operations       GET /healthz, /metrics\n", cfg.StatusPage.InternalIntegration)
}

func describeConfig(path string) string {
	if path == "" {
		return "built-in example (services checkout, search, reports)"
	}
	return path
}
