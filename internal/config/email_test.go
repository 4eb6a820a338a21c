package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// emailBase is a valid configuration of 15 lines, so that what is written after it starts on
// line 16.
const emailBase = `organisation: Test Corp
people:
  - id: alice
    email: alice@example.com
teams:
  - id: payments
    rotation:
      start: 2025-01-06T09:00:00Z
      shift: 168h
      members: [alice]
services:
  - id: checkout
    team: payments
  - id: search
    team: payments
`

// emailNotifier is an email notifier at lines 16 to 21.
const emailNotifier = `notifiers:
  - id: mail
    type: email
    email:
      smtp: smtp.example.com:587
      from: Firebreak <firebreak@example.com>
`

func TestEmailDefaults(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(emailBase+emailNotifier+`stakeholders:
  - name: leads
    addresses: [leads@example.com, "Support <support@example.com>"]
`))
	require.NoError(t, err)
	n, ok := c.Notifier("mail")
	require.True(t, ok)
	require.Equal(t, &EmailNotifier{
		SMTP: "smtp.example.com:587", From: "Firebreak <firebreak@example.com>", StartTLS: StartTLSRequired,
		Timeout: Duration(10 * time.Second), MaxBodyBytes: 65536,
	}, n.Email)
	require.Equal(t, []StakeholderList{{
		Name: "leads", Notifier: "mail", Audiences: []string{AudienceInternal},
		Addresses: []string{"leads@example.com", "Support <support@example.com>"},
	}}, c.StakeholderLists, "the only email notifier sends, to the internal audience")
	require.Equal(t, []string{"leads@example.com", "support@example.com"}, c.Stakeholders("mail", "checkout", "sev3", AudienceInternal))
	require.Empty(t, c.Stakeholders("mail", "checkout", "sev3", AudienceExternal))
}

func TestStakeholderRouting(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(emailBase+emailNotifier+`  - id: relay
    type: email
    email: {smtp: "127.0.0.1:25", from: firebreak@example.com, starttls: "off"}
stakeholders:
  - name: checkout-major
    notifier: mail
    services: [checkout]
    severities: [sev1, sev2]
    addresses: [checkout-leads@example.com, execs@example.com]
  - name: execs
    notifier: mail
    severities: [sev1]
    addresses: [execs@example.com]
  - name: customers
    notifier: mail
    services: [checkout]
    audiences: [external]
    addresses: [customers@example.com]
  - name: local
    notifier: relay
    addresses: [ops@example.com]
`))
	require.NoError(t, err)
	tests := []struct {
		name                                  string
		notifier, service, severity, audience string
		want                                  []string
	}{
		{"sev1 checkout internal", "mail", "checkout", "sev1", "internal", []string{"checkout-leads@example.com", "execs@example.com"}},
		{"sev2 checkout internal", "mail", "checkout", "sev2", "internal", []string{"checkout-leads@example.com", "execs@example.com"}},
		{"sev3 checkout internal", "mail", "checkout", "sev3", "internal", nil},
		{"sev1 search internal", "mail", "search", "sev1", "internal", []string{"execs@example.com"}},
		{"severity not yet known reaches every list", "mail", "search", "", "internal", []string{"execs@example.com"}},
		{"external checkout", "mail", "checkout", "sev3", "external", []string{"customers@example.com"}},
		{"external search", "mail", "search", "sev1", "external", nil},
		{"other notifier", "relay", "search", "sev3", "internal", []string{"ops@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, c.Stakeholders(tt.notifier, tt.service, tt.severity, tt.audience))
		})
	}
}

func TestEmailErrors(t *testing.T) {
	tests := []struct {
		name string
		tail string // written from line 16
		want string
	}{
		{"missing settings", "notifiers:\n  - id: mail\n    type: email\n",
			"firebreak.yaml:17: notifiers[0].email: missing email settings: want at least smtp and from"},
		{"settings of another type", emailNotifier + "    url: https://example.com\n",
			"firebreak.yaml:22: notifiers[0].url: an email notifier takes its settings under email: move or remove url"},
		{"email settings on a webhook", "notifiers:\n  - id: hook\n    type: webhook\n    url: https://example.com\n    secret_env: S\n    email: {smtp: \"a:1\"}\n",
			"firebreak.yaml:21: notifiers[0].email: only an email notifier has email settings"},
		{"missing smtp", "notifiers:\n  - id: mail\n    type: email\n    email:\n      from: a@example.com\n",
			"firebreak.yaml:19: notifiers[0].email.smtp: missing smtp: want the relay's host:port, such as smtp.example.com:587"},
		{"no port", strings.Replace(emailNotifier, "smtp.example.com:587", "smtp.example.com", 1),
			`firebreak.yaml:20: notifiers[0].email.smtp: invalid relay address "smtp.example.com": want host:port, such as smtp.example.com:587`},
		{"bad sender", strings.Replace(emailNotifier, "Firebreak <firebreak@example.com>", "not-an-address", 1),
			`firebreak.yaml:21: notifiers[0].email.from: invalid email address "not-an-address"`},
		{"plain text to a remote relay", emailNotifier + "      starttls: \"off\"\n",
			`firebreak.yaml:22: notifiers[0].email.starttls: off is allowed only for a relay on localhost or a loopback address, not "smtp.example.com": mail and password would cross the network in plain text`},
		{"unknown starttls", emailNotifier + "      starttls: maybe\n",
			`firebreak.yaml:22: notifiers[0].email.starttls: unknown value "maybe": want required or off`},
		{"username without password", emailNotifier + "      username: firebreak\n",
			"firebreak.yaml:19: notifiers[0].email.password_env: missing name of the environment variable holding the password of firebreak"},
		{"password without username", emailNotifier + "      password_env: SMTP_PASSWORD\n",
			"firebreak.yaml:19: notifiers[0].email.username: missing username: password_env is set"},
		{"literal password", emailNotifier + "      username: u\n      password: hunter2\n",
			"firebreak.yaml:23: field password not found in type config.EmailNotifier"},
		{"timeout", emailNotifier + "      timeout: 10m\n",
			"firebreak.yaml:22: notifiers[0].email.timeout: 10m is outside the range 1s to 5m"},
		{"body limit", emailNotifier + "      max_body_bytes: 100\n",
			"firebreak.yaml:22: notifiers[0].email.max_body_bytes: 100 is outside the range 512 to 10485760"},
		{"list names one of two email notifiers", emailNotifier + "  - id: mail2\n    type: email\n    email: {smtp: \"a.example:25\", from: a@example.com}\n" +
			"stakeholders:\n  - name: x\n    notifier: mail\n    addresses: [x@example.com]\n",
			""},
		{"list without email notifier", "stakeholders:\n  - name: leads\n    addresses: [a@example.com]\n",
			"firebreak.yaml:17: stakeholders[0]: no email notifier to send to the list: add a notifier of type email"},
		{"list without notifier among several", emailNotifier + "  - id: mail2\n    type: email\n    email: {smtp: \"a.example:25\", from: a@example.com}\n" +
			"stakeholders:\n  - name: leads\n    addresses: [a@example.com]\n",
			"firebreak.yaml:26: stakeholders[0].notifier: missing notifier: name one of the email notifiers mail, mail2"},
		{"list names a console notifier", emailNotifier + "stakeholders:\n  - name: leads\n    notifier: console\n    addresses: [a@example.com]\n",
			`firebreak.yaml:24: stakeholders[0].notifier: "console" is not an email notifier`},
		{"list problems", emailNotifier + "stakeholders:\n  - name: Leads\n    services: [checkout, billing]\n    severities: [sev4]\n" +
			"    audiences: [customers]\n    addresses: [not-an-address]\n",
			`firebreak.yaml:23: stakeholders[0].name: invalid name "Leads": use at most 63 lowercase letters, digits and hyphens, starting with a letter or digit` + "\n" +
				`firebreak.yaml:24: stakeholders[0].services[1]: unknown service "billing"` + "\n" +
				`firebreak.yaml:25: stakeholders[0].severities[0]: unknown severity "sev4": want sev1, sev2 or sev3` + "\n" +
				`firebreak.yaml:26: stakeholders[0].audiences[0]: unknown audience "customers": want internal or external` + "\n" +
				`firebreak.yaml:27: stakeholders[0].addresses[0]: invalid email address "not-an-address"`},
		{"list without addresses", emailNotifier + "stakeholders:\n  - name: leads\n",
			"firebreak.yaml:23: stakeholders[0].addresses: no addresses: want at least one e-mail address"},
		{"duplicate list", emailNotifier + "stakeholders:\n  - name: leads\n    addresses: [a@example.com]\n  - name: leads\n    addresses: [b@example.com]\n",
			"firebreak.yaml:25: stakeholders[1].name: duplicate stakeholder list \"leads\", first defined on line 23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("firebreak.yaml", []byte(emailBase+tt.tail))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestPersonPagedByEmailNeedsAnAddress(t *testing.T) {
	base := strings.Replace(emailBase, "    email: alice@example.com\n", "    notify: [console, mail]\n", 1)
	_, err := Parse("firebreak.yaml", []byte(base+emailNotifier))
	require.EqualError(t, err, `firebreak.yaml:4: people[0].notify[1]: notifier "mail" sends e-mail, and alice has no email address`)
}

func TestEmailPasswordSecret(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(emailBase+emailNotifier+"      username: firebreak\n      password_env: SMTP_PASSWORD\n"))
	require.NoError(t, err)
	require.EqualError(t, c.CheckSecrets(NotifierSecrets, env(nil)),
		"firebreak.yaml:23: notifiers[0].email.password_env: environment variable SMTP_PASSWORD is not set")
	require.NoError(t, c.CheckSecrets(IntakeSecrets, env(nil)), "the alert webhooks do not need it")
	require.NoError(t, c.CheckSecrets(NotifierSecrets, env(map[string]string{"SMTP_PASSWORD": "pw"})))
	n, _ := c.Notifier("mail")
	require.Equal(t, "pw", n.Email.Password(env(map[string]string{"SMTP_PASSWORD": "pw"})))
}

// The commented e-mail and tracking examples of example.yaml are valid once uncommented.
func TestExampleEmailAndTrackingSnippets(t *testing.T) {
	var snippet strings.Builder
	for line := range strings.SplitSeq(string(ExampleYAML()), "\n") {
		if rest, ok := strings.CutPrefix(line, "#   "); ok {
			snippet.WriteString(rest + "\n")
		}
	}
	text := snippet.String()
	i := strings.Index(text, "notifiers:\n  - id: mail")
	require.GreaterOrEqual(t, i, 0, "the e-mail example is in example.yaml")
	c, err := Parse("snippet.yaml", []byte(emailBase+text[i:]))
	require.NoError(t, err)
	require.Equal(t, "example/incidents", c.Tracking.GitHub.Repository)
	require.Equal(t, []string{"checkout-leads@example.com"}, c.Stakeholders("mail", "checkout", "sev1", AudienceInternal))
	require.Equal(t, []string{"status-subscribers@example.com"}, c.Stakeholders("mail", "search", "sev3", AudienceExternal))
}
