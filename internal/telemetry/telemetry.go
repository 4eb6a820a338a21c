// Package telemetry collects Firebreak's Prometheus metrics: the Temporal SDK's own, the
// activities' counters, and incident counts read from Temporal's visibility at scrape time.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// Telemetry owns a Prometheus registry and the SDK metrics handler that reports into it.
type Telemetry struct {
	Registry *prometheus.Registry
	scope    tally.Scope
	closer   io.Closer
}

// New creates a registry with Go and process metrics and an SDK metrics handler bound to it;
// logger (nil discards) hears of metrics that could not be registered.
func New(logger *slog.Logger) *Telemetry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		Gatherer:         reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: []float64{
			0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
		},
		OnRegisterError: func(err error) { logger.Warn("register metric", "error", err) },
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	return &Telemetry{Registry: reg, scope: sdktally.NewPrometheusNamingScope(scope), closer: closer}
}

// MetricsHandler returns the handler to give the Temporal client, so that SDK metrics and the
// workflow's own (incidents opened, acknowledgement latency) reach the registry.
func (t *Telemetry) MetricsHandler() client.MetricsHandler {
	return sdktally.NewMetricsHandler(t.scope)
}

// Handler serves the registry in the Prometheus text format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{Registry: t.Registry})
}

// Close flushes and stops the SDK metrics scope.
func (t *Telemetry) Close() error { return t.closer.Close() }

// IncidentCounter counts incidents with a given status and severity.
type IncidentCounter interface {
	CountIncidents(ctx context.Context, status, severity string) (int64, error)
}

// incidentCollector reports incidents by severity and status from Temporal's visibility, so the
// figure is the same whichever worker is scraped and survives restarts.
type incidentCollector struct {
	counter IncidentCounter
	desc    *prometheus.Desc
	errors  prometheus.Counter
}

// RegisterIncidentCounts adds the firebreak_incidents gauge, read through counter at each scrape.
func (t *Telemetry) RegisterIncidentCounts(counter IncidentCounter) error {
	c := &incidentCollector{
		counter: counter,
		desc: prometheus.NewDesc("firebreak_incidents", "Incidents by severity and status, from Temporal's visibility.",
			[]string{"severity", "status"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "firebreak_incident_count_errors_total",
			Help: "Visibility queries for firebreak_incidents that failed.",
		}),
	}
	if err := t.Registry.Register(c.errors); err != nil {
		return err
	}
	return t.Registry.Register(c)
}

func (c *incidentCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *incidentCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, severity := range []string{"sev1", "sev2", "sev3"} {
		for _, status := range []string{"triggered", "acknowledged", "resolved"} {
			n, err := c.counter.CountIncidents(ctx, status, severity)
			if err != nil {
				c.errors.Inc()
				continue
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), severity, status)
		}
	}
}
