package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTrackingDefaults(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(emailBase))
	require.NoError(t, err)
	require.Nil(t, c.Tracking.GitHub, "without github the local log is used")

	c, err = Parse("firebreak.yaml", []byte(emailBase+`tracking:
  github:
    repository: example/incidents
    token_env: FIREBREAK_GITHUB_TOKEN
`))
	require.NoError(t, err)
	require.Equal(t, &GitHubTracking{
		Repository: "example/incidents", BaseURL: "https://api.github.com/", TokenEnv: "FIREBREAK_GITHUB_TOKEN",
		Label: "incident", Timeout: Duration(10 * time.Second),
	}, c.Tracking.GitHub)

	c, err = Parse("firebreak.yaml", []byte(emailBase+`tracking:
  github:
    repository: example/incidents
    base_url: https://github.example.com/api/v3
    token_env: GHE_TOKEN
    label: firebreak
    labels: [ops, "team: payments"]
    timeout: 10s
`))
	require.NoError(t, err)
	require.Equal(t, "https://github.example.com/api/v3/", c.Tracking.GitHub.BaseURL, "a trailing slash is added")
	require.Equal(t, "firebreak", c.Tracking.GitHub.Label)
	require.Equal(t, []string{"ops", "team: payments"}, c.Tracking.GitHub.Labels)
}

func TestTrackingErrors(t *testing.T) {
	tests := []struct {
		name   string
		github string // the fields of tracking.github, from line 18
		want   string
	}{
		{"missing repository", "token_env: T", "firebreak.yaml:17: tracking.github.repository: missing repository: want owner/name"},
		{"bad repository", "repository: example\ntoken_env: T", `firebreak.yaml:18: tracking.github.repository: invalid repository "example": want owner/name`},
		{"dot repository", "repository: example/..\ntoken_env: T", `firebreak.yaml:18: tracking.github.repository: invalid repository "example/..": want owner/name`},
		{"missing token", "repository: a/b", "firebreak.yaml:17: tracking.github.token_env: missing name of the environment variable holding the GitHub token"},
		{"bad token name", "repository: a/b\ntoken_env: GITHUB-TOKEN", `firebreak.yaml:19: tracking.github.token_env: invalid environment variable name "GITHUB-TOKEN"`},
		{"base URL with credentials", "repository: a/b\ntoken_env: T\nbase_url: https://user:pw@github.example.com/api/v3/",
			"firebreak.yaml:20: tracking.github.base_url: want an absolute http or https URL without credentials or query, such as https://github.example.com/api/v3/"},
		{"label with comma", "repository: a/b\ntoken_env: T\nlabel: a,b", `firebreak.yaml:20: tracking.github.label: label "a,b" has a comma or a control character`},
		{"long label", "repository: a/b\ntoken_env: T\nlabels: [" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + "]",
			`firebreak.yaml:20: tracking.github.labels[0]: label "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is longer than 50 characters`},
		{"timeout", "repository: a/b\ntoken_env: T\ntimeout: 5m", "firebreak.yaml:20: tracking.github.timeout: 5m is outside the range 1s to 2m"},
		{"unknown field", "repository: a/b\ntoken_env: T\ntoken: ghp_x", "firebreak.yaml:20: field token not found in type config.GitHubTracking"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := emailBase + "tracking:\n  github:\n"
			for line := range strings.SplitSeq(tt.github, "\n") {
				yaml += "    " + line + "\n"
			}
			_, err := Parse("firebreak.yaml", []byte(yaml))
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestTrackingTokenSecret(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(emailBase+"tracking:\n  github:\n    repository: a/b\n    token_env: GH_TOKEN\n"))
	require.NoError(t, err)
	require.EqualError(t, c.CheckSecrets(NotifierSecrets, env(map[string]string{"GH_TOKEN": " "})),
		"firebreak.yaml:19: tracking.github.token_env: environment variable GH_TOKEN is empty")
	require.NoError(t, c.CheckSecrets(NotifierSecrets, env(map[string]string{"GH_TOKEN": "ghp_x"})))
	require.Equal(t, "ghp_x", c.Tracking.GitHub.Token(env(map[string]string{"GH_TOKEN": " ghp_x\n"})))
}
