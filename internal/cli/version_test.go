package cli

import (
	"context"
	"runtime"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
)

func TestNewCmdVersion(t *testing.T) {
	newCmd := func(f *Factory, runF func(context.Context, *versionOptions) error) *cobra.Command {
		return newCmdVersion(f, "1.2.3", runF)
	}
	testParse(t, newCmd, []parseCase[versionOptions]{
		{name: "no arguments", args: nil, want: versionOptions{Version: "1.2.3"}},
		{name: "an argument", args: []string{"full"}, wantErr: "unknown command"},
	}, func(_ *testing.T, o *versionOptions) { o.IO = IOStreams{} })
}

func TestVersionRun(t *testing.T) {
	platform := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	tests := []struct {
		name    string
		version string
		want    string
	}{
		{name: "release", version: "1.2.3", want: "firebreak 1.2.3\n" + platform},
		{name: "unversioned build", version: "", want: "firebreak dev\n" + platform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			require.NoError(t, versionRun(context.Background(), &versionOptions{IO: io, Version: tt.version}))
			require.Equal(t, tt.want, out.String())
		})
	}
}
