package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// withAlerts returns testdata/minimal.yaml (one service, checkout) followed by an alerts section.
func withAlerts(t *testing.T, alerts string) []byte {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	return append(base, []byte("alerts:\n  integrations:\n"+alerts)...)
}

func TestPagerDutyRoutingKeys(t *testing.T) {
	t.Setenv("PD_KEY", "  0123456789abcdef0123456789abcdef\n")
	c, err := Parse("firebreak.yaml", withAlerts(t, `
    pagerduty:
      routing_keys:
        - name: prometheus
          key_env: PD_KEY
          service: checkout
        - name: grafana
          key: fedcba9876543210fedcba9876543210
          events_per_minute: 600
`))
	require.NoError(t, err)
	keys := c.AlertSettings().Integrations[IntegrationPagerDuty].RoutingKeys
	require.Len(t, keys, 2)
	require.Equal(t, "0123456789abcdef0123456789abcdef", keys[0].Value(), "read from the environment, blanks trimmed")
	require.Equal(t, "checkout", keys[0].Service)
	require.Equal(t, DefaultEventsPerMinute, keys[0].Rate())
	require.Equal(t, "fedcba9876543210fedcba9876543210", keys[1].Value())
	require.Equal(t, 600, keys[1].Rate())

	lookup := func(name string) (string, bool) { v, ok := os.LookupEnv(name); return v, ok }
	require.Equal(t, []string{IntegrationPagerDuty}, c.EnabledIntegrations(lookup))
	require.NoError(t, c.CheckSecrets(IntakeSecrets, lookup))
	t.Setenv("PD_KEY", "")
	require.EqualError(t, c.CheckSecrets(IntakeSecrets, lookup),
		"firebreak.yaml:20: alerts.integrations.pagerduty.routing_keys[0].key_env: environment variable PD_KEY is empty")
}

func TestPagerDutyRoutingKeyErrors(t *testing.T) {
	cases := []struct {
		name, alerts, want string
	}{
		{"no routing keys", `
    pagerduty: {}
`, "firebreak.yaml:17: alerts.integrations.pagerduty: no routing_keys: the pagerduty integration would accept no event"},
		{"a token instead", `
    pagerduty:
      token_env: PD_TOKEN
      routing_keys:
        - {name: prometheus, key_env: PD_KEY}
`, "firebreak.yaml:17: alerts.integrations.pagerduty: the pagerduty integration authenticates each event by its routing key: list routing_keys instead of a token"},
		{"routing keys elsewhere", `
    generic:
      token_env: GENERIC_TOKEN
      routing_keys:
        - {name: prometheus, key_env: PD_KEY}
`, "firebreak.yaml:19: alerts.integrations.generic.routing_keys: only the pagerduty integration has routing keys"},
		{"missing name", `
    pagerduty:
      routing_keys:
        - key_env: PD_KEY
`, "firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].name: missing name"},
		{"duplicate name", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD_KEY}
        - {name: prometheus, key_env: PD_OTHER_KEY}
`, `firebreak.yaml:20: alerts.integrations.pagerduty.routing_keys[1].name: duplicate routing key name "prometheus", first defined on line 19`},
		{"invalid name", `
    pagerduty:
      routing_keys:
        - {name: Prometheus/1, key_env: PD_KEY}
`, `firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].name: invalid name "Prometheus/1": use at most 63 lowercase letters, digits and hyphens, starting with a letter or digit`},
		{"no key", `
    pagerduty:
      routing_keys:
        - name: prometheus
`, "firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0]: missing key_env: name the environment variable that holds the routing key"},
		{"key and key_env", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key: 0123456789abcdef0123456789abcdef, key_env: PD_KEY}
`, "firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].key_env: both key and key_env are set: keep one (key_env keeps the secret out of the file)"},
		{"one variable, two names", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD_KEY}
        - {name: grafana, key_env: PD_KEY}
`, "firebreak.yaml:20: alerts.integrations.pagerduty.routing_keys[1].key_env: routing_keys[0] reads the same variable PD_KEY: two names for one key"},
		{"invalid variable", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD-KEY}
`, `firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].key_env: invalid environment variable name "PD-KEY"`},
		{"short key", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key: short}
`, "firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].key: a routing key needs at least 16 characters (PagerDuty's have 32)"},
		{"unknown service", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD_KEY, service: chekout}
`, `firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].service: unknown service "chekout"`},
		{"rate out of range", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD_KEY, events_per_minute: -1}
`, "firebreak.yaml:19: alerts.integrations.pagerduty.routing_keys[0].events_per_minute: -1 is outside the range 1 to 60000"},
		{"unknown field", `
    pagerduty:
      routing_keys:
        - {name: prometheus, key_env: PD_KEY, severity: critical}
`, "firebreak.yaml:19: field severity not found in type config.RoutingKey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("firebreak.yaml", withAlerts(t, c.alerts))
			require.EqualError(t, err, c.want)
		})
	}
}

func TestExampleEnablesPagerDutyFromTheEnvironment(t *testing.T) {
	c := Example()
	keys := c.AlertSettings().Integrations[IntegrationPagerDuty].RoutingKeys
	require.Len(t, keys, 1)
	require.Equal(t, "FIREBREAK_PAGERDUTY_ROUTING_KEY", keys[0].KeyEnv)
	t.Setenv("FIREBREAK_PAGERDUTY_ROUTING_KEY", "")
	require.Empty(t, keys[0].Value(), "accepts nothing until the variable is set")
	t.Setenv("FIREBREAK_PAGERDUTY_ROUTING_KEY", "0123456789abcdef0123456789abcdef")
	require.Equal(t, "0123456789abcdef0123456789abcdef", keys[0].Value())
}
