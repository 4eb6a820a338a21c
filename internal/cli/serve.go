package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/service"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

// ServeOptions are the settings of `firebreak serve`.
type ServeOptions struct {
	IO         IOStreams
	Logger     *slog.Logger
	Conn       temporalconn.Options
	HTTPAddr   string
	ConfigPath string
}

// NewCmdServe returns `firebreak serve`: the stateless HTTP front that takes alert webhooks and
// signals incidents on an existing Temporal cluster, with no worker. Run as many as needed.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Logger: f.Logger}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the alert webhooks and the status page against a Temporal cluster",
		Long: "Serve Firebreak's HTTP endpoints on an existing Temporal cluster, starting and signalling " +
			"incidents; run `firebreak worker` beside it to carry them.\n\n" + endpointsHelp + "\n" +
			"Connect with " +
			"--address and --namespace, mutual TLS with --tls-cert, --tls-key and --tls-ca, or an API " +
			"key in $" + temporalconn.APIKeyEnv + ". Every environment variable the configuration names for " +
			"a token or secret must be set, and at least one integration must have one, or serve refuses to " +
			"start. The server keeps no state: run as many copies as needed behind a load balancer. " +
			"/healthz answers JSON: 200 while Temporal answers, with status \"degraded\" when no worker polls " +
			"the firebreak task queue (alerts are still stored, but nothing pages); 503 when Temporal does not answer.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Conn = f.Conn.FromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.HTTPAddr, "http", "127.0.0.1:8080", "HTTP `address` for the alert webhooks, the status page, /healthz and /metrics")
	fl.StringVar(&opts.ConfigPath, "config", "", "configuration `file`; the built-in example when empty")
	return cmd
}

// serveRun serves the alert webhooks until ctx is done.
func serveRun(ctx context.Context, opts *ServeOptions) error {
	// Everything is checked before connecting: a problem is reported at once, with its file and
	// line, and nothing starts.
	_, connErr := opts.Conn.ClientOptions(nil)
	cfg, err := preflight{
		ConfigPath: opts.ConfigPath, Secrets: config.IntakeSecrets, Intake: true, Lookup: os.LookupEnv,
	}.run(ctx)
	if err := errors.Join(connErr, err); err != nil {
		return err
	}
	svc, stop, err := runService(ctx, opts.Conn, service.Options{
		Config: cfg, HTTPAddr: opts.HTTPAddr, Console: opts.IO.Out, Logger: opts.Logger, Alerts: true,
	})
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(opts.IO.Out, "Firebreak for Temporal at %s (namespace %s), serving http://%s:\n%s",
		opts.Conn.Address, opts.Conn.Namespace, svc.HTTPAddr(), describeEndpoints(cfg))
	<-ctx.Done()
	fmt.Fprintln(opts.IO.Out, "Stopping.")
	return nil
}
