package cli

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewCmdRunbookList(t *testing.T) {
	testParse(t, newCmdRunbookList, []parseCase[runbookListOptions]{
		{name: "the default directory", args: nil, want: runbookListOptions{Output: "text"}},
		{name: "paths and json", args: []string{"a.yaml", "dir", "-o", "json"}, want: runbookListOptions{Paths: []string{"a.yaml", "dir"}, Output: "json"}},
		{name: "a bad output format", args: []string{"-o", "yaml"}, wantErr: `invalid --output "yaml": use text or json`},
	}, func(_ *testing.T, o *runbookListOptions) { o.IO = IOStreams{} })
}

func TestRunbookListRun(t *testing.T) {
	t.Run("the examples as a table", func(t *testing.T) {
		io, out, errOut := testIO("")
		require.NoError(t, runbookListRun(context.Background(), &runbookListOptions{IO: io, Paths: []string{"../../runbooks"}, Output: formatText}))
		require.Empty(t, errOut.String())
		golden(t, "runbook_list.txt", out.String())
	})
	t.Run("valid runbooks listed, problems reported", func(t *testing.T) {
		io, out, errOut := testIO("")
		err := runbookListRun(context.Background(), &runbookListOptions{IO: io, Paths: []string{"testdata/runbooks"}, Output: formatText})
		require.EqualError(t, err, "2 problems in 1 file")
		require.Equal(t, "NAME            MATCH                                PARAMS                            DESCRIPTION\n"+
			"restart-worker  service=payments severity=sev2,sev3  repo (required), ref=main, force  Restart the payment worker through its deploy workflow.\n", out.String())
		require.Contains(t, errOut.String(), `testdata/runbooks/broken.yaml:6:31: steps[0].with.message: unknown param "service"`)
	})
	t.Run("json", func(t *testing.T) {
		io, out, _ := testIO("")
		err := runbookListRun(context.Background(), &runbookListOptions{IO: io, Paths: []string{"testdata/runbooks/restart.yaml"}, Output: formatJSON})
		require.NoError(t, err)
		var got []map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &got))
		require.Len(t, got, 1)
		require.Regexp(t, `^sha256:[0-9a-f]{64}$`, got[0]["hash"])
		delete(got[0], "hash")
		require.Equal(t, map[string]any{
			"name":        "restart-worker",
			"description": "Restart the payment worker through its deploy workflow.",
			"file":        "testdata/runbooks/restart.yaml",
			"match":       map[string]any{"service": []any{"payments"}, "severity": []any{"sev2", "sev3"}},
			"params": []any{
				map[string]any{"name": "repo", "type": "string", "required": true},
				map[string]any{"name": "ref", "type": "string", "default": "main"},
				map[string]any{"name": "force", "type": "bool"},
			},
			"steps": float64(2),
		}, got[0])
	})
	t.Run("no runbooks", func(t *testing.T) {
		io, out, _ := testIO("")
		require.NoError(t, runbookListRun(context.Background(), &runbookListOptions{IO: io, Paths: []string{"testdata/policies"}, Output: formatText}))
		require.Equal(t, "No runbooks.\n", out.String())
	})
}
