package policies_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/policies"
)

// bundleWithRouting returns the shipped policies with routing.rego replaced by routing.
func bundleWithRouting(t *testing.T, routing string) *policies.Bundle {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob("*.rego")
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.rego") || f == "routing.rego" {
			continue
		}
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		writeFile(t, dir, f, string(text))
	}
	writeFile(t, dir, "routing.rego", routing)
	b, err := policies.LoadDir(dir)
	require.NoError(t, err)
	return b
}

// decider is what the Evaluator and the Memo both do.
type decider interface {
	Decide(ctx context.Context, name policies.Name, input, out any) error
}

func TestMemoAnswersAsTheEvaluatorDoes(t *testing.T) {
	e := newEvaluator(t)
	memo := policies.NewMemo(e, 2)
	decide := func(d decider, input map[string]any) policies.RoutingDecision {
		var out policies.RoutingDecision
		require.NoError(t, d.Decide(t.Context(), policies.Routing, input, &out))
		return out
	}
	firing := routingInput()
	quiet := routingInput()
	quiet["alert"] = map[string]any{"source": "generic", "fingerprint": "storm-7", "status": "firing", "title": "Benchmark",
		"labels": map[string]any{"severity": "info"}}
	other := routingInput()
	other["alert"].(map[string]any)["service"] = "checkout"
	for range 2 { // the second round answers from memory
		for _, input := range []map[string]any{firing, quiet, other} {
			require.Equal(t, decide(e, input), decide(memo, input))
		}
	}
	require.True(t, decide(memo, firing).Open)
	require.False(t, decide(memo, quiet).Open, "an input like another but for one field gets its own decision")
	require.NotEqual(t, decide(memo, firing).Service, decide(memo, other).Service)
	require.Equal(t, e.Revision(), memo.Revision())
}

func TestMemoEvaluatesAnInputOnce(t *testing.T) {
	e := newEvaluator(t)
	memo := policies.NewMemo(e, 16)
	input := routingInput()
	var out policies.RoutingDecision
	evaluated := testing.AllocsPerRun(10, func() { require.NoError(t, e.Decide(t.Context(), policies.Routing, input, &out)) })
	remembered := testing.AllocsPerRun(10, func() { require.NoError(t, memo.Decide(t.Context(), policies.Routing, input, &out)) })
	t.Logf("allocations per decision: %.0f evaluated, %.0f remembered", evaluated, remembered)
	require.Less(t, remembered*10, evaluated, "a remembered decision costs a tenth of an evaluation, or less")
}

func TestMemoRemembersNothingOfANondeterministicBundle(t *testing.T) {
	e, err := policies.NewEvaluator(t.Context(), bundleWithRouting(t,
		"package firebreak.routing\n\ndecision := {\"group\": sprintf(\"%d\", [time.now_ns()])}\n"))
	require.NoError(t, err)
	memo := policies.NewMemo(e, 16)
	var first, second policies.RoutingDecision
	require.NoError(t, memo.Decide(t.Context(), policies.Routing, routingInput(), &first))
	require.NoError(t, memo.Decide(t.Context(), policies.Routing, routingInput(), &second))
	require.NotEqual(t, first.Group, second.Group, "time.now_ns is asked again for the same input")
}
