package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// heartbeatBase is a valid configuration of 15 lines, so that the heartbeats section written
// after it starts on line 16.
const heartbeatBase = `organisation: Test Corp
people:
  - id: alice
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice]
services:
  - id: checkout
    team: payments
alerts:
  integrations:
    alertmanager: {token_env: AM_TOKEN}
`

func TestHeartbeatDefaults(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(heartbeatBase+`heartbeats:
  - name: watchdog
    interval: 1m
    service: checkout
  - name: nightly-backup
    integration: alertmanager
    interval: 24h
    grace: 2h
    service: checkout
    title: Nightly backup did not report
    impact: {customers_affected: none, data_loss: false, core_degraded: true}
`))
	require.NoError(t, err)

	watchdog, ok := c.Heartbeat("watchdog")
	require.True(t, ok)
	require.Equal(t, Heartbeat{
		Name: "watchdog", Integration: IntegrationAlertmanager, Interval: Duration(time.Minute),
		Grace: Duration(time.Minute), Service: "checkout", Title: "Heartbeat watchdog missed",
	}, watchdog, "grace defaults to the interval, the integration to alertmanager")
	require.Equal(t, 2*time.Minute, watchdog.Deadline())
	require.Empty(t, watchdog.Impact.Facts())

	backup, ok := c.Heartbeat("nightly-backup")
	require.True(t, ok)
	require.Equal(t, 26*time.Hour, backup.Deadline())
	require.Equal(t, "Nightly backup did not report", backup.Title)
	require.Equal(t, map[string]any{"customers_affected": "none", "data_loss": false, "core_degraded": true}, backup.Impact.Facts())

	_, ok = c.Heartbeat("missing")
	require.False(t, ok)
}

func TestExampleHeartbeat(t *testing.T) {
	watchdog, ok := Example().Heartbeat("watchdog")
	require.True(t, ok)
	require.Equal(t, IntegrationAlertmanager, watchdog.Integration)
	_, ok = Example().Service(watchdog.Service)
	require.True(t, ok)
}

func TestHeartbeatErrors(t *testing.T) {
	tests := []struct {
		name      string
		heartbeat string // the fields of one heartbeat, each on its own line from line 17, the item's line
		want      string
	}{
		{"missing name", "interval: 1m\nservice: checkout", "firebreak.yaml:17: heartbeats[0].name: missing name"},
		{"invalid name", "name: Watch_Dog\ninterval: 1m\nservice: checkout",
			`firebreak.yaml:17: heartbeats[0].name: invalid name "Watch_Dog": use at most 63 lowercase letters, digits and hyphens, starting with a letter or digit`},
		{"name too long", "name: " + strings.Repeat("a", 64) + "\ninterval: 1m\nservice: checkout",
			fmt.Sprintf(`firebreak.yaml:17: heartbeats[0].name: invalid name %q: use at most 63 lowercase letters, digits and hyphens, starting with a letter or digit`, strings.Repeat("a", 64))},
		{"missing interval", "name: watchdog\nservice: checkout",
			"firebreak.yaml:17: heartbeats[0].interval: missing interval: want how often the sender pings, such as 1m"},
		{"interval too short", "name: watchdog\ninterval: 1ms\nservice: checkout",
			"firebreak.yaml:18: heartbeats[0].interval: interval 1ms out of range: want 1s to 744h0m0s"},
		{"interval too long", "name: watchdog\ninterval: 100000h\nservice: checkout",
			"firebreak.yaml:18: heartbeats[0].interval: interval 100000h0m0s out of range: want 1s to 744h0m0s"},
		{"negative grace", "name: watchdog\ninterval: 1m\ngrace: -1m\nservice: checkout",
			"firebreak.yaml:19: heartbeats[0].grace: grace -1m0s out of range: want 0s to 744h0m0s"},
		{"bad duration", "name: watchdog\ninterval: soon\nservice: checkout",
			`firebreak.yaml:18: heartbeats[0].interval: invalid duration "soon": want a duration such as "5m" or "168h"`},
		{"missing service", "name: watchdog\ninterval: 1m",
			"firebreak.yaml:17: heartbeats[0].service: missing service: want the ID of the service whose team is paged"},
		{"unknown service", "name: watchdog\ninterval: 1m\nservice: chekout",
			`firebreak.yaml:19: heartbeats[0].service: unknown service "chekout"`},
		{"unknown integration", "name: watchdog\nintegration: sns\ninterval: 1m\nservice: checkout",
			`firebreak.yaml:18: heartbeats[0].integration: unknown integration "sns": want alertmanager or generic, whose bearer token authenticates the pings`},
		{"integration not configured", "name: watchdog\nintegration: generic\ninterval: 1m\nservice: checkout",
			"firebreak.yaml:18: heartbeats[0].integration: alerts.integrations has no generic integration: nothing could authenticate the pings"},
		{"bad customers", "name: watchdog\ninterval: 1m\nservice: checkout\nimpact:\n  customers_affected: many",
			`firebreak.yaml:21: heartbeats[0].impact.customers_affected: unknown scope "many": want none, some or all`},
		{"unknown impact fact", "name: watchdog\ninterval: 1m\nservice: checkout\nimpact:\n  mood: bad",
			"firebreak.yaml:21: field mood not found in type config.HeartbeatImpact"},
		{"unknown field", "name: watchdog\ninterval: 1m\nservice: checkout\nperiod: 1m",
			"firebreak.yaml:20: field period not found in type config.Heartbeat"},
		{"title too long", "name: watchdog\ninterval: 1m\nservice: checkout\ntitle: " + strings.Repeat("x", 301),
			"firebreak.yaml:20: heartbeats[0].title: title of 301 bytes: at most 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := strings.Split(tt.heartbeat, "\n")
			text := heartbeatBase + "heartbeats:\n  - " + strings.Join(lines, "\n    ") + "\n"
			c, err := Parse("firebreak.yaml", []byte(text))
			require.Nil(t, c)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestHeartbeatDuplicateName(t *testing.T) {
	_, err := Parse("firebreak.yaml", []byte(heartbeatBase+`heartbeats:
  - name: watchdog
    interval: 1m
    service: checkout
  - name: watchdog
    interval: 5m
    service: checkout
`))
	require.EqualError(t, err, `firebreak.yaml:20: heartbeats[1].name: duplicate heartbeat name "watchdog", first defined on line 17`)
}

func TestTooManyHeartbeats(t *testing.T) {
	var b strings.Builder
	b.WriteString(heartbeatBase + "heartbeats:\n")
	for i := range MaxHeartbeats + 1 {
		fmt.Fprintf(&b, "  - {name: hb-%d, interval: 1m, service: checkout}\n", i)
	}
	_, err := Parse("firebreak.yaml", []byte(b.String()))
	require.EqualError(t, err, "firebreak.yaml:16: heartbeats: 1001 heartbeats: at most 1000")
}
