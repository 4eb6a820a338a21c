package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withChat returns testdata/minimal.yaml (13 lines, one person, alice) followed by a chat
// section whose first field is on line 15.
func withChat(t *testing.T, chat string) []byte {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	return append(base, []byte("chat:\n"+chat)...)
}

func TestChatSlack(t *testing.T) {
	t.Setenv("FIREBREAK_SLACK_TOKEN", " xoxb-1-2-abc\n")
	c, err := Load(filepath.Join("testdata", "chat_slack.yaml"))
	require.NoError(t, err)
	require.True(t, c.Chat.Enabled())
	require.True(t, c.Chat.Slack())
	require.Equal(t, "xoxb-1-2-abc", c.Chat.Secret())
	require.Equal(t, 5*time.Second, c.Chat.Wait())
	require.True(t, c.Chat.Private)
	alice, _ := c.Person("alice")
	require.Equal(t, "U024BE7LH", alice.SlackID)
	bob, _ := c.Person("bob")
	require.Empty(t, bob.SlackID, "a Slack ID is optional")
}

func TestChatWebhook(t *testing.T) {
	t.Setenv("FIREBREAK_TEAMS_URL", "https://prod.example.test/workflows/1/triggers/manual/paths/invoke?sig=s3cret")
	c, err := Parse("firebreak.yaml", withChat(t, "  type: teams\n  webhook_url_env: FIREBREAK_TEAMS_URL\n  channel: Incidents\n"))
	require.NoError(t, err)
	require.False(t, c.Chat.Slack())
	require.Equal(t, "https://prod.example.test/workflows/1/triggers/manual/paths/invoke?sig=s3cret", c.Chat.Secret())
	require.Equal(t, DefaultChatMaxWait, c.Chat.Wait())
}

func TestNoChat(t *testing.T) {
	c, err := Parse("firebreak.yaml", withChat(t, ""))
	require.NoError(t, err)
	require.False(t, c.Chat.Enabled())
	require.Empty(t, c.Chat.Secret())
}

func TestChatErrors(t *testing.T) {
	tests := []struct {
		name string
		chat string // fields from line 15
		want string
	}{
		{"no type", "  token_env: T\n", "firebreak.yaml:14: chat.type: missing type: want slack, teams, mattermost or discord"},
		{"unknown type", "  type: irc\n", `firebreak.yaml:15: chat.type: unknown type "irc": want slack, teams, mattermost or discord`},
		{"slack without token", "  type: slack\n", "firebreak.yaml:14: chat.token_env: missing token_env: name the environment variable that holds the bot token"},
		{"slack bad env name", "  type: slack\n  token_env: 1TOKEN\n", `firebreak.yaml:16: chat.token_env: invalid environment variable name "1TOKEN"`},
		{"slack token twice", "  type: slack\n  token: xoxb-1\n  token_env: T\n",
			"firebreak.yaml:17: chat.token_env: both token and token_env are set: keep one (token_env keeps the secret out of the file)"},
		{"slack with a webhook", "  type: slack\n  token_env: T\n  webhook_url_env: W\n",
			"firebreak.yaml:17: chat.webhook_url_env: slack creates a channel per incident and takes no webhook_url_env: remove it"},
		{"slack bad api url", "  type: slack\n  token_env: T\n  api_url: slack.com/api\n", "firebreak.yaml:17: chat.api_url: want an absolute http or https URL"},
		{"pattern without the incident", "  type: slack\n  token_env: T\n  channel_pattern: inc-{service}\n",
			`firebreak.yaml:17: chat.channel_pattern: pattern "inc-{service}" lacks {incident}: two incidents would want the same channel`},
		{"pattern with capitals", "  type: slack\n  token_env: T\n  channel_pattern: INC-{incident}\n",
			`firebreak.yaml:17: chat.channel_pattern: pattern "INC-{incident}": Slack channel names hold only lowercase letters, digits, - and _`},
		{"pattern too long", "  type: slack\n  token_env: T\n  channel_pattern: " + strings.Repeat("x", 31) + "-{incident}\n",
			`firebreak.yaml:17: chat.channel_pattern: pattern "` + strings.Repeat("x", 31) + `-{incident}" has 32 characters besides its placeholders: at most 30, to leave the incident key room in Slack's 80`},
		{"max wait too long", "  type: slack\n  token_env: T\n  max_wait: 1m\n", "firebreak.yaml:17: chat.max_wait: 1m is outside the range 1s to 20s"},
		{"webhook without url", "  type: discord\n", "firebreak.yaml:14: chat.webhook_url_env: missing webhook_url_env: name the environment variable that holds the webhook's URL"},
		{"webhook url is not repeated", "  type: mattermost\n  webhook_url: mattermost.test/hooks/s3cret\n", "firebreak.yaml:16: chat.webhook_url: want an absolute http or https URL"},
		{"webhook with slack fields", "  type: teams\n  webhook_url_env: W\n  private: true\n",
			"firebreak.yaml:17: chat.private: a teams webhook posts to one channel and takes no private: remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("firebreak.yaml", withChat(t, tt.chat))
			require.EqualError(t, err, tt.want)
			require.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestSlackIDErrors(t *testing.T) {
	data := []byte(strings.Replace(string(withChat(t, "")), "    name: Alice\n", "    name: Alice\n    slack_id: alice\n", 1))
	_, err := Parse("firebreak.yaml", data)
	require.EqualError(t, err, `firebreak.yaml:5: people[0].slack_id: invalid Slack member ID "alice": want U or W and uppercase letters and digits, such as U024BE7LH`)
}

func TestCheckChatSecrets(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "chat_slack.yaml"))
	require.NoError(t, err)
	require.EqualError(t, c.CheckSecrets(NotifierSecrets, env(nil)),
		filepath.Join("testdata", "chat_slack.yaml")+":19: chat.token_env: environment variable FIREBREAK_SLACK_TOKEN is not set")
	require.NoError(t, c.CheckSecrets(NotifierSecrets, env(map[string]string{"FIREBREAK_SLACK_TOKEN": "xoxb-1"})))
	require.NoError(t, c.CheckSecrets(IntakeSecrets, env(nil)), "the alert webhooks do not need the chat's token")
}
