// Package service runs one Firebreak process against a Temporal client: the worker that executes
// incident workflows and activities, and the HTTP server with health and metrics.
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
	"github.com/firebreak-dev/firebreak/starter"
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
}

// Service is a running worker and HTTP server.
type Service struct {
	worker   sdkworker.Worker
	server   *http.Server
	listener net.Listener
	served   chan error
	logger   *slog.Logger
}

// Start compiles the policies (a broken policy stops start-up with its file and line), starts the
// worker and begins serving HTTP.
func Start(ctx context.Context, opts Options) (*Service, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	acts, err := worker.NewActivities(ctx, worker.Settings{
		Config: opts.Config, Namespace: opts.Namespace, TrackingDir: opts.TrackingDir,
		Console: opts.Console, Logger: logger, Registry: opts.Telemetry.Registry,
	})
	if err != nil {
		return nil, err
	}
	incidents := &starter.Client{Temporal: opts.Client, Namespace: opts.Namespace, UIURL: opts.Config.UIURL}
	if err := opts.Telemetry.RegisterIncidentCounts(incidents); err != nil {
		return nil, fmt.Errorf("register incident metrics: %w", err)
	}
	listener, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.HTTPAddr, err)
	}
	w := worker.New(opts.Client, acts)
	if err := w.Start(); err != nil {
		listener.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	s := &Service{
		worker:   w,
		listener: listener,
		served:   make(chan error, 1),
		logger:   logger,
		server: &http.Server{
			Handler:           NewHandler(opts.Client, opts.Telemetry.Handler()),
			ReadHeaderTimeout: 10 * time.Second,
		},
	}
	go func() { s.served <- s.server.Serve(listener) }()
	return s, nil
}

// HTTPAddr returns the address the HTTP server listens on.
func (s *Service) HTTPAddr() string { return s.listener.Addr().String() }

// Stop drains the worker, letting running activities finish, then shuts the HTTP server down.
func (s *Service) Stop(ctx context.Context) error {
	s.worker.Stop()
	err := s.server.Shutdown(ctx)
	if serveErr := <-s.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

// HealthChecker is the part of the Temporal client the health check uses.
type HealthChecker interface {
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
}

// NewHandler serves /healthz (200 when Temporal answers, 503 when it does not) and /metrics.
func NewHandler(temporal HealthChecker, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "temporal unreachable: %v\n", err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", metrics)
	return mux
}
