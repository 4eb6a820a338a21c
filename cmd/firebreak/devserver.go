package main

import (
	"context"

	"github.com/firebreak-dev/firebreak/internal/cli"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/workflows"
)

// startDevServer starts the embedded Temporal server with Firebreak's search attributes.
func startDevServer(ctx context.Context, s cli.DevServerSettings) (cli.DevServer, error) {
	return devserver.Start(ctx, devserver.Options{
		DataDir:          s.DataDir,
		Ephemeral:        s.Ephemeral,
		Port:             s.Port,
		UIPort:           s.UIPort,
		Retention:        s.Retention,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           s.Logger,
	})
}
