// Command firebreak runs incident-response workflows on Temporal: the CLI, the worker and an
// embedded development server.
package main

import (
	"os"

	"github.com/firebreak-dev/firebreak/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, version, startDevServer))
}
