// Package service runs one Firebreak process against a Temporal client: the worker that executes
// incident workflows and activities, the alert webhooks, or both, behind one HTTP server with
// health and metrics.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/worker"
)

// Options configure a Service.
type Options struct {
	Client    client.Client
	Namespace string
	Config    *config.Config
	// TrackingDir is where the built-in tracking log writes incident documents.
	TrackingDir string
	// HTTPAddr is the address the HTTP server listens on; "127.0.0.1:0" picks a free port.
	HTTPAddr string
	// Telemetry is the registry the client's metrics handler reports into.
	Telemetry *telemetry.Telemetry
	// Console receives the console notifier's output; nil means standard output.
	Console io.Writer
	Logger  *slog.Logger
	// Worker runs a worker on the firebreak task queue.
	Worker bool
	// Alerts serves the alert webhooks under /v1/alerts/.
	Alerts bool
	// SNSClient fetches SNS signing certificates and confirms subscriptions; nil means a client
	// with a 10-second timeout.
	SNSClient *http.Client
}

// Service is a running worker and HTTP server.
type Service struct {
	worker   sdkworker.Worker // nil unless Options.Worker
	server   *http.Server
	listener net.Listener
	served   chan error
	logger   *slog.Logger
}

// Start compiles the policies (a broken policy stops start-up with its file and line), starts the
// worker if asked and begins serving HTTP.
func Start(ctx context.Context, opts Options) (*Service, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	evaluator, err := policies.Load(ctx, opts.Config.Policies)
	if err != nil {
		return nil, err
	}
	incidents := &starter.Client{Temporal: opts.Client, Namespace: opts.Namespace, UIURL: opts.Config.UIURL}
	if err := opts.Telemetry.RegisterIncidentCounts(incidents); err != nil {
		return nil, fmt.Errorf("register incident metrics: %w", err)
	}
	mux := http.NewServeMux()
	health := NewHealth(HealthOptions{Temporal: opts.Client, RequireWorker: opts.Worker})
	mux.Handle("/", NewHandler(health, opts.Telemetry.Handler()))
	if opts.Alerts {
		snsClient := opts.SNSClient
		if snsClient == nil {
			snsClient = &http.Client{Timeout: 10 * time.Second}
		}
		mux.Handle("/v1/alerts/", ingest.NewHandler(ingest.Options{
			Config:    opts.Config,
			Router:    &ingest.Router{Policies: evaluator, Config: opts.Config},
			Submitter: &ingest.Submitter{Temporal: opts.Client},
			SNS:       alerts.NewSNSVerifier(snsClient),
			Logger:    logger,
		}))
	}
	var w sdkworker.Worker
	if opts.Worker {
		acts, err := worker.NewActivities(worker.Settings{
			Config: opts.Config, Policies: evaluator, Namespace: opts.Namespace, TrackingDir: opts.TrackingDir,
			Console: opts.Console, Logger: logger, Registry: opts.Telemetry.Registry,
		})
		if err != nil {
			return nil, err
		}
		w = worker.New(opts.Client, acts)
	}
	listener, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.HTTPAddr, err)
	}
	if w != nil {
		if err := w.Start(); err != nil {
			listener.Close()
			return nil, fmt.Errorf("start worker: %w", err)
		}
	}
	s := &Service{
		worker:   w,
		listener: listener,
		served:   make(chan error, 1),
		logger:   logger,
		server:   &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() { s.served <- s.server.Serve(listener) }()
	return s, nil
}

// HTTPAddr returns the address the HTTP server listens on.
func (s *Service) HTTPAddr() string { return s.listener.Addr().String() }

// Stop shuts the HTTP server down, so no new alerts arrive, then drains the worker, letting
// running activities finish.
func (s *Service) Stop(ctx context.Context) error {
	err := s.server.Shutdown(ctx)
	if s.worker != nil {
		s.worker.Stop()
	}
	if serveErr := <-s.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

// NewHandler serves /healthz from health (see Health) and /metrics from metrics.
func NewHandler(health, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /metrics", metrics)
	return mux
}
