package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewCmdPolicyTest(t *testing.T) {
	testParse(t, newCmdPolicyTest, []parseCase[policyTestOptions]{
		{name: "built-in", args: nil, want: policyTestOptions{}},
		{name: "directory, verbose", args: []string{"--dir", "./policies", "-v"}, want: policyTestOptions{Dir: "./policies", Verbose: true}},
		{name: "configuration file", args: []string{"--config", "firebreak.yaml"}, want: policyTestOptions{Config: "firebreak.yaml"}},
		{name: "positional argument", args: []string{"severity"}, wantErr: "unknown command"},
	}, func(_ *testing.T, o *policyTestOptions) { o.IO = IOStreams{} })
}

func TestPolicyTestRun(t *testing.T) {
	tests := []struct {
		name    string
		opts    policyTestOptions
		wantOut []string
		wantErr string
	}{
		{
			name:    "built-in policies pass",
			opts:    policyTestOptions{},
			wantOut: []string{" passed, 0 failed\n"},
		},
		{
			name:    "built-in policies, verbose",
			opts:    policyTestOptions{Verbose: true},
			wantOut: []string{"PASS  policies/severity_test.rego:", " passed, 0 failed\n"},
		},
		{
			name:    "a failing test",
			opts:    policyTestOptions{Dir: "testdata/policies/failing"},
			wantOut: []string{"FAIL  testdata/policies/failing/always_test.rego:", "1 passed, 1 failed\n"},
			wantErr: "1 of 2 policy tests failed",
		},
		{
			name:    "a broken policy",
			opts:    policyTestOptions{Dir: "testdata/policies/broken"},
			wantErr: "testdata/policies/broken/broken.rego:",
		},
		{
			name:    "missing directory",
			opts:    policyTestOptions{Dir: "testdata/nowhere"},
			wantErr: "load policies from testdata/nowhere",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			opts := tt.opts
			opts.IO = io
			err := policyTestRun(context.Background(), &opts)
			for _, want := range tt.wantOut {
				require.Contains(t, out.String(), want)
			}
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}
