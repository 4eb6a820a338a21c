package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// slackDMConfig is a file with the notifier "dm" (its type from line 4), alice (from line 7) and
// bob (after alice), both on the team, and the chat section at the end.
func slackDMConfig(notifier, alice, bob, chat string) []byte {
	return []byte("organisation: Test Corp\n" +
		"notifiers:\n" +
		"  - id: dm\n" + notifier +
		"people:\n" +
		"  - id: alice\n" + alice +
		"  - id: bob\n" + bob +
		"teams:\n" +
		"  - id: payments\n" +
		"    rotation:\n" +
		"      start: 2025-01-06T09:00:00Z\n" +
		"      shift: 168h\n" +
		"      members: [alice, bob]\n" +
		"services:\n" +
		"  - id: checkout\n" +
		"    team: payments\n" + chat)
}

const (
	dmNotifier = "    type: slack\n"
	dmAlice    = "    name: Alice\n    slack_id: U024BE7LH\n    notify: [dm]\n"
	dmBob      = "    name: Bob\n    slack_id: W012A3CDE\n    notification_rules:\n      - notifier: dm\n        after: 2m\n"
	dmChat     = "chat:\n  type: slack\n  token_env: FIREBREAK_SLACK_TOKEN\n"
)

func TestSlackNotifier(t *testing.T) {
	c, err := Parse("firebreak.yaml", slackDMConfig(dmNotifier, dmAlice, dmBob, dmChat))
	require.NoError(t, err)
	n, ok := c.Notifier("dm")
	require.True(t, ok)
	require.Equal(t, NotifierTypeSlack, n.Type)
	bob, _ := c.Person("bob")
	require.Equal(t, "W012A3CDE", bob.SlackID)
	require.Equal(t, []NotificationRule{{Notifier: "dm", After: Duration(2 * 60e9)}}, bob.Rules())
}

func TestSlackNotifierErrors(t *testing.T) {
	tests := []struct {
		name                       string
		notifier, alice, bob, chat string
		want                       string
	}{
		{"no chat section", dmNotifier, dmAlice, dmBob, "",
			"firebreak.yaml:4: notifiers[0].type: a slack notifier sends direct messages with the chat section's bot: add a chat section with type slack and token_env"},
		{"chat is not slack", dmNotifier, dmAlice, dmBob, "chat:\n  type: discord\n  webhook_url_env: W\n",
			"firebreak.yaml:4: notifiers[0].type: a slack notifier sends direct messages with the chat section's bot: add a chat section with type slack and token_env"},
		{"a token of its own", dmNotifier + "    secret_env: SLACK_DM_TOKEN\n", dmAlice, dmBob, dmChat,
			"firebreak.yaml:5: notifiers[0].secret_env: a slack notifier uses the chat section's token and API URL and takes no secret_env: remove it"},
		{"a url", dmNotifier + "    url: https://slack.example/api/\n", dmAlice, dmBob, dmChat,
			"firebreak.yaml:5: notifiers[0].url: a slack notifier uses the chat section's token and API URL and takes no url: remove it"},
		{"notify without slack_id", dmNotifier, "    name: Alice\n    notify: [dm]\n", dmBob, dmChat,
			`firebreak.yaml:6: people[0].slack_id: missing slack_id: person "alice" is reached by notifier "dm", which sends Slack direct messages`},
		{"notification rule without slack_id", dmNotifier, dmAlice, "    name: Bob\n    notification_rules:\n      - notifier: dm\n", dmChat,
			`firebreak.yaml:10: people[1].slack_id: missing slack_id: person "bob" is reached by notifier "dm", which sends Slack direct messages`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("firebreak.yaml", slackDMConfig(tt.notifier, tt.alice, tt.bob, tt.chat))
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestSlackIDNotNeededWithoutSlackNotifier(t *testing.T) {
	alice := strings.Replace(dmAlice, "    slack_id: U024BE7LH\n", "", 1)
	_, err := Parse("firebreak.yaml", slackDMConfig("    type: console\n", alice, "    name: Bob\n    notify: [dm]\n", ""))
	require.NoError(t, err, "a person reached only by other notifiers needs no slack_id")
}
