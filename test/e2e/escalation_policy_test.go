package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
)

// escalationPolicyYAML is an organisation whose checkout service pages through an escalation
// policy: level 1 is a schedule whose only layer starts in 30 days (nobody is on call yet, so
// the level is skipped), level 2 is ana's schedule. ana is paged on the console at once and on a
// second contact method (a console notifier named pager) 3 seconds later unless she
// acknowledges first.
func escalationPolicyYAML(now time.Time) string {
	return fmt.Sprintf(`organisation: Example Corp
timezone: Europe/Rome
people:
  - id: ana
    notification_rules:
      - notifier: console
      - notifier: pager
        after: 3s
  - id: ben
notifiers:
  - id: pager
    type: console
schedules:
  - id: primary
    layers:
      - name: weekly
        rotation: {participants: [ana], shift: 1w, start: 2025-01-06T09:00:00+01:00}
  - id: next-month
    layers:
      - name: weekly
        rotation: {participants: [ben], shift: 1w, start: %s}
escalation_policies:
  - id: checkout-ladder
    ack_timeout: 30m
    levels:
      - delay: 1m
        targets: [{schedule: next-month}]
      - delay: 1m
        targets: [{schedule: primary}]
teams:
  - id: payments
    schedule: primary
  - id: operations
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [ben]}
  - id: incident-commanders
    rotation: {start: 2025-01-06T09:00:00+01:00, shift: 168h, members: [ben]}
services:
  - id: checkout
    team: payments
    customer_facing: true
    escalation_policy: checkout-ladder
`, now.Add(30*24*time.Hour).UTC().Format(time.RFC3339))
}

// TestEscalationPolicyOnTheRealServer runs an escalation policy over real schedules on the real
// server: the empty level is skipped and recorded, the on-call person is paged with why, her
// delayed contact method follows after its delay, and in a second incident an acknowledgement
// stops the delayed method before it is tried.
func TestEscalationPolicyOnTheRealServer(t *testing.T) {
	configPath := filepath.Join(t.TempDir(), "firebreak.yaml")
	require.NoError(t, os.WriteFile(configPath, []byte(escalationPolicyYAML(time.Now())), 0o600))
	cfg, err := config.Load(configPath)
	require.NoError(t, err)
	fb := startFirebreak(t, options{config: cfg})

	fb.cli("incident", "start", "--service", "checkout", "--title", "Checkout errors", "--impact", "customers=some", "--id", "policy-1")
	require.Eventually(t, func() bool { return len(fb.console.lines("PAGE", "incident-policy-1 → ana:")) == 2 }, waitFor, 100*time.Millisecond,
		"console: %q", fb.console.lines("incident-policy-1"))
	s := fb.state("policy-1")
	require.Equal(t, "checkout-ladder", s.Plan.EscalationPolicy)
	require.Equal(t, 2, s.Level, "level 1 resolves to nobody and is skipped")
	var texts []string
	for _, e := range s.Timeline {
		texts = append(texts, e.Text)
	}
	require.Contains(t, strings.Join(texts, "\n"), "level 1 resolves to nobody (schedule next-month: nobody is on call on schedule next-month")
	require.Contains(t, strings.Join(texts, "\n"), "paging ana (level 2 of 2): on call on schedule primary (layer weekly) until ")
	require.Contains(t, strings.Join(texts, "\n"), "now via console, then pager after 3s unless acknowledged")
	show := fb.cli("incident", "show", "policy-1", "--config", configPath)
	require.Contains(t, show, "On call now for the engaged teams")
	require.Regexp(t, `schedule primary\s+ana\s+`, show)
	fb.cli("incident", "ack", "policy-1", "--as", "ana")
	fb.cli("incident", "resolve", "policy-1", "--summary", "fixed", "--as", "ana")
	fb.recordHistory("policy-1", "epoch-escalation-policy")

	fb.cli("incident", "start", "--service", "checkout", "--title", "Checkout errors again", "--impact", "customers=some", "--id", "policy-2")
	require.Eventually(t, func() bool { return len(fb.console.lines("PAGE", "incident-policy-2 → ana:")) == 1 }, waitFor, 100*time.Millisecond)
	fb.cli("incident", "ack", "policy-2", "--as", "ana")
	require.Eventually(t, func() bool {
		for _, e := range fb.state("policy-2").Timeline {
			if e.Text == "acknowledged: 1 contact methods still waiting for their delay are not tried" {
				return true
			}
		}
		return false
	}, waitFor, 100*time.Millisecond)
	time.Sleep(4 * time.Second)
	require.Len(t, fb.console.lines("PAGE", "incident-policy-2 → ana:"), 1, "the acknowledgement stopped the delayed method")
	s = fb.state("policy-2")
	require.Equal(t, incident.StatusAcknowledged, s.Status)
	require.NotNil(t, s.Escalation.ReminderDue, "the acknowledgement timeout runs")
	fb.cli("incident", "resolve", "policy-2", "--summary", "fixed", "--as", "ana")
	fb.recordHistory("policy-2", "epoch-escalation-policy-ack")
}
