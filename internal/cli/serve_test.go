package cli

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

func TestNewCmdServe(t *testing.T) {
	conn := temporalconn.Options{Address: "temporal:7233", Namespace: "ops", TLSCA: "ca.pem"}
	withKey := conn
	withKey.APIKey = "key-1"
	newCmd := func(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
		f.Conn = conn // as the root command's flags would fill it
		return NewCmdServe(f, runF)
	}
	t.Setenv(temporalconn.APIKeyEnv, "") // unless a case sets it
	testParse(t, newCmd, []parseCase[ServeOptions]{
		{
			name: "defaults",
			want: ServeOptions{Conn: conn, HTTPAddr: "127.0.0.1:8080"},
		},
		{
			name: "custom address and configuration, API key from the environment",
			args: []string{"--http", "0.0.0.0:9090", "--config", "firebreak.yaml"},
			env:  map[string]string{temporalconn.APIKeyEnv: "key-1"},
			want: ServeOptions{Conn: withKey, HTTPAddr: "0.0.0.0:9090", ConfigPath: "firebreak.yaml"},
		},
		{name: "positional argument", args: []string{"extra"}, wantErr: "unknown command"},
		{name: "unknown flag", args: []string{"--data-dir", "x"}, wantErr: "unknown flag: --data-dir"},
	}, func(t *testing.T, o *ServeOptions) {
		require.NotNil(t, o.Logger)
		o.IO, o.Logger = IOStreams{}, nil
	})
}

// TestServeRun covers the failures that come before serving; serving itself needs a Temporal
// server and is covered end to end.
func TestServeRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	tests := []struct {
		name    string
		opts    ServeOptions
		wantErr string
	}{
		{
			name:    "missing configuration file",
			opts:    ServeOptions{ConfigPath: missing, HTTPAddr: "127.0.0.1:0"},
			wantErr: missing,
		},
		{
			name:    "certificate without key",
			opts:    ServeOptions{Conn: temporalconn.Options{TLSCert: "c.pem"}, HTTPAddr: "127.0.0.1:0"},
			wantErr: "--tls-cert and --tls-key go together",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			o := tt.opts
			o.IO, o.Logger = io, New(io).Logger
			err := serveRun(context.Background(), &o)
			require.ErrorContains(t, err, tt.wantErr)
			require.Empty(t, out.String())
		})
	}
}
