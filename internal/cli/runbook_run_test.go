package cli

import (
	"context"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/workflows"
)

func TestRunbookRunFlags(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantErr    string
		wantName   string
		wantParams map[string]string
	}{
		{name: "params", args: []string{"inc-1", "ecs-rollback", "--as", "alice", "--param", "cluster=prod", "--param", "service=a=b"},
			wantName: "ecs-rollback", wantParams: map[string]string{"cluster": "prod", "service": "a=b"}},
		{name: "no params", args: []string{"inc-1", "ecs-rollback", "--as", "alice"}, wantName: "ecs-rollback", wantParams: map[string]string{}},
		{name: "param without value", args: []string{"inc-1", "x", "--as", "alice", "--param", "cluster"}, wantErr: "write it as name=value"},
		{name: "param twice", args: []string{"inc-1", "x", "--as", "alice", "--param", "a=1", "--param", "a=2"}, wantErr: "given twice"},
		{name: "no name", args: []string{"inc-1", "--as", "alice"}, wantErr: "accepts 2 arg"},
		{name: "no --as", args: []string{"inc-1", "x"}, wantErr: "as"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := parse(t, newCmdRunbookRun, tc.args)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "inc-1", opts.Key)
			require.Equal(t, tc.wantName, opts.Name)
			require.Equal(t, tc.wantParams, opts.Params)
		})
	}
}

func TestRunbookVoteFlags(t *testing.T) {
	approve := func(f *Factory, runF func(context.Context, *runbookVoteOptions) error) *cobra.Command {
		return newCmdRunbookVote(f, true, runF)
	}
	cases := []struct {
		name    string
		args    []string
		wantErr string
		wantRun int
	}{
		{name: "run and reason", args: []string{"inc-1", "2", "--as", "carol", "--reason", "bad deploy"}, wantRun: 2},
		{name: "run not a number", args: []string{"inc-1", "two", "--as", "carol"}, wantErr: "want a run number"},
		{name: "run zero", args: []string{"inc-1", "0", "--as", "carol"}, wantErr: "want a run number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := parse(t, approve, tc.args)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantRun, opts.Run)
			require.True(t, opts.Approve)
		})
	}
}

func TestRunbookRunID(t *testing.T) {
	runs := []workflows.RunbookRunRef{{Run: 1, WorkflowID: "a"}, {Run: 2, WorkflowID: "b"}}
	cases := []struct {
		name    string
		runs    []workflows.RunbookRunRef
		n       int
		want    string
		wantErr string
	}{
		{name: "latest", runs: runs, want: "b"},
		{name: "by number", runs: runs, n: 1, want: "a"},
		{name: "unknown number", runs: runs, n: 3, wantErr: "no runbook run 3 (it has runs 1 to 2)"},
		{name: "none", wantErr: "has no runbook runs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := runbookRunID(tc.runs, "inc-1", tc.n)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, ref.WorkflowID)
		})
	}
}
