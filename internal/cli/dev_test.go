package cli

import (
	"context"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/config"
)

func TestNewCmdDev(t *testing.T) {
	newCmd := func(f *Factory, runF func(context.Context, *DevOptions) error) *cobra.Command {
		f.StartDevServer = func(context.Context, DevServerSettings) (DevServer, error) { return nil, nil }
		return NewCmdDev(f, runF)
	}
	defaults := DevOptions{
		Server:   DevServerSettings{DataDir: ".firebreak", Port: 7233, UIPort: 8233, Retention: 30 * 24 * time.Hour},
		HTTPAddr: "127.0.0.1:8080",
	}
	withRetention := func(d time.Duration) DevOptions {
		o := defaults
		o.Server.Retention = d
		return o
	}
	testParse(t, newCmd, []parseCase[DevOptions]{
		{name: "defaults", want: defaults},
		{name: "retention in hours", args: []string{"--retention", "48h"}, want: withRetention(48 * time.Hour)},
		{name: "retention of exactly a day", args: []string{"--retention", "24h"}, want: withRetention(24 * time.Hour)},
		{name: "retention shorter than a day", args: []string{"--retention", "23h59m"}, wantErr: "--retention must be at least 24h"},
		{name: "retention that is not a duration", args: []string{"--retention", "30d"}, wantErr: "--retention"},
		{name: "port out of range", args: []string{"--port", "0"}, wantErr: "--port and --ui-port must be between 1 and 65535"},
	}, func(t *testing.T, o *DevOptions) {
		require.NotNil(t, o.Start)
		require.NotNil(t, o.Logger)
		o.IO, o.Logger, o.Start = IOStreams{}, nil, nil
	})
}

func TestDescribeIntake(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "nothing set", want: "on: none; off until a token, secret or routing key is set: alertmanager, generic, pagerduty, sns"},
		{name: "one token set", env: map[string]string{"FIREBREAK_GENERIC_TOKEN": "t"}, want: "on: generic; off until a token, secret or routing key is set: alertmanager, pagerduty, sns"},
		{name: "a routing key set", env: map[string]string{"FIREBREAK_PAGERDUTY_ROUTING_KEY": "k"}, want: "on: pagerduty; off until a token, secret or routing key is set: alertmanager, generic, sns"},
		{
			name: "everything set",
			env: map[string]string{
				"FIREBREAK_ALERTMANAGER_TOKEN": "a", "FIREBREAK_SNS_TOKEN": "s", "FIREBREAK_GENERIC_TOKEN": "g",
				"FIREBREAK_PAGERDUTY_ROUTING_KEY": "k",
			},
			want: "on: alertmanager, generic, pagerduty, sns",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"FIREBREAK_ALERTMANAGER_TOKEN", "FIREBREAK_SNS_TOKEN", "FIREBREAK_GENERIC_TOKEN", "FIREBREAK_GENERIC_HMAC_SECRET", "FIREBREAK_PAGERDUTY_ROUTING_KEY"} {
				t.Setenv(name, tt.env[name])
			}
			require.Equal(t, tt.want, describeIntake(config.Example()))
		})
	}
}
