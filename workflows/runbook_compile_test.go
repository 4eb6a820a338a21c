package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompileRunbookReusesTheSameRunbooksCompilation(t *testing.T) {
	r := rollbackRunbook(t)
	first, err := compileRunbook(&r)
	require.NoError(t, err)
	again := rollbackRunbook(t)
	second, err := compileRunbook(&again)
	require.NoError(t, err)
	require.Same(t, first, second, "the same runbook, another copy: compiled once")

	edited := rollbackRunbook(t)
	edited.Steps[1].With["cluster"] = "staging"
	hash, err := edited.ComputeHash()
	require.NoError(t, err)
	edited.Hash = hash
	third, err := compileRunbook(&edited)
	require.NoError(t, err)
	require.NotSame(t, first, third, "an edited runbook is compiled anew")
	step, ok := third.Step("rollback")
	require.True(t, ok)
	require.Equal(t, "staging", step.Step.With["cluster"])

	forged := rollbackRunbook(t)
	forged.Steps[1].With["cluster"] = "staging" // the hash of the original, not of this content
	_, err = compileRunbook(&forged)
	require.ErrorContains(t, err, "hash", "a runbook whose hash does not match its content is refused, cached or not")
}
