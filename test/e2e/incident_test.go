package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

const waitFor = 20 * time.Second

func TestIncidentLifecycleThroughTheCLI(t *testing.T) {
	fb := startFirebreak(t, options{ui: true})
	start := []string{"incident", "start", "--service", "search", "--title", "Search is failing",
		"--impact", "customers=some", "--id", "search-1", "-o", "json"}

	var started starter.Started
	require.NoError(t, json.Unmarshal([]byte(fb.cli(start...)), &started))
	require.Equal(t, "incident-search-1", started.WorkflowID)
	require.False(t, started.Existing)
	require.NoError(t, json.Unmarshal([]byte(fb.cli(start...)), &started))
	require.True(t, started.Existing, "the same --id returns the existing incident")

	var s workflows.State
	require.Eventually(t, func() bool { s = fb.state("search-1"); return len(s.Responders) == 1 }, waitFor, 100*time.Millisecond)
	require.Equal(t, incident.Sev2, s.Severity)
	require.Equal(t, incident.PhaseEscalate, s.Phase)
	responder := s.Responders[0].Person
	require.Len(t, fb.console.lines("PAGE", "→ "+responder), 1)

	require.Contains(t, fb.cli("incident", "ack", "search-1", "--as", responder), "acknowledged by "+responder)
	_, errOut, code := fb.run("incident", "ack", "search-1", "--as", "ana")
	require.Equal(t, 1, code)
	require.Equal(t, "firebreak: ack rejected: already acknowledged by "+responder+"\n", errOut)
	fb.cli("incident", "assign", "search-1", "--role", "commander", "--person", "ana", "--as", responder)
	fb.cli("incident", "assign", "search-1", "--role", "tech_lead", "--person", responder, "--as", "ana")
	fb.cli("incident", "note", "search-1", "--kind", "observation", "--text", "shard 3 is red", "--as", responder)
	fb.cli("incident", "resolve", "search-1", "--summary", "freed disk space", "--as", "ana")

	s = fb.state("search-1")
	require.Equal(t, incident.StatusResolved, s.Status)
	require.Equal(t, "ana", s.Roles[incident.RoleCommander])
	require.Equal(t, responder, s.Roles[incident.RoleTechLead])
	require.True(t, *s.Metrics.ResponseTargetMet)
	// Messages and the channel run beside the ladder: the final messages follow the resolution.
	require.Eventually(t, func() bool {
		s = fb.state("search-1")
		return len(s.Messages) == 4 && s.Channels.Channel != ""
	}, waitFor, 50*time.Millisecond, "the investigating and resolved messages, internal and external, and the channel")

	// Listing goes through Temporal's visibility and the search attributes the workflow keeps.
	require.Eventually(t, func() bool {
		var rows []starter.Listed
		if json.Unmarshal([]byte(fb.cli("incident", "list", "--severity", "sev2", "-o", "json")), &rows) != nil {
			return false
		}
		return len(rows) == 1 && rows[0].Key == "search-1" && rows[0].Status == "resolved"
	}, waitFor, 200*time.Millisecond)
	require.JSONEq(t, "[]", fb.cli("incident", "list", "--severity", "sev1", "-o", "json"))

	// Every phase's steps are in the history a reviewer reads, named.
	require.Eventually(t, func() bool { return fb.state("search-1").TrackingClosed }, waitFor, 50*time.Millisecond)
	h := fb.history("search-1")
	// The decisions are local activities of the first workflow task; tracking, channel and
	// messages run beside the page; the runbooks matching the incident are looked up after the
	// page. A person declared the incident, so customers hear at once.
	require.ElementsMatch(t, []string{
		"RecordIncident: log incident in the tracking tool",
		"AssessSeverity (local): assess severity",
		"ComposeMessages: compose investigating messages (internal)",
		"DeliverMessage: deliver the internal investigating message via console",
		"DecideEngagement (local): decide engagement for sev2",
		"ComposeMessages: compose investigating messages (external)",
		"DeliverMessage: deliver the external investigating message via console",
		"ResolveOnCall (local): who is on call: team discovery",
		"PageContact: page " + responder + " via console (level 1 of 3)",
		"FindRunbooks (local): find the runbooks matching the incident",
		"OpenChannels: open channel and bridge",
		"CommentTracking: severity event on tracking file search-1",
		"CommentTracking: confirm event on tracking file search-1",
		"CommentTracking: ack event on tracking file search-1",
		"CommentTracking: assign event on tracking file search-1",
		"CommentTracking: assign event on tracking file search-1",
		"ComposeMessages: compose resolved messages (internal and external)",
		"DeliverMessage: deliver the internal resolved message via console",
		"DeliverMessage: deliver the external resolved message via console",
		"ReviewMeetingDue (local): when the review meeting is due",
		"CommentTracking: resolve event on tracking file search-1",
		"CloseTracking: close tracking file search-1",
	}, activities(h))
	require.Contains(t, timers(h), "ack deadline, level 1 of 3")
	var updates []string
	for _, e := range h.GetEvents() {
		if a := e.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil {
			updates = append(updates, a.GetAcceptedRequest().GetInput().GetName())
		}
	}
	require.Equal(t, []string{"ack", "assign", "assign", "note", "resolve"}, updates, "the rejected ack left no trace")
	require.Equal(t, []string{"epoch-2026-12"}, versionMarkers(h), "a new incident records one version marker, the epoch's")

	// The Web UI serves the same history.
	resp, err := http.Get(fb.server.UIURL() + "/api/v1/namespaces/default/workflows/incident-search-1/history")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "PageContact")

	metrics := httpGet(t, "http://"+fb.service.HTTPAddr()+"/metrics")
	require.Contains(t, metrics, `firebreak_pages_sent_total{notifier="console",severity="sev2"} 1`)
	require.Contains(t, metrics, `firebreak_incidents{severity="sev2",status="resolved"} 1`)
	require.Contains(t, metrics, `firebreak_acknowledgement_latency_seconds_count{`)
	require.JSONEq(t, `{"status":"ok","temporal":"ok","workers":1}`, httpGet(t, "http://"+fb.service.HTTPAddr()+"/healthz"))

	fb.recordHistory("search-1", "epoch-lifecycle")
}

func TestEscalationOnTheRealServer(t *testing.T) {
	fb := startFirebreak(t, options{config: exampleWithAckTimeout(4 * time.Second)})
	fb.cli("incident", "start", "--service", "search", "--title", "Search is slow", "--impact", "customers=some", "--id", "search-2")

	// Nobody acknowledges: the durable timer pages level 2, the owning and the escalation team.
	require.Eventually(t, func() bool { return fb.state("search-2").Level == 2 }, waitFor, 100*time.Millisecond)
	require.Len(t, fb.console.lines("PAGE", "level 2 of 3"), 2)

	fb.cli("incident", "escalate", "search-2", "--reason", "need operations", "--as", "tom")
	require.Equal(t, 3, fb.state("search-2").Level)
	fb.cli("incident", "ack", "search-2", "--as", "lena")

	// A raised severity re-engages with the sev1 plan and needs a new acknowledgement.
	out := fb.cli("incident", "severity", "search-2", "--severity", "sev1", "--reason", "every customer now", "--as", "lena")
	require.Contains(t, out, "sev1")
	s := fb.state("search-2")
	require.Equal(t, incident.StatusTriggered, s.Status)
	require.Equal(t, 2, s.Engagement)
	require.NotNil(t, s.CommanderDue)
	fb.cli("incident", "ack", "search-2", "--as", "lena")
	fb.cli("incident", "impact", "search-2", "--impact", "data_loss=true", "--as", "lena")
	fb.cli("incident", "resolve", "search-2", "--summary", "rebuilt the index", "--as", "lena")

	h := fb.history("search-2")
	var levels []string
	for _, a := range activities(h) {
		if strings.HasPrefix(a, "PageContact") {
			levels = append(levels, a[strings.LastIndex(a, "(level"):])
		}
	}
	require.Equal(t, []string{
		"(level 1 of 3)",
		"(level 2 of 3)", "(level 2 of 3)",
		"(level 3 of 3)", "(level 3 of 3)", "(level 3 of 3)",
		"(level 1 of 3)",
	}, levels, "one page per on-call person of each level's teams")
	fb.recordHistory("search-2", "epoch-escalation-channel")
}

func TestMissedDeadlineFiresOnceAfterRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := exampleWithAckTimeout(8 * time.Second)
	fb := startFirebreak(t, options{dataDir: dir, config: cfg})
	fb.cli("incident", "start", "--service", "search", "--title", "Search is down", "--impact", "customers=all", "--id", "restart-1")
	require.Eventually(t, func() bool { return len(fb.state("restart-1").Responders) == 1 }, waitFor, 50*time.Millisecond)
	fb.stop()

	time.Sleep(9 * time.Second) // the level 1 deadline passes while Firebreak is down

	fb = startFirebreak(t, options{dataDir: dir, config: cfg})
	require.Eventually(t, func() bool { return fb.state("restart-1").Level >= 2 }, waitFor, 50*time.Millisecond)
	fb.cli("incident", "ack", "restart-1", "--as", "kenji")

	var level2 int
	for _, a := range activities(fb.history("restart-1")) {
		if strings.HasPrefix(a, "PageContact") && strings.Contains(a, "(level 2 of 3)") {
			level2++
		}
	}
	assert.Equal(t, 2, level2, "the missed deadline pages level 2's two people exactly once each")
	require.Len(t, fb.console.lines("PAGE", "level 2 of 3"), 2, "one page to each of the two teams' on-call people")
	fb.cli("incident", "resolve", "restart-1", "--summary", "restarted the cluster", "--as", "kenji")
	fb.recordHistory("restart-1", "epoch-restart")
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	return string(body)
}
