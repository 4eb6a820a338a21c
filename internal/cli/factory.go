// Package cli is Firebreak's command-line interface: one cobra command per file, each filling an
// options struct from its flags and handing it to a run function that does the work through the
// starter client or the policy evaluator and writes to the streams it was given.
package cli

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/starter"
)

// IOStreams are the standard streams a command reads from and writes to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Factory holds what commands share: the streams, the Temporal connection settings the root
// command's flags fill, and a constructor for the starter client that tests replace.
type Factory struct {
	IO     IOStreams
	Conn   temporalconn.Options
	UIURL  string
	Logger *slog.Logger
	// Starter returns a starter client over the Temporal connection; the default dials once,
	// on first use, with Conn.
	Starter func(ctx context.Context) (*starter.Client, error)
	// StartDevServer starts the embedded Temporal server for `firebreak dev`. The command sets it,
	// so that only the binary links the server and this package's tests stay light.
	StartDevServer func(ctx context.Context, s DevServerSettings) (DevServer, error)

	logLevel *slog.LevelVar

	dialOnce sync.Once
	temporal client.Client
	dialErr  error
}

// New returns a factory writing to io, whose Starter dials Temporal lazily with the settings the
// root command's flags put in Conn and UIURL.
func New(io IOStreams) *Factory {
	level := new(slog.LevelVar)
	f := &Factory{
		IO:       io,
		Logger:   slog.New(slog.NewTextHandler(io.ErrOut, &slog.HandlerOptions{Level: level})),
		logLevel: level,
	}
	f.Starter = func(ctx context.Context) (*starter.Client, error) {
		c, err := f.temporalClient(ctx)
		if err != nil {
			return nil, err
		}
		return &starter.Client{Temporal: c, Namespace: f.Conn.Namespace, UIURL: f.UIURL}, nil
	}
	return f
}

// temporalClient dials Temporal with f.Conn on the first call and returns the same client, or the
// same error, afterwards.
func (f *Factory) temporalClient(ctx context.Context) (client.Client, error) {
	f.dialOnce.Do(func() {
		f.temporal, f.dialErr = temporalconn.Dial(ctx, f.Conn.FromEnv(), f.Logger)
	})
	return f.temporal, f.dialErr
}

// close closes the Temporal client if one was dialled.
func (f *Factory) close() {
	if f.temporal != nil {
		f.temporal.Close()
	}
}
