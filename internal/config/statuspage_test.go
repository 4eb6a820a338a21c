package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withStatusPage returns testdata/minimal.yaml (one service, checkout) followed by a status_page
// section.
func withStatusPage(t *testing.T, section string) []byte {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	return append(base, []byte("status_page:\n"+section)...)
}

func TestStatusPageDefaults(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	c, err := Parse("firebreak.yaml", base)
	require.NoError(t, err)
	s := c.StatusPage
	require.Equal(t, "Test Corp status", s.Title)
	require.Equal(t, DefaultStatusMaxIncidents, s.MaxIncidents)
	require.Equal(t, Duration(DefaultStatusCache), s.Cache)
	require.Equal(t, Duration(DefaultStatusRefresh), s.Refresh)
	require.Equal(t, IntegrationGeneric, s.InternalIntegration)
	require.Nil(t, s.Atlassian)
}

func TestStatusPageAtlassian(t *testing.T) {
	t.Setenv("SP_KEY", "  key-from-env \n")
	c, err := Parse("firebreak.yaml", withStatusPage(t, `
  title: Checkout status
  url: https://status.example.com
  max_incidents: 10
  cache: 2s
  refresh: 30s
  internal_integration: alertmanager
  atlassian:
    page_id: kctbh9vrtdwd
    api_key_env: SP_KEY
    components:
      checkout: 8kbf7d35c070
`))
	require.NoError(t, err)
	s := c.StatusPage
	require.Equal(t, "Checkout status", s.Title)
	require.Equal(t, 10, s.MaxIncidents)
	require.Equal(t, Duration(2*time.Second), s.Cache)
	require.Equal(t, IntegrationAlertmanager, s.InternalIntegration)
	require.Equal(t, DefaultAtlassianBaseURL, s.Atlassian.BaseURL)
	require.Equal(t, "key-from-env", s.Atlassian.Key(), "read from the environment, blanks trimmed")
	require.Equal(t, map[string]string{"checkout": "8kbf7d35c070"}, s.Atlassian.Components)

	lookup := func(name string) (string, bool) { v, ok := os.LookupEnv(name); return v, ok }
	require.NoError(t, c.CheckSecrets(NotifierSecrets, lookup))
	require.NoError(t, c.CheckSecrets(IntakeSecrets, func(string) (string, bool) { return "", false }),
		"the serve process does not push, so it does not need the key")
	t.Setenv("SP_KEY", "")
	err = c.CheckSecrets(NotifierSecrets, lookup)
	require.EqualError(t, err, "firebreak.yaml:24: status_page.atlassian.api_key_env: environment variable SP_KEY is empty")
	require.NotContains(t, err.Error(), "key-from-env")
}

func TestStatusPageErrors(t *testing.T) {
	cases := []struct {
		name, section, want string
	}{
		{"relative url", "  url: status.example.com\n",
			"firebreak.yaml:15: status_page.url: want an absolute http or https URL"},
		{"too many incidents", "  max_incidents: 501\n",
			"firebreak.yaml:15: status_page.max_incidents: 501 is outside the range 1 to 500"},
		{"negative incidents", "  max_incidents: -1\n",
			"firebreak.yaml:15: status_page.max_incidents: -1 is outside the range 1 to 500"},
		{"cache too short", "  cache: 100ms\n",
			"firebreak.yaml:15: status_page.cache: 100ms is outside the range 1s to 5m"},
		{"refresh too long", "  refresh: 2h\n",
			"firebreak.yaml:15: status_page.refresh: 2h is outside the range 5s to 1h"},
		{"unknown integration", "  internal_integration: pagerduty\n",
			`firebreak.yaml:15: status_page.internal_integration: unknown integration "pagerduty": want alertmanager, sns or generic, whose bearer token opens /status/internal`},
		{"no key", "  atlassian:\n    page_id: abc\n",
			"firebreak.yaml:15: status_page.atlassian: missing api_key_env: the API key authenticates every request"},
		{"bad page", "  atlassian:\n    page_id: a/b\n    api_key_env: SP_KEY\n",
			`firebreak.yaml:16: status_page.atlassian.page_id: want the page's ID, such as "kctbh9vrtdwd"`},
		{"key twice", "  atlassian:\n    page_id: abc\n    api_key: k\n    api_key_env: SP_KEY\n",
			"firebreak.yaml:18: status_page.atlassian.api_key_env: both api_key and api_key_env are set: keep one (api_key_env keeps the secret out of the file)"},
		{"unknown service", "  atlassian:\n    page_id: abc\n    api_key_env: SP_KEY\n    components:\n      search: c1\n",
			`firebreak.yaml:19: status_page.atlassian.components.search: unknown service "search"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("firebreak.yaml", withStatusPage(t, tc.section))
			require.EqualError(t, err, tc.want)
		})
	}
}
