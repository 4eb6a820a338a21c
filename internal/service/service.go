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

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/telemetry"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/starter/statuspage"
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
	// Worker runs the workers of the firebreak and firebreak-runbooks task queues.
	Worker bool
	// Alerts serves the alert webhooks under /v1/alerts/, and the status page under /status
	// (starter/statuspage).
	Alerts bool
	// SNSClient fetches SNS signing certificates and confirms subscriptions; nil means a client
	// with a 10-second timeout.
	SNSClient *http.Client
	// HTTP bounds the HTTP server against slow and numerous clients; its zero value is the
	// defaults.
	HTTP HTTPLimits
}

// Defaults of HTTPLimits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
)

// HTTPLimits bound the HTTP server. A zero field takes its default; a negative one is an error.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds the time to read a request's headers; default 10s. A client that
	// trickles its headers is cut off when it passes.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time to read a whole request, body included; default 30s. A client
	// that trickles its body is cut off when it passes.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of a request's headers to the end of its answer;
	// default 60s, which leaves a request that took the whole ReadTimeout time for Temporal (5s)
	// and an SNS certificate fetch and subscription confirmation (10s each).
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection waits for its next request; default
	// 120s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers; default 32 KiB.
	MaxHeaderBytes int
	// MaxUnauthenticated bounds the alert requests being authenticated at once (signed
	// requests, whose body is read before their signature can be checked); beyond it they are
	// answered 503 with Retry-After. Default ingest.DefaultMaxUnauthenticated.
	MaxUnauthenticated int
}

// withDefaults returns l with every zero field set to its default, or an error naming a negative
// one.
func (l HTTPLimits) withDefaults() (HTTPLimits, error) {
	for _, d := range []struct {
		name  string
		value *time.Duration
		def   time.Duration
	}{
		{"ReadHeaderTimeout", &l.ReadHeaderTimeout, DefaultReadHeaderTimeout},
		{"ReadTimeout", &l.ReadTimeout, DefaultReadTimeout},
		{"WriteTimeout", &l.WriteTimeout, DefaultWriteTimeout},
		{"IdleTimeout", &l.IdleTimeout, DefaultIdleTimeout},
	} {
		if *d.value < 0 {
			return l, fmt.Errorf("check HTTP limits: %s must not be negative, got %s", d.name, *d.value)
		}
		if *d.value == 0 {
			*d.value = d.def
		}
	}
	if l.MaxHeaderBytes < 0 || l.MaxUnauthenticated < 0 {
		return l, fmt.Errorf("check HTTP limits: MaxHeaderBytes and MaxUnauthenticated must not be negative")
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxUnauthenticated == 0 {
		l.MaxUnauthenticated = ingest.DefaultMaxUnauthenticated
	}
	return l, nil
}

// Service is a running worker and HTTP server.
type Service struct {
	worker   *worker.Workers // nil unless Options.Worker
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
	limits, err := opts.HTTP.withDefaults()
	if err != nil {
		return nil, err
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
		webhooks := ingest.NewHandler(ingest.Options{
			Config:    opts.Config,
			Router:    &ingest.Router{Policies: policies.NewMemo(evaluator, ingest.RememberedRoutes), Config: opts.Config},
			Submitter: &ingest.Submitter{Temporal: opts.Client},
			SNS:       alerts.NewSNSVerifier(snsClient),
			Logger:    logger,

			MaxUnauthenticated: limits.MaxUnauthenticated,
		})
		mux.Handle("/v1/alerts/", webhooks)
		mux.Handle("/v1/heartbeats/", webhooks)
		mux.Handle("/v2/enqueue", webhooks)
		status, err := statuspage.New(statuspage.Options{
			Config: opts.Config, Reader: &statuspage.TemporalReader{Client: opts.Client, Namespace: opts.Namespace}, Logger: logger,
		})
		if err != nil {
			return nil, err
		}
		for _, path := range statuspage.Paths() {
			mux.Handle(path, status)
		}
	}
	var w *worker.Workers
	if opts.Worker {
		acts, err := worker.NewActivities(worker.Settings{
			Config: opts.Config, Policies: evaluator, Namespace: opts.Namespace, TrackingDir: opts.TrackingDir,
			Console: opts.Console, Logger: logger, Registry: opts.Telemetry.Registry, Temporal: opts.Client,
		})
		if err != nil {
			return nil, err
		}
		w = worker.New(opts.Client, acts)
		if err := worker.AddRunbooks(ctx, w, acts, worker.RunbookSettings{Logger: logger}); err != nil {
			return nil, err
		}
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
		server: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: limits.ReadHeaderTimeout,
			ReadTimeout:       limits.ReadTimeout,
			WriteTimeout:      limits.WriteTimeout,
			IdleTimeout:       limits.IdleTimeout,
			MaxHeaderBytes:    limits.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
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
