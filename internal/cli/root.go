package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Environment variables that set the defaults of the root command's connection flags.
const (
	EnvAddress   = "FIREBREAK_ADDRESS"
	EnvNamespace = "FIREBREAK_NAMESPACE"
	EnvUIURL     = "FIREBREAK_UI_URL"
)

// NewCmdRoot returns the firebreak command with every subcommand. Its persistent flags fill
// f.Conn and f.UIURL, so subcommands read them only once they run.
func NewCmdRoot(f *Factory, version string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "firebreak",
		Short: "Run and respond to incidents on Temporal",
		Long: "Firebreak carries each incident through detection, triage, escalation and resolution as " +
			"a durable Temporal workflow. Start and act on incidents, check policies, or run the worker " +
			"and a local development server.",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          groupRunE,
	}
	cmd.SetVersionTemplate("firebreak {{.Version}}\n")
	cmd.SetFlagErrorFunc(flagError)

	fl := cmd.PersistentFlags()
	fl.StringVar(&f.Conn.Address, "address", envOr(EnvAddress, "127.0.0.1:7233"), "Temporal frontend `host:port` (env "+EnvAddress+")")
	fl.StringVar(&f.Conn.Namespace, "namespace", envOr(EnvNamespace, "default"), "Temporal `namespace` (env "+EnvNamespace+")")
	fl.StringVar(&f.UIURL, "ui-url", envOr(EnvUIURL, "http://localhost:8233"), "Temporal Web UI base `URL` for links (env "+EnvUIURL+")")
	fl.StringVar(&f.Conn.TLSCert, "tls-cert", "", "client certificate `file` (PEM) for mutual TLS, with --tls-key")
	fl.StringVar(&f.Conn.TLSKey, "tls-key", "", "client private key `file` (PEM) for mutual TLS")
	fl.StringVar(&f.Conn.TLSCA, "tls-ca", "", "CA bundle `file` (PEM) to verify the server; system roots when empty")
	fl.StringVar(&f.Conn.TLSServer, "tls-server-name", "", "server `name` to verify, when it differs from the address")
	if f.logLevel != nil {
		fl.Var(levelFlag{f.logLevel}, "log-level", "log `level`: debug, info, warn or error")
	}

	cmd.AddCommand(
		newCmdIncident(f),
		newCmdPolicy(f),
		newCmdVersion(f, version, nil),
		NewCmdDev(f, nil),
		NewCmdWorker(f, nil),
		NewCmdServe(f, nil),
		newCmdAlert(f),
		newCmdRunbook(f),
		newCmdOncall(f, nil),
		newCmdSchedule(f),
		newCmdReport(f, nil),
	)
	return cmd
}

// Main runs the firebreak command with args, cancelling its context on SIGINT or SIGTERM. It
// prints an error as one line on io.ErrOut, or a list of problems (errors joined with
// errors.Join, such as a configuration's) as one line each, with control characters escaped, and
// returns the process exit code: 0 on success, 2 for a usage error (bad flags or arguments), 1
// for anything else. startDevServer runs the embedded Temporal server for `firebreak dev`; the
// binary passes it so only the binary links the server.
func Main(args []string, io IOStreams, version string, startDevServer func(context.Context, DevServerSettings) (DevServer, error)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f := New(io)
	f.StartDevServer = startDevServer
	defer f.close()
	cmd := NewCmdRoot(f, version)
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	cmd.SetArgs(args)
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)

	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = errors.New("interrupted")
	}
	for _, line := range errorLines(err) {
		fmt.Fprintf(io.ErrOut, "firebreak: %s\n", line)
	}
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// errorLines returns one line for err, or one for each error it joins (recursively).
func errorLines(err error) []string {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{oneLine(err.Error())}
	}
	var lines []string
	for _, e := range joined.Unwrap() {
		if e != nil {
			lines = append(lines, errorLines(e)...)
		}
	}
	return lines
}

// oneLine joins a multi-line message into one line, showing control characters escaped so
// that text from a file or a server cannot drive the terminal.
func oneLine(msg string) string {
	var parts []string
	for line := range strings.Lines(msg) {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return safetext.Line(strings.Join(parts, "; "))
}

// usageError marks an error in the command line itself, which Main reports with exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usageErrorf returns a usage error with a formatted message.
func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// flagError marks a flag that does not parse as a usage error.
func flagError(_ *cobra.Command, err error) error { return usageError{err} }

// usageArgs makes a positional-argument check return usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// groupRunE is the run function of a command that only groups subcommands: it shows help, or
// rejects an unknown subcommand.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return cmd.Help()
}

// envOr returns the environment variable's value, or fallback when it is unset or empty.
func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// levelFlag is a --log-level flag that sets a slog level as it is parsed.
type levelFlag struct{ level *slog.LevelVar }

func (l levelFlag) String() string {
	if l.level == nil {
		return "info"
	}
	return strings.ToLower(l.level.Level().String())
}

func (l levelFlag) Set(s string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("use debug, info, warn or error")
	}
	l.level.Set(level)
	return nil
}

func (l levelFlag) Type() string { return "level" }
