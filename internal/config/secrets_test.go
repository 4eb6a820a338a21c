package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// env is a lookup over a fixed set of environment variables.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestCheckSecrets(t *testing.T) {
	all := map[string]string{
		"FIREBREAK_PAGER_SECRET":        "pager-secret",
		"FIREBREAK_ALERTMANAGER_TOKEN":  "am-token",
		"FIREBREAK_GENERIC_TOKEN":       "generic-token",
		"FIREBREAK_GENERIC_HMAC_SECRET": "generic-hmac",
	}
	without := func(name string, value ...string) map[string]string {
		vars := map[string]string{}
		for k, v := range all {
			if k != name {
				vars[k] = v
			}
		}
		if len(value) > 0 {
			vars[name] = value[0]
		}
		return vars
	}
	tests := []struct {
		name string
		use  SecretUse
		env  map[string]string
		want string
	}{
		{name: "every secret set", use: NotifierSecrets | IntakeSecrets, env: all},
		{
			name: "notifier secret unset",
			use:  NotifierSecrets,
			env:  without("FIREBREAK_PAGER_SECRET"),
			want: "secrets.yaml:18: notifiers[0].secret_env: environment variable FIREBREAK_PAGER_SECRET is not set",
		},
		{
			name: "notifier secret empty",
			use:  NotifierSecrets,
			env:  without("FIREBREAK_PAGER_SECRET", ""),
			want: "secrets.yaml:18: notifiers[0].secret_env: environment variable FIREBREAK_PAGER_SECRET is empty",
		},
		{
			name: "notifier secret blank",
			use:  NotifierSecrets,
			env:  without("FIREBREAK_PAGER_SECRET", " \t"),
			want: "secrets.yaml:18: notifiers[0].secret_env: environment variable FIREBREAK_PAGER_SECRET is empty",
		},
		{
			name: "a worker does not need the intake's secrets",
			use:  NotifierSecrets,
			env:  map[string]string{"FIREBREAK_PAGER_SECRET": "pager-secret"},
		},
		{
			name: "the intake does not need the notifiers' secrets",
			use:  IntakeSecrets,
			env:  without("FIREBREAK_PAGER_SECRET"),
		},
		{
			name: "intake token unset",
			use:  IntakeSecrets,
			env:  without("FIREBREAK_ALERTMANAGER_TOKEN"),
			want: "secrets.yaml:26: alerts.integrations.alertmanager.token_env: environment variable FIREBREAK_ALERTMANAGER_TOKEN is not set",
		},
		{
			name: "hmac secret empty",
			use:  IntakeSecrets,
			env:  without("FIREBREAK_GENERIC_HMAC_SECRET", ""),
			want: "secrets.yaml:31: alerts.integrations.generic.hmac_secret_env: environment variable FIREBREAK_GENERIC_HMAC_SECRET is empty",
		},
		{
			name: "every problem at once, in file order",
			use:  NotifierSecrets | IntakeSecrets,
			env:  map[string]string{},
			want: "secrets.yaml:18: notifiers[0].secret_env: environment variable FIREBREAK_PAGER_SECRET is not set\n" +
				"secrets.yaml:26: alerts.integrations.alertmanager.token_env: environment variable FIREBREAK_ALERTMANAGER_TOKEN is not set\n" +
				"secrets.yaml:30: alerts.integrations.generic.token_env: environment variable FIREBREAK_GENERIC_TOKEN is not set\n" +
				"secrets.yaml:31: alerts.integrations.generic.hmac_secret_env: environment variable FIREBREAK_GENERIC_HMAC_SECRET is not set",
		},
	}
	data, err := os.ReadFile(filepath.Join("testdata", "secrets.yaml"))
	require.NoError(t, err)
	c, err := Parse("secrets.yaml", data)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.CheckSecrets(tt.use, env(tt.env))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
			for _, secret := range all {
				require.NotContains(t, err.Error(), secret)
			}
		})
	}
}

func TestCheckSecretsWithoutFile(t *testing.T) {
	c := &Config{Notifiers: []Notifier{{ID: "pager", Type: NotifierTypeWebhook, URL: "https://hooks.example.com", SecretEnv: "PAGER_SECRET"}}}
	err := c.CheckSecrets(NotifierSecrets, env(nil))
	require.EqualError(t, err, "notifiers[0].secret_env: environment variable PAGER_SECRET is not set")
}

func TestEnabledIntegrations(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{name: "only the literal token", env: nil, want: []string{"sns"}},
		{name: "a token from the environment", env: map[string]string{"FIREBREAK_ALERTMANAGER_TOKEN": "t"}, want: []string{"alertmanager", "sns"}},
		{name: "an hmac secret alone", env: map[string]string{"FIREBREAK_GENERIC_HMAC_SECRET": "s"}, want: []string{"generic", "sns"}},
		{name: "an empty variable enables nothing", env: map[string]string{"FIREBREAK_GENERIC_TOKEN": " "}, want: []string{"sns"}},
	}
	c, err := Load(filepath.Join("testdata", "secrets.yaml"))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, c.EnabledIntegrations(env(tt.env)))
		})
	}
}

func TestSecretSources(t *testing.T) {
	t.Setenv("FIREBREAK_TEST_SECRET", "from-env")
	tests := []struct {
		name string
		got  func() string
		want string
	}{
		{"notifier secret in the file", func() string { return Notifier{Secret: "literal"}.SigningSecret() }, "literal"},
		{"notifier secret from the environment", func() string { return Notifier{SecretEnv: "FIREBREAK_TEST_SECRET"}.SigningSecret() }, "from-env"},
		{"no notifier secret", func() string { return Notifier{}.SigningSecret() }, ""},
		{"token in the file", func() string { return Integration{Token: "literal"}.BearerToken() }, "literal"},
		{"token from the environment", func() string { return Integration{TokenEnv: "FIREBREAK_TEST_SECRET"}.BearerToken() }, "from-env"},
		{"hmac secret in the file", func() string { return string(Integration{HMAC: "literal"}.HMACSecret()) }, "literal"},
		{"hmac secret from the environment", func() string { return string(Integration{HMACSecretEnv: "FIREBREAK_TEST_SECRET"}.HMACSecret()) }, "from-env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.got())
		})
	}
}
