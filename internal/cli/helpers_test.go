package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/starter"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testIO returns streams over buffers, with stdin reading in.
func testIO(in string) (IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut}, out, errOut
}

// mockFactory returns a factory whose starter client wraps the SDK's mock client.
func mockFactory(t *testing.T, io IOStreams) (*Factory, *mocks.Client) {
	t.Helper()
	mc := mocks.NewClient(t)
	f := New(io)
	f.Starter = func(context.Context) (*starter.Client, error) {
		return &starter.Client{Temporal: mc, Namespace: "default", UIURL: "http://ui.test"}, nil
	}
	return f, mc
}

// execute runs cmd with args the way the root command would.
func execute(cmd *cobra.Command, args []string) error {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(flagError)
	return cmd.ExecuteContext(context.Background())
}

// parse builds a command with a runF that captures its options, runs it with args, and returns
// the captured options (nil when the command failed before running).
func parse[O any](t *testing.T, newCmd func(*Factory, func(context.Context, *O) error) *cobra.Command, args []string) (*O, error) {
	t.Helper()
	io, _, _ := testIO("")
	var got *O
	cmd := newCmd(New(io), func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	err := execute(cmd, args)
	return got, err
}

// parseCase is one flag-parsing case: the command line, the environment it runs in, and either
// the options it must give or the usage error it must cause.
type parseCase[O any] struct {
	name    string
	env     map[string]string
	args    []string
	want    O
	wantErr string
}

// testParse runs each case through the command newCmd builds, as a subtest named after the case.
// A case with wantErr must fail with a usage error containing it, before the command runs. Any
// other case must run with options equal to want once blank has checked and blanked the fields
// that cannot be compared, such as the IO streams and the clients.
func testParse[O any](t *testing.T, newCmd func(*Factory, func(context.Context, *O) error) *cobra.Command, cases []parseCase[O], blank func(*testing.T, *O)) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			for name, value := range tt.env {
				t.Setenv(name, value)
			}
			got, err := parse(t, newCmd, tt.args)
			if tt.wantErr != "" {
				requireUsageError(t, err, tt.wantErr)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			blank(t, got)
			require.Equal(t, tt.want, *got)
		})
	}
}

// requireUsageError checks err is a usage error containing want.
func requireUsageError(t *testing.T, err error, want string) {
	t.Helper()
	require.ErrorContains(t, err, want)
	require.ErrorAs(t, err, new(usageError))
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}

// updateOptions is what the starter sends for one update: it waits for a worker to accept it,
// then for its outcome.
func updateOptions(key, name string, req any) client.UpdateWorkflowOptions {
	return client.UpdateWorkflowOptions{
		WorkflowID:   "incident-" + key,
		UpdateName:   name,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	}
}

func ptr[T any](v T) *T { return &v }
