package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// versionOptions are the inputs of version.
type versionOptions struct {
	IO      IOStreams
	Version string
}

// newCmdVersion returns version; runF replaces versionRun in tests.
func newCmdVersion(f *Factory, version string, runF func(context.Context, *versionOptions) error) *cobra.Command {
	opts := &versionOptions{IO: f.IO, Version: version}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of firebreak",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return versionRun(cmd.Context(), opts)
		},
	}
}

// versionRun prints the version and the Go version it was built with.
func versionRun(_ context.Context, opts *versionOptions) error {
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	_, err := fmt.Fprintf(opts.IO.Out, "firebreak %s\n%s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
