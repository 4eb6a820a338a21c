package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewCmdRunbookValidate(t *testing.T) {
	testParse(t, newCmdRunbookValidate, []parseCase[runbookValidateOptions]{
		{name: "the default directory", args: nil, want: runbookValidateOptions{}},
		{name: "files and directories", args: []string{"a.yaml", "runbooks/"}, want: runbookValidateOptions{Paths: []string{"a.yaml", "runbooks/"}}},
		{name: "an unknown flag", args: []string{"--strict"}, wantErr: "unknown flag: --strict"},
	}, func(_ *testing.T, o *runbookValidateOptions) { o.IO = IOStreams{} })
}

func TestRunbookValidateRun(t *testing.T) {
	tests := []struct {
		name    string
		paths   []string
		wantOut []string
		wantErr string
	}{
		{
			name:    "the example runbooks are valid",
			paths:   []string{"../../runbooks"},
			wantOut: []string{"ok  ../../runbooks/ecs-rollback.yaml", "ecs-rollback", "sha256:", "ok  ../../runbooks/github-revert.yaml"},
		},
		{
			name:  "a broken runbook: every problem with file, line and column",
			paths: []string{"testdata/runbooks"},
			wantOut: []string{
				"ok  testdata/runbooks/restart.yaml  restart-worker  sha256:",
				`testdata/runbooks/broken.yaml:6:31: steps[0].with.message: unknown param "service"; there are no params` + "\n",
				`testdata/runbooks/broken.yaml:7:16: steps[0].with.channel: notify has no parameter "channel"; it takes message, audience` + "\n",
			},
			wantErr: "2 problems in 1 file",
		},
		{
			name:    "a missing file",
			paths:   []string{"testdata/runbooks/nowhere.yaml"},
			wantOut: []string{"testdata/runbooks/nowhere.yaml: no such file or directory\n"},
			wantErr: "1 problem in 1 file",
		},
		{
			name:    "a directory without runbooks",
			paths:   []string{"testdata/policies"},
			wantErr: "no runbook files in [testdata/policies]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			err := runbookValidateRun(context.Background(), &runbookValidateOptions{IO: io, Paths: tt.paths})
			for _, want := range tt.wantOut {
				require.Contains(t, out.String(), want)
			}
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestRunbookValidateReadsTheDefaultDirectory(t *testing.T) {
	good, err := os.ReadFile("testdata/runbooks/restart.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)

	io, _, _ := testIO("")
	err = runbookValidateRun(context.Background(), &runbookValidateOptions{IO: io})
	requireUsageError(t, err, "no ./runbooks directory here: give the runbook files or directories to read")

	require.NoError(t, os.Mkdir("runbooks", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("runbooks", "restart.yaml"), good, 0o644))
	io, out, _ := testIO("")
	require.NoError(t, runbookValidateRun(context.Background(), &runbookValidateOptions{IO: io}))
	require.Contains(t, out.String(), "ok  runbooks/restart.yaml  restart-worker  sha256:")
}

func TestRunbookValidateThroughMain(t *testing.T) {
	io, out, errOut := testIO("")
	code := Main([]string{"runbook", "validate", "testdata/runbooks/broken.yaml"}, io, "test", nil)
	require.Equal(t, 1, code)
	require.Contains(t, out.String(), "testdata/runbooks/broken.yaml:6:31: ")
	require.Equal(t, "firebreak: 2 problems in 1 file\n", errOut.String())
}
