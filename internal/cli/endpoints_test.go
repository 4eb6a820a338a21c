package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/config"
)

// everyEndpoint is every path `firebreak serve` and `firebreak dev` answer on.
var everyEndpoint = []string{
	"/v1/alerts/alertmanager", "/v1/alerts/sns", "/v1/alerts/generic", "/v2/enqueue", "/v1/heartbeats/NAME",
	"/status", "/status.json", "/status/feed.atom", "/status/internal", "/healthz", "/metrics",
}

func TestHelpAndBannerListEveryEndpoint(t *testing.T) {
	io, _, _ := testIO("")
	f, _ := mockFactory(t, io)
	serve := NewCmdServe(f, func(context.Context, *ServeOptions) error { return nil })
	dev := NewCmdDev(f, func(context.Context, *DevOptions) error { return nil })
	banner := describeEndpoints(config.Example())
	for _, path := range everyEndpoint {
		require.Contains(t, serve.Long, path, "serve --help")
		require.Contains(t, dev.Long, path, "dev --help")
		if path != "/status/internal" {
			require.Contains(t, banner, path, "the start-up banner")
		}
	}
	require.Contains(t, banner, "/status/internal with the generic integration's token")
}
