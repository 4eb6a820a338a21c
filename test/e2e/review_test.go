package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/firebreak-dev/firebreak/incident"
)

// An incident on the real server from start to a closed review: a public status update by the
// communications lead, key events on the tracking record, follow-up actions, and close-review
// completing the workflow.
func TestStatusUpdatesTrackingAndReviewThroughTheCLI(t *testing.T) {
	fb := startFirebreak(t, options{})
	fb.cli("incident", "start", "--service", "search", "--title", "Search is failing", "--impact", "customers=some", "--id", "search-r")
	require.Eventually(t, func() bool { return len(fb.state("search-r").Responders) == 1 }, waitFor, 100*time.Millisecond)
	responder := fb.state("search-r").Responders[0].Person

	fb.cli("incident", "ack", "search-r", "--as", responder)
	fb.cli("incident", "assign", "search-r", "--role", "commander", "--person", "ana", "--as", responder)
	fb.cli("incident", "assign", "search-r", "--role", "communications_lead", "--person", "lena", "--as", "ana")
	_, errOut, code := fb.run("incident", "update", "search-r", "--public", "fixing", "--as", "tom")
	require.Equal(t, 1, code)
	require.Equal(t, "firebreak: post-update rejected: a public sev2 update is posted by the communications lead or commander; "+
		"tom holds neither role\n", errOut)
	out := fb.cli("incident", "update", "search-r", "--public", "We found the cause and are rolling back.", "--as", "lena")
	require.Contains(t, out, "public and internal update posted; the next public update is due by")
	require.Eventually(t, func() bool {
		m := fb.state("search-r").Messages
		return len(m) > 0 && m[len(m)-1].Text == "We found the cause and are rolling back."
	}, waitFor, 100*time.Millisecond, "the public update went out")
	update := "We found the cause and are rolling back."
	require.Eventually(t, func() bool { return len(fb.console.lines(update)) > 0 }, waitFor, 50*time.Millisecond,
		"the update reaches the console once delivered")

	fb.cli("incident", "resolve", "search-r", "--summary", "rolled back", "--as", "ana")
	require.Equal(t, incident.PhaseReview, fb.state("search-r").Phase)
	require.Contains(t, fb.cli("incident", "follow-up", "search-r", "--owner", "tom", "--text", "alert on shard health", "--as", "ana"),
		"follow-up 1 added for tom")
	require.Eventually(t, func() bool { return fb.state("search-r").TrackingClosed }, waitFor, 100*time.Millisecond)
	require.Contains(t, fb.cli("incident", "close-review", "search-r", "--summary", "one follow-up", "--as", "ana"),
		"review closed by ana with 1 follow-up actions")

	require.Eventually(t, func() bool {
		d, err := fb.client.DescribeWorkflowExecution(t.Context(), "incident-search-r", "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, waitFor, 100*time.Millisecond, "the closed review completes the incident")

	h := fb.history("search-r")
	var comments []string
	closed := 0
	for _, a := range activities(h) {
		if strings.HasPrefix(a, "CommentTracking") {
			comments = append(comments, strings.TrimPrefix(a[:strings.Index(a, " on tracking")], "CommentTracking: "))
		}
		if strings.HasPrefix(a, "CloseTracking") {
			closed++
		}
	}
	require.Equal(t, []string{"severity event", "confirm event", "ack event", "assign event", "assign event", "resolve event"},
		comments[:6], "key events reach the tracking record in order")
	require.Equal(t, 1, closed, "the tracking record is closed once")
	require.Len(t, fb.console.lines(update), 1, "the update was sent once")
	require.Contains(t, timers(h), "public update due (reminder 1)")
	fb.recordHistory("search-r", "epoch-review")
}
