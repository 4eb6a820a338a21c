package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEscalationErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "escalation_problems.yaml"))
	require.NoError(t, err)
	c, err := Parse("escalation_problems.yaml", data)
	require.Nil(t, c)
	var lines []string
	for _, e := range unjoin(err) {
		lines = append(lines, e.Error())
	}
	require.Equal(t, []string{
		`escalation_problems.yaml:4: people[0].notify: no contact method: list at least one notifier (console is the built-in one)`,
		// A missing field is reported at the line of the item that lacks it.
		`escalation_problems.yaml:5: people[1].phone: missing phone number: notifier "sms" sends text messages`,
		`escalation_problems.yaml:8: people[1].notification_rules[1].notifier: unknown notifier "pager"`,
		`escalation_problems.yaml:9: people[1].notification_rules[1].after: 2h is outside the range 0s to 1h`,
		`escalation_problems.yaml:12: people[2].notification_rules: both notify and notification_rules are set: keep notification_rules`,
		`escalation_problems.yaml:15: people[3].phone: invalid phone number "333-1234": want E.164, such as +393331234567`,
		`escalation_problems.yaml:16: people[3].notification_rules: no contact method: want at least one rule`,
		`escalation_problems.yaml:18: notifiers[0].from: missing sender: the provider's phone number or sender ID`,
		`escalation_problems.yaml:20: notifiers[0].url: want an absolute http or https URL, such as https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json`,
		`escalation_problems.yaml:21: notifiers[0].encoding: unknown encoding "xml": want form or json`,
		`escalation_problems.yaml:25: escalation_policies[0].repeats: 12 is outside the range 0 to 9`,
		`escalation_problems.yaml:26: escalation_policies[0].on_empty: unknown value "wait": want skip or hold`,
		`escalation_problems.yaml:27: escalation_policies[0].ack_timeout: 1m is outside the range 5m to 168h`,
		`escalation_problems.yaml:29: escalation_policies[0].levels[0].delay: 10s is outside the range 1m to 24h`,
		`escalation_problems.yaml:31: escalation_policies[0].levels[0].targets[0].schedule: unknown schedule "payments-primry"`,
		`escalation_problems.yaml:32: escalation_policies[0].levels[0].targets[1]: want exactly one of schedule, person or team`,
		`escalation_problems.yaml:35: escalation_policies[0].levels[1].targets: no targets: want a schedule, a person or a team`,
		`escalation_problems.yaml:36: escalation_policies[1].levels: no levels: want at least one level with targets`,
		`escalation_problems.yaml:46: services[0].escalation_policy: unknown escalation policy "payments-lader"`,
		`escalation_problems.yaml:47: services[0].after_hours_escalation_policy: unknown escalation policy "nights"`,
	}, lines)
}

func TestEscalation(t *testing.T) {
	t.Setenv("TWILIO_AUTH_TOKEN", "token")
	data, err := os.ReadFile(filepath.Join("testdata", "escalation_valid.yaml"))
	require.NoError(t, err)
	c, err := Parse("escalation_valid.yaml", data)
	require.NoError(t, err)

	p, ok := c.EscalationPolicy("payments-ladder")
	require.True(t, ok)
	require.Equal(t, 1, p.Repeats)
	require.Equal(t, OnEmptyHold, p.OnEmpty)
	require.Equal(t, Duration(30*time.Minute), p.AckTimeout)
	require.Equal(t, []EscalationTarget{{Team: "platform"}, {Person: "carol"}}, p.Levels[1].Targets)
	svc, _ := c.Service("checkout")
	require.Equal(t, "payments-ladder", svc.EscalationPolicy)

	alice, _ := c.Person("alice")
	require.Equal(t, []NotificationRule{{Notifier: "console"}, {Notifier: "sms", After: Duration(2 * time.Minute)}, {Notifier: "hook", After: Duration(5 * time.Minute)}}, alice.Rules())
	bob, _ := c.Person("bob")
	require.Equal(t, []NotificationRule{{Notifier: "hook"}}, bob.Rules(), "notify means every method at once")
	carol, _ := c.Person("carol")
	require.Equal(t, []NotificationRule{{Notifier: ConsoleNotifier}}, carol.Rules(), "the default is the console")
}
