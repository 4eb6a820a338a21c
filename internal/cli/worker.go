package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

// WorkerOptions are the settings of `firebreak worker`.
type WorkerOptions struct {
	IO         IOStreams
	Logger     *slog.Logger
	Conn       temporalconn.Options
	HTTPAddr   string
	ConfigPath string
	DataDir    string
}

// NewCmdWorker returns `firebreak worker`: a stateless worker against an existing Temporal
// cluster. Run as many as needed.
func NewCmdWorker(f *Factory, runF func(context.Context, *WorkerOptions) error) *cobra.Command {
	opts := &WorkerOptions{IO: f.IO, Logger: f.Logger}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a Firebreak worker against a Temporal cluster",
		Long: "Run a worker on the firebreak task queue of an existing Temporal cluster, with an HTTP " +
			"server for /healthz and /metrics. Connect with --address and --namespace, mutual TLS with " +
			"--tls-cert, --tls-key and --tls-ca, or an API key in $" + temporalconn.APIKeyEnv + ". The " +
			"namespace needs Firebreak's search attributes (see the README). Workers keep no state: run " +
			"as many as needed. /healthz answers JSON, 503 when no worker polls the task queue or Temporal " +
			"does not answer.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Conn = f.Conn.FromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return workerRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.HTTPAddr, "http", "127.0.0.1:8080", "HTTP `address` for /healthz and /metrics")
	fl.StringVar(&opts.ConfigPath, "config", "", "configuration `file`; the built-in example when empty")
	fl.StringVar(&opts.DataDir, "data-dir", ".firebreak", "`directory` for the tracking log")
	return cmd
}

func workerRun(ctx context.Context, opts *WorkerOptions) error {
	// Everything is checked before connecting: a problem is reported at once, with its file and
	// line, and nothing starts.
	_, connErr := opts.Conn.ClientOptions(nil)
	cfg, err := preflight{ConfigPath: opts.ConfigPath, Secrets: config.NotifierSecrets, Lookup: os.LookupEnv}.run(ctx)
	if err := errors.Join(connErr, err); err != nil {
		return err
	}
	svc, stop, err := runService(ctx, opts.Conn, service.Options{
		Config: cfg, TrackingDir: filepath.Join(opts.DataDir, "incidents"), HTTPAddr: opts.HTTPAddr,
		Console: opts.IO.Out, Logger: opts.Logger, Worker: true,
	})
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(opts.IO.Out, "Firebreak worker on task queue firebreak at %s (namespace %s); HTTP on %s.\n",
		opts.Conn.Address, opts.Conn.Namespace, svc.HTTPAddr())
	<-ctx.Done()
	fmt.Fprintln(opts.IO.Out, "Stopping: draining the worker.")
	return nil
}
