package cli

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/policies"
)

func TestNewCmdPolicyEval(t *testing.T) {
	testParse(t, newCmdPolicyEval, []parseCase[policyEvalOptions]{
		{
			name: "severity",
			args: []string{"severity", "--input", "in.json"},
			want: policyEvalOptions{Name: policies.Severity, Input: "in.json"},
		},
		{
			name: "stdin and a directory",
			args: []string{"engagement", "--input", "-", "--dir", "policies"},
			want: policyEvalOptions{Name: policies.Engagement, Input: "-", Dir: "policies"},
		},
		{name: "unknown decision", args: []string{"priority", "--input", "in.json"}, wantErr: `unknown decision "priority": use severity, engagement, escalation, targets, routing`},
		{name: "missing --input", args: []string{"severity"}, wantErr: "required flag --input not set"},
		{name: "missing name", args: []string{"--input", "in.json"}, wantErr: "accepts 1 arg(s), received 0"},
	}, func(_ *testing.T, o *policyEvalOptions) { o.IO = IOStreams{} })
}

func TestPolicyEvalRun(t *testing.T) {
	calm, err := os.ReadFile("testdata/calm.json")
	require.NoError(t, err)

	tests := []struct {
		name    string
		opts    policyEvalOptions
		stdin   string
		want    map[string]any
		wantErr string
	}{
		{
			name: "severity from a file",
			opts: policyEvalOptions{Name: policies.Severity, Input: "testdata/calm.json"},
			want: map[string]any{"severity": "sev3", "overridden": false, "reasons": []any{"no customer impact reported"}},
		},
		{
			name:  "severity from stdin",
			opts:  policyEvalOptions{Name: policies.Severity, Input: "-"},
			stdin: string(calm),
			want:  map[string]any{"severity": "sev3", "overridden": false, "reasons": []any{"no customer impact reported"}},
		},
		{
			name:    "invalid JSON",
			opts:    policyEvalOptions{Name: policies.Severity, Input: "testdata/truncated.json"},
			wantErr: "read input testdata/truncated.json: invalid JSON",
		},
		{
			name:    "two JSON values",
			opts:    policyEvalOptions{Name: policies.Severity, Input: "-"},
			stdin:   "{} {}",
			wantErr: "read input standard input: invalid JSON: more than one value",
		},
		{
			name:    "missing file",
			opts:    policyEvalOptions{Name: policies.Severity, Input: "testdata/nowhere.json"},
			wantErr: "read input testdata/nowhere.json",
		},
		{
			name:    "broken policies",
			opts:    policyEvalOptions{Name: policies.Severity, Input: "testdata/calm.json", Dir: "testdata/policies/broken"},
			wantErr: "testdata/policies/broken/broken.rego:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO(tt.stdin)
			opts := tt.opts
			opts.IO = io
			err := policyEvalRun(context.Background(), &opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(out.Bytes(), &got))
			require.Equal(t, tt.want, got)
			require.Contains(t, out.String(), "\n  \"severity\": \"sev3\"")
		})
	}
}
