package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestExample(t *testing.T) {
	c, err := Parse("example.yaml", ExampleYAML())
	require.NoError(t, err)
	require.Equal(t, c.Services, Example().Services)

	require.Equal(t, "Example Corp", c.Organisation)
	require.Equal(t, "Europe/Rome", c.Location().String())

	checkout, ok := c.Service("checkout")
	require.True(t, ok)
	require.Equal(t, Service{
		ID: "checkout", Name: "Checkout", Team: "payments", EscalationTeam: "platform",
		CustomerFacing: true, Features: []string{"cart", "payments"}, AckTimeout: Duration(5 * time.Minute),
	}, checkout)
	search, ok := c.Service("search")
	require.True(t, ok)
	require.Equal(t, "discovery", search.Team)
	require.True(t, search.CustomerFacing)
	reports, ok := c.Service("reports")
	require.True(t, ok)
	require.False(t, reports.CustomerFacing)

	for _, id := range []string{"payments", "discovery", "platform", "operations", "security", "incident-commanders"} {
		team, ok := c.Team(id)
		require.True(t, ok, id)
		require.GreaterOrEqual(t, len(team.Rotation.Members), 2, id)
		require.LessOrEqual(t, len(team.Rotation.Members), 3, id)
		require.Equal(t, Duration(7*24*time.Hour), team.Rotation.Shift, id)
	}
	_, ok = c.Notifier(ConsoleNotifier)
	require.True(t, ok)
}

func TestLoad(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "valid.yaml"))
	require.NoError(t, err)

	require.Equal(t, filepath.Join("testdata", "rego"), c.Policies)
	require.Equal(t, WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "08:30", End: "18:00"}, c.WorkingHours)
	require.Equal(t, []Notifier{
		{ID: "pager", Type: NotifierTypeWebhook, URL: "https://hooks.example.com/firebreak", SecretEnv: "FIREBREAK_PAGER_SECRET"},
		{ID: ConsoleNotifier, Type: NotifierTypeConsole},
	}, c.Notifiers)

	alice, ok := c.Person("alice")
	require.True(t, ok)
	require.Equal(t, []string{"pager", "console"}, alice.Notify)
	bob, ok := c.Person("bob")
	require.True(t, ok)
	require.Equal(t, []string{ConsoleNotifier}, bob.Notify, "default notifier")
	_, ok = c.Person("carol")
	require.False(t, ok)

	payments, ok := c.Team("payments")
	require.True(t, ok)
	require.Equal(t, time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC), payments.Rotation.Start.UTC())
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)

	require.Equal(t, DefaultTimezone, c.Timezone)
	require.Equal(t, time.UTC, c.Location())
	require.Equal(t, WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"}, c.WorkingHours)
	require.Equal(t, DefaultUIURL, c.UIURL)
	require.Equal(t, "https://meet.jit.si/firebreak-INC-42", c.Bridge("INC-42"))
	require.Empty(t, c.Policies)
	require.Equal(t, []Notifier{{ID: ConsoleNotifier, Type: NotifierTypeConsole}}, c.Notifiers)
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{"unknown field", "unknown_field.yaml", "unknown_field.yaml:2: field colour not found in type config.Config"},
		{"unknown nested field", "unknown_nested_field.yaml", "unknown_nested_field.yaml:13: field tema not found in type config.Service"},
		{"syntax error", "syntax.yaml", "syntax.yaml:2: did not find expected '-' indicator"},
		{"wrong type", "wrong_type.yaml", "wrong_type.yaml:14: services[0].customer_facing: cannot unmarshal !!str `yes please` into bool"},
		{"not a mapping", "not_a_mapping.yaml", "not_a_mapping.yaml:1: cannot unmarshal !!seq into config.Config"},
		{"two documents", "two_documents.yaml", "two_documents.yaml:2: more than one YAML document"},
		{"bad start", "bad_start.yaml", `bad_start.yaml:8: teams[0].rotation.start: invalid time "monday": want a timestamp such as 2025-01-06T09:00:00Z`},
		{"bad duration", "bad_duration.yaml", `bad_duration.yaml:9: teams[0].rotation.shift: invalid duration "1w": want a duration such as "5m" or "168h"`},
		{"unknown team", "unknown_team.yaml", `unknown_team.yaml:15: services[1].team: unknown team "paymnts"`},
		{"duplicate id", "duplicate_id.yaml", `duplicate_id.yaml:5: people[1].id: duplicate person id "alice", first defined on line 3`},
		{"invalid id", "invalid_id.yaml", `invalid_id.yaml:6: teams[0].id: invalid id "Payments": use lowercase letters, digits and hyphens, starting with a letter or digit`},
		{"unknown member", "unknown_member.yaml", `unknown_member.yaml:10: teams[0].rotation.members[1]: unknown person "bobby"`},
		{"no members", "no_members.yaml", "no_members.yaml:10: teams[0].rotation.members: no members: want at least one person id"},
		{"missing shift", "missing_shift.yaml", "missing_shift.yaml:7: teams[0].rotation.shift: want a positive duration, such as 168h"},
		{"missing start", "missing_start.yaml", "missing_start.yaml:7: teams[0].rotation.start: missing start time, such as 2025-01-06T09:00:00Z"},
		{"unknown notifier", "unknown_notifier.yaml", `unknown_notifier.yaml:5: people[0].notify[0]: unknown notifier "pager"`},
		{"notifier type", "notifier_type.yaml", `notifier_type.yaml:16: notifiers[0].type: unknown type "pigeon": want console, webhook, email, sms or slack`},
		{"webhook url", "webhook_url.yaml", "webhook_url.yaml:17: notifiers[0].url: want an absolute http or https URL"},
		{"webhook secret", "webhook_secret.yaml", "webhook_secret.yaml:15: notifiers[0].secret_env: missing name of the environment variable holding the HMAC signing secret"},
		{"bad timezone", "bad_timezone.yaml", `bad_timezone.yaml:2: timezone: unknown time zone "Europe/Rom": want an IANA name such as "Europe/Rome"`},
		{"bad day", "bad_day.yaml", `bad_day.yaml:3: working_hours.days[0]: unknown day "monday": want mon, tue, wed, thu, fri, sat or sun`},
		{"bad clock", "bad_clock.yaml", `bad_clock.yaml:3: working_hours.start: invalid time "9am": want HH:MM`},
		{"end before start", "end_before_start.yaml", "end_before_start.yaml:4: working_hours.end: end 09:00 is not after start 17:00"},
		{"unknown integration", "bad_alerts.yaml", `bad_alerts.yaml:17: alerts.integrations.opsgenie: unknown integration "opsgenie": want alertmanager, sns, generic or pagerduty`},
		{"hmac on alertmanager", "alerts_hmac_not_generic.yaml", "alerts_hmac_not_generic.yaml:17: alerts.integrations.alertmanager.hmac_secret_env: only the generic integration signs with an HMAC secret"},
		{"multiple errors", "multiple_errors.yaml", "multiple_errors.yaml:10: teams[0].rotation.members[1]: unknown person \"bobby\"\n" +
			"multiple_errors.yaml:15: services[1].team: unknown team \"paymnts\""},
		{"empty file", "empty.yaml", "empty.yaml:1: empty configuration: want at least people, teams and services"},
		{"only comments", "comments_only.yaml", "comments_only.yaml:1: empty configuration: want at least people, teams and services"},
		{"truncated between lines", "truncated.yaml", "truncated.yaml:1: services: no services: want at least one service, owned by a team\n" +
			"truncated.yaml:7: teams[0].rotation: missing rotation: want start, shift and members"},
		{"truncated in a line", "truncated_mid_line.yaml", "truncated_mid_line.yaml:9: did not find expected ',' or ']'"},
		{"no people, teams or services", "only_organisation.yaml", "only_organisation.yaml:1: people: no people: want at least one person who can be paged\n" +
			"only_organisation.yaml:1: teams: no teams: want at least one team with an on-call rotation\n" +
			"only_organisation.yaml:1: services: no services: want at least one service, owned by a team"},
		{"empty lists", "empty_lists.yaml", "empty_lists.yaml:2: people: no people: want at least one person who can be paged\n" +
			"empty_lists.yaml:3: teams: no teams: want at least one team with an on-call rotation\n" +
			"empty_lists.yaml:4: services: no services: want at least one service, owned by a team"},
		{"service without a team", "service_without_team.yaml", "service_without_team.yaml:12: services[0].team: missing team"},
		{"empty rotation", "empty_rotation.yaml", "empty_rotation.yaml:7: teams[0].rotation: missing rotation: want start, shift and members\n" +
			"empty_rotation.yaml:8: teams[1].rotation: missing rotation: want start, shift and members"},
		{"ack timeout too short", "ack_timeout_short.yaml", "ack_timeout_short.yaml:14: services[0].ack_timeout: 1ms is outside the range 1m to 24h"},
		{"ack timeout too long", "ack_timeout_long.yaml", "ack_timeout_long.yaml:14: services[0].ack_timeout: 100000h is outside the range 1m to 24h"},
		{"ack timeout in fractions of a second", "ack_timeout_fraction.yaml", "ack_timeout_fraction.yaml:14: services[0].ack_timeout: 1m30.5s is not a whole number of seconds"},
		{"shift too short", "shift_short.yaml", "shift_short.yaml:9: teams[0].rotation.shift: 30m is outside the range 1h to 2160h"},
		{"shift too long", "shift_long.yaml", "shift_long.yaml:9: teams[0].rotation.shift: 2161h is outside the range 1h to 2160h"},
		{"alert durations out of range", "alerts_durations.yaml", "alerts_durations.yaml:15: alerts.false_alarm_grace: 10s is outside the range 1m to 24h\n" +
			"alerts_durations.yaml:16: alerts.reopen_window: 1000h is outside the range 1m to 168h"},
		{"token and token_env", "token_conflict.yaml", "token_conflict.yaml:18: alerts.integrations.alertmanager.token_env: both token and token_env are set: keep one (token_env keeps the secret out of the file)"},
		{"hmac_secret and hmac_secret_env", "hmac_conflict.yaml", "hmac_conflict.yaml:18: alerts.integrations.generic.hmac_secret_env: both hmac_secret and hmac_secret_env are set: keep one (hmac_secret_env keeps the secret out of the file)"},
		{"notifier secret and secret_env", "notifier_secret_conflict.yaml", "notifier_secret_conflict.yaml:19: notifiers[0].secret_env: both secret and secret_env are set: keep one (secret_env keeps the secret out of the file)"},
		{"console notifier with a secret", "console_secret.yaml", "console_secret.yaml:17: notifiers[0].secret_env: a console notifier signs nothing: remove secret_env"},
		{"decode and validation problems together", "decode_and_validation.yaml", `decode_and_validation.yaml:9: teams[0].rotation.shift: invalid duration "1w": want a duration such as "5m" or "168h"` + "\n" +
			`decode_and_validation.yaml:15: services[1].team: unknown team "paymnts"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)

			c, err := Parse(tt.file, data)
			require.Nil(t, c)
			require.EqualError(t, err, tt.want)
			var cerr *Error
			require.True(t, errors.As(err, &cerr))
			require.NotContains(t, err.Error(), "s3cret", "a secret written in the file never appears in an error")
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDuration(t *testing.T) {
	var v struct {
		D Duration `yaml:"d"`
	}
	require.NoError(t, yaml.Unmarshal([]byte("d: 90m"), &v))
	require.Equal(t, Duration(90*time.Minute), v.D)

	out, err := yaml.Marshal(v)
	require.NoError(t, err)
	require.Equal(t, "d: 1h30m0s\n", string(out))
}

func TestRotationOnCall(t *testing.T) {
	start := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	r := Rotation{Start: start, Shift: Duration(7 * 24 * time.Hour), Members: []string{"alice", "bob", "carol"}}
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"before start", start.Add(-time.Hour), "alice"},
		{"at start", start, "alice"},
		{"end of first shift", start.Add(7*24*time.Hour - time.Nanosecond), "alice"},
		{"second shift", start.Add(7 * 24 * time.Hour), "bob"},
		{"third shift", start.Add(15 * 24 * time.Hour), "carol"},
		{"wraps around", start.Add(21 * 24 * time.Hour), "alice"},
		{"many shifts later", start.Add(100 * 7 * 24 * time.Hour), "bob"},
		{"before handover in another time zone", time.Date(2025, 1, 13, 9, 30, 0, 0, time.FixedZone("CET", 3600)), "alice"},
		{"after handover in another time zone", time.Date(2025, 1, 13, 10, 0, 0, 0, time.FixedZone("CET", 3600)), "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.OnCall(tt.at)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRotationOnCallInvalid(t *testing.T) {
	_, err := Rotation{Shift: Duration(time.Hour)}.OnCall(time.Now())
	require.EqualError(t, err, "find on-call member: rotation has no members")
	_, err = Rotation{Members: []string{"alice"}}.OnCall(time.Now())
	require.EqualError(t, err, "find on-call member: shift 0s is not positive")
}

func TestWorkingHours(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	w := WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"}
	at := func(day, hour, minute int) time.Time { return time.Date(2025, 3, day, hour, minute, 0, 0, rome) }

	// 28 March 2025 is a Friday; Europe/Rome moves to summer time on Sunday 30 March.
	tests := []struct {
		name     string
		t        time.Time
		contains bool
		next     time.Time
	}{
		{"friday morning", at(28, 10, 0), true, at(28, 10, 0)},
		{"friday at start", at(28, 9, 0), true, at(28, 9, 0)},
		{"friday before start", at(28, 8, 59), false, at(28, 9, 0)},
		{"friday at end", at(28, 17, 0), false, at(31, 9, 0)},
		{"friday evening", at(28, 22, 0), false, at(31, 9, 0)},
		{"saturday", at(29, 12, 0), false, at(31, 9, 0)},
		{"sunday after the clocks change", at(30, 12, 0), false, at(31, 9, 0)},
		{"monday", at(31, 16, 59), true, at(31, 16, 59)},
		{"utc time inside rome hours", time.Date(2025, 3, 28, 15, 30, 0, 0, time.UTC), true, time.Date(2025, 3, 28, 15, 30, 0, 0, time.UTC)},
		{"utc time after rome hours", time.Date(2025, 3, 28, 16, 30, 0, 0, time.UTC), false, at(31, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.contains, w.Contains(tt.t, rome))
			require.True(t, tt.next.Equal(w.NextStart(tt.t, rome)), "next start %s", w.NextStart(tt.t, rome))
		})
	}

	require.Equal(t, time.Date(2025, 3, 31, 7, 0, 0, 0, time.UTC), w.NextStart(at(29, 12, 0), rome).UTC(), "summer time")
	require.False(t, WorkingHours{Days: []string{"mon"}, Start: "17:00", End: "09:00"}.Contains(at(31, 12, 0), rome))
	require.True(t, WorkingHours{Days: []string{"mon"}, Start: "17:00", End: "09:00"}.NextStart(at(31, 12, 0), rome).IsZero())
}

// organisation is a valid configuration with one person, team and service, whose rotation
// shift is shift, followed by extra (lines under the service, then any top-level sections).
func organisation(shift, extra string) string {
	return "organisation: Test Corp\n" +
		"people:\n  - id: alice\n    name: Alice\n" +
		"teams:\n  - id: payments\n    rotation:\n      start: 2025-01-06T09:00:00Z\n      shift: " + shift + "\n      members: [alice]\n" +
		"services:\n  - id: checkout\n    team: payments\n" + extra
}

func TestDurationBounds(t *testing.T) {
	tests := []struct {
		name  string
		shift string
		extra string
		check func(t *testing.T, c *Config)
	}{
		{"shortest shift", "1h", "", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(MinShift), c.Teams[0].Rotation.Shift)
		}},
		{"longest shift", "2160h", "", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(MaxShift), c.Teams[0].Rotation.Shift)
		}},
		{"shortest ack timeout", "168h", "    ack_timeout: 1m\n", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(MinAckTimeout), c.Services[0].AckTimeout)
		}},
		{"longest ack timeout", "168h", "    ack_timeout: 24h\n", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(MaxAckTimeout), c.Services[0].AckTimeout)
		}},
		{"zero ack timeout means the policy's", "168h", "    ack_timeout: 0s\n", func(t *testing.T, c *Config) {
			require.Zero(t, c.Services[0].AckTimeout)
		}},
		{"alert durations at their bounds", "168h", "alerts:\n  false_alarm_grace: 24h\n  reopen_window: 1m\n", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(MaxFalseAlarmGrace), c.Alerts.FalseAlarmGrace)
			require.Equal(t, Duration(MinReopenWindow), c.Alerts.ReopenWindow)
		}},
		{"alert durations left out take their defaults", "168h", "", func(t *testing.T, c *Config) {
			require.Equal(t, Duration(DefaultFalseAlarmGrace), c.Alerts.FalseAlarmGrace)
			require.Equal(t, Duration(DefaultReopenWindow), c.Alerts.ReopenWindow)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("firebreak.yaml", []byte(organisation(tt.shift, tt.extra)))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestParseLimits(t *testing.T) {
	long := strings.Repeat("a", MaxIDLength+1)
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "file too large",
			data: organisation("168h", "# "+strings.Repeat("x", MaxFileBytes)+"\n"),
			want: "firebreak.yaml: file is larger than 1 MiB",
		},
		{
			name: "id too long",
			data: strings.Replace(organisation("168h", ""), "- id: checkout", "- id: "+long, 1),
			want: "firebreak.yaml:12: services[0].id: id \"" + long + "\" is longer than 63 characters",
		},
		{
			name: "control characters in a key are shown escaped",
			data: organisation("168h", "\"colour\\e]0;pwned\\a\\e[2J\": blue\n"),
			want: `firebreak.yaml:14: field colour\x1b]0;pwned\x07\x1b[2J not found in type config.Config`,
		},
		{
			name: "control characters in a field path are shown escaped",
			data: organisation("168h", "alerts:\n  integrations:\n    \"x\\e[2J\":\n      token: t\n"),
			want: `firebreak.yaml:16: alerts.integrations.x\x1b[2J: unknown integration "x\x1b[2J": want alertmanager, sns, generic or pagerduty`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("firebreak.yaml", []byte(tt.data))
			require.Nil(t, c)
			require.EqualError(t, err, tt.want)
			require.NotContains(t, err.Error(), "\x1b")
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	name := filepath.Join(t.TempDir(), "firebreak.yaml")
	require.NoError(t, os.WriteFile(name, []byte(organisation("168h", "# "+strings.Repeat("x", 2*MaxFileBytes)+"\n")), 0o600))
	_, err := Load(name)
	require.EqualError(t, err, name+": file is larger than 1 MiB")
}
