package cli

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/temporalconn"
	"github.com/firebreak-dev/firebreak/policies"
)

// testSecrets returns the variables testdata/config/valid.yaml names, each set.
func testSecrets() map[string]string {
	return map[string]string{
		"FIREBREAK_TEST_PAGER_SECRET":  "pager-secret",
		"FIREBREAK_TEST_GENERIC_TOKEN": "generic-token",
	}
}

// lookupIn is an environment of exactly vars.
func lookupIn(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestPreflight(t *testing.T) {
	tests := []struct {
		name      string
		preflight preflight
		env       map[string]string
		want      []string // each a line of the error, in order; none for success
		contains  []string // parts of the error, when its lines are too many to list
	}{
		{
			name:      "dev with every secret set",
			preflight: preflight{ConfigPath: "testdata/config/valid.yaml", Secrets: config.NotifierSecrets | config.IntakeSecrets},
			env:       testSecrets(),
		},
		{
			name:      "worker without its notifier's secret",
			preflight: preflight{ConfigPath: "testdata/config/valid.yaml", Secrets: config.NotifierSecrets},
			env:       map[string]string{"FIREBREAK_TEST_GENERIC_TOKEN": "generic-token"},
			want:      []string{"testdata/config/valid.yaml:28: notifiers[0].secret_env: environment variable FIREBREAK_TEST_PAGER_SECRET is not set"},
		},
		{
			name:      "worker does not need the intake's token",
			preflight: preflight{ConfigPath: "testdata/config/valid.yaml", Secrets: config.NotifierSecrets},
			env:       map[string]string{"FIREBREAK_TEST_PAGER_SECRET": "pager-secret"},
		},
		{
			name:      "serve with an empty token",
			preflight: preflight{ConfigPath: "testdata/config/valid.yaml", Secrets: config.IntakeSecrets, Intake: true},
			env:       map[string]string{"FIREBREAK_TEST_GENERIC_TOKEN": ""},
			want:      []string{"testdata/config/valid.yaml:32: alerts.integrations.generic.token_env: environment variable FIREBREAK_TEST_GENERIC_TOKEN is empty"},
		},
		{
			name:      "dev on the built-in example leaves integrations without a token off",
			preflight: preflight{Secrets: config.NotifierSecrets | config.IntakeSecrets},
			env:       map[string]string{},
		},
		{
			name:      "serve on the built-in example without any token",
			preflight: preflight{Secrets: config.IntakeSecrets, Intake: true},
			env:       map[string]string{},
			want:      []string{"built-in example (services checkout, search, reports): no alert integration has a token or secret set, so firebreak serve would accept no alert"},
		},
		{
			name:      "serve on the built-in example with one token",
			preflight: preflight{Secrets: config.IntakeSecrets, Intake: true},
			env:       map[string]string{"FIREBREAK_GENERIC_TOKEN": "t"},
		},
		{
			name:      "every problem of the file at once",
			preflight: preflight{ConfigPath: "testdata/config/bad.yaml", Secrets: config.NotifierSecrets},
			want: []string{
				"testdata/config/bad.yaml:14: services[0].ack_timeout: 1ms is outside the range 1m to 24h",
				`testdata/config/bad.yaml:16: services[1].team: unknown team "paymnts"`,
			},
		},
		{
			name:      "a policy that does not compile",
			preflight: preflight{ConfigPath: "testdata/config/broken_policy.yaml", Secrets: config.NotifierSecrets},
			env:       testSecrets(),
			contains:  []string{"compile policies: parse policies: testdata/policies/broken/broken.rego:4:0: rego_parse_error: unexpected eof token"},
		},
		{
			name:      "a missing secret and a broken policy together",
			preflight: preflight{ConfigPath: "testdata/config/broken_policy.yaml", Secrets: config.NotifierSecrets},
			env:       map[string]string{},
			contains: []string{
				"testdata/config/broken_policy.yaml:28: notifiers[0].secret_env: environment variable FIREBREAK_TEST_PAGER_SECRET is not set\n",
				"testdata/policies/broken/broken.rego:4:0: rego_parse_error",
			},
		},
		{
			name:      "the built-in policies page teams the configuration lacks",
			preflight: preflight{ConfigPath: "testdata/config/no_operations.yaml", Secrets: config.NotifierSecrets},
			contains: []string{
				`policies/engagement.rego:45: engagement decision for service checkout, sev1 outage: tier 3 names team "operations", which is not in the configuration (and 3 more cases)`,
				`policies/engagement.rego:45: engagement decision for service checkout, sev1 outage: the ladder's end names team "operations", which is not in the configuration (and 3 more cases)`,
				`policies/engagement.rego:45: engagement decision for service checkout, sev1 security: tier 1 names team "security", which is not in the configuration (and 2 more cases)`,
				`policies/engagement.rego:45: engagement decision for service checkout, sev1 security: tier 3 names team "security", which is not in the configuration (and 1 more case)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.preflight
			p.Lookup = lookupIn(tt.env)
			cfg, err := p.run(t.Context())
			if tt.want == nil && tt.contains == nil {
				require.NoError(t, err)
				require.NotNil(t, cfg)
				return
			}
			require.Nil(t, cfg)
			require.Error(t, err)
			if tt.want != nil {
				require.Equal(t, tt.want, errorLines(err))
			}
			for _, part := range tt.contains {
				require.Contains(t, err.Error(), part)
			}
			for _, secret := range testSecrets() {
				require.NotContains(t, err.Error(), secret)
			}
		})
	}
}

// TestSmokePolicies runs the start-up check against bundles that compile but would fail or page
// nobody once an incident runs: the built-in policies with one decision replaced.
func TestSmokePolicies(t *testing.T) {
	tests := []struct {
		name     string
		decision policies.Name
		rego     string
		want     string // the error's only line, with DIR for the bundle's directory
		contains []string
	}{
		{
			name:     "severity outside sev1 to sev3",
			decision: policies.Severity,
			rego:     "package firebreak.severity\n\ndecision := {\"severity\": \"critical\", \"reasons\": []}\n",
			want:     `DIR/severity.rego:3: severity decision for service checkout, customers affected "all": unknown severity "critical" (and 3 more cases)`,
		},
		{
			name:     "engagement names a team the configuration lacks",
			decision: policies.Engagement,
			rego: "package firebreak.engagement\n\ndecision := {\"tiers\": [[{\"team\": \"paymnts\"}]], \"commander_team\": \"\", " +
				"\"ladder_end\": [{\"team\": \"payments\"}], \"reasons\": []}\n",
			want: `DIR/engagement.rego:3: engagement decision for service checkout, sev1 outage: tier 1 names team "paymnts", which is not in the configuration (and 5 more cases)`,
		},
		{
			name:     "engagement with an empty tier",
			decision: policies.Engagement,
			rego: "package firebreak.engagement\n\ndecision := {\"tiers\": [[{\"team\": \"payments\"}], []], \"commander_team\": \"\", " +
				"\"ladder_end\": [{\"person\": \"alice\"}], \"reasons\": []}\n",
			want: `DIR/engagement.rego:3: engagement decision for service checkout, sev1 outage: tier 2 names nobody (and 5 more cases)`,
		},
		{
			name:     "escalation that waits no time",
			decision: policies.Escalation,
			rego:     "package firebreak.escalation\n\ndecision := {\"ack_timeout_seconds\": [0], \"repeats\": 0, \"reasons\": []}\n",
			want:     `DIR/escalation.rego:3: escalation decision for service checkout, sev1 outage: level 1 waits 0s for an acknowledgement: want a positive timeout (and 5 more cases)`,
		},
		{
			name:     "escalation whose rules conflict",
			decision: policies.Escalation,
			rego: "package firebreak.escalation\n\n" +
				"decision := {\"ack_timeout_seconds\": [60], \"reasons\": []} if input.incident.severity == \"sev1\"\n\n" +
				"decision := {\"ack_timeout_seconds\": [120], \"reasons\": []} if input.incident.type == \"outage\"\n",
			contains: []string{
				"DIR/escalation.rego:3: escalation decision for service checkout, sev1 outage: evaluate escalation: DIR/escalation.rego:",
				"eval_conflict_error",
			},
		},
		{
			name:     "routing undefined",
			decision: policies.Routing,
			rego:     "package firebreak.routing\n\ndecision := {\"open\": true, \"group\": \"g\", \"reasons\": []} if input.never\n",
			want:     `DIR/routing.rego:3: routing decision for a firing alert of service checkout: route alert firebreak-preflight: evaluate routing: data.firebreak.routing.decision is undefined`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := policyDir(t, map[policies.Name]string{tt.decision: tt.rego})
			p := preflight{ConfigPath: configWithPolicies(t, dir), Secrets: config.NotifierSecrets, Lookup: lookupIn(testSecrets())}
			_, err := p.run(t.Context())
			require.Error(t, err)
			if tt.want != "" {
				require.Equal(t, []string{strings.ReplaceAll(tt.want, "DIR", dir)}, errorLines(err))
			}
			for _, part := range tt.contains {
				require.Contains(t, err.Error(), strings.ReplaceAll(part, "DIR", dir))
			}
		})
	}
}

// policyDir writes the built-in policies (without their tests) to a new directory, with the
// given decisions' files replaced, and returns the directory.
func policyDir(t *testing.T, replace map[policies.Name]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range policies.Names() {
		text, ok := replace[name]
		if !ok {
			b, err := os.ReadFile(filepath.Join("..", "..", "policies", string(name)+".rego"))
			require.NoError(t, err)
			text = string(b)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, string(name)+".rego"), []byte(text), 0o600))
	}
	return dir
}

// configWithPolicies writes testdata/config/valid.yaml with its policies in dir to a new file
// and returns the file's path.
func configWithPolicies(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "config", "valid.yaml"))
	require.NoError(t, err)
	name := filepath.Join(t.TempDir(), "firebreak.yaml")
	require.NoError(t, os.WriteFile(name, append(b, []byte("policies: "+dir+"\n")...), 0o600))
	return name
}

// TestStartupRefusesBeforeStarting runs each long-running command through Main with a
// configuration, secret or policy problem, and checks it exits 1 with the problem's file and line
// before it starts anything: no embedded server, no connection to Temporal (a listener stands in
// for it and counts connections), no HTTP listener and no data directory.
func TestStartupRefusesBeforeStarting(t *testing.T) {
	badConfig := []string{
		"firebreak: testdata/config/bad.yaml:14: services[0].ack_timeout: 1ms is outside the range 1m to 24h",
		`firebreak: testdata/config/bad.yaml:16: services[1].team: unknown team "paymnts"`,
	}
	pagerSecret := "firebreak: testdata/config/valid.yaml:28: notifiers[0].secret_env: environment variable FIREBREAK_TEST_PAGER_SECRET is not set"
	genericToken := "firebreak: testdata/config/valid.yaml:32: alerts.integrations.generic.token_env: environment variable FIREBREAK_TEST_GENERIC_TOKEN is empty"
	brokenPolicy := "firebreak: compile policies: parse policies: testdata/policies/broken/broken.rego:4:0: rego_parse_error: unexpected eof token"
	tests := []struct {
		name     string
		command  string
		config   string
		env      map[string]string
		want     []string // every line of the error output
		contains string   // or the start of its only line
	}{
		{name: "dev with a bad configuration", command: "dev", config: "bad.yaml", env: testSecrets(), want: badConfig},
		{name: "worker with a bad configuration", command: "worker", config: "bad.yaml", env: testSecrets(), want: badConfig},
		{name: "serve with a bad configuration", command: "serve", config: "bad.yaml", env: testSecrets(), want: badConfig},
		{name: "dev without its secrets", command: "dev", config: "valid.yaml", env: map[string]string{"FIREBREAK_TEST_GENERIC_TOKEN": ""}, want: []string{pagerSecret, genericToken}},
		{name: "worker without its notifier's secret", command: "worker", config: "valid.yaml", env: map[string]string{"FIREBREAK_TEST_GENERIC_TOKEN": ""}, want: []string{pagerSecret}},
		{name: "serve without its token", command: "serve", config: "valid.yaml", env: map[string]string{"FIREBREAK_TEST_GENERIC_TOKEN": ""}, want: []string{genericToken}},
		{name: "dev with a broken policy", command: "dev", config: "broken_policy.yaml", env: testSecrets(), contains: brokenPolicy},
		{name: "worker with a broken policy", command: "worker", config: "broken_policy.yaml", env: testSecrets(), contains: brokenPolicy},
		{name: "serve with a broken policy", command: "serve", config: "broken_policy.yaml", env: testSecrets(), contains: brokenPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"FIREBREAK_TEST_PAGER_SECRET", "FIREBREAK_TEST_GENERIC_TOKEN", temporalconn.APIKeyEnv} {
				t.Setenv(name, "")
				os.Unsetenv(name) // restored by t.Setenv's cleanup
			}
			for name, value := range tt.env {
				t.Setenv(name, value)
			}
			temporal := newConnCounter(t)
			httpAddr := freeAddr(t)
			dataDir := filepath.Join(t.TempDir(), "data")
			serverStarted := false
			startDevServer := func(context.Context, DevServerSettings) (DevServer, error) {
				serverStarted = true
				return nil, errors.New("the embedded server must not start")
			}
			args := []string{tt.command, "--config", filepath.Join("testdata", "config", tt.config), "--http", httpAddr}
			switch tt.command {
			case "dev":
				args = append(args, "--data-dir", dataDir)
			case "worker":
				args = append(args, "--address", temporal.addr, "--data-dir", dataDir)
			case "serve":
				args = append(args, "--address", temporal.addr)
			}

			io, out, errOut := testIO("")
			code := Main(args, io, "1.2.3", startDevServer)

			require.Equal(t, 1, code, "stderr: %s", errOut)
			if tt.want != nil {
				require.Equal(t, strings.Join(tt.want, "\n")+"\n", errOut.String())
			} else {
				require.True(t, strings.HasPrefix(errOut.String(), tt.contains), errOut.String())
				require.Equal(t, 1, strings.Count(errOut.String(), "\n"), "one line: %s", errOut)
			}
			require.Empty(t, out.String())
			require.False(t, serverStarted, "the embedded Temporal server started")
			require.Zero(t, temporal.count(), "connected to Temporal")
			require.NoDirExists(t, dataDir)
			l, err := net.Listen("tcp", httpAddr)
			require.NoError(t, err, "the HTTP address is still taken")
			l.Close()
		})
	}
}

// connCounter is a TCP listener standing in for a Temporal frontend: it counts the connections
// it accepts and closes them.
type connCounter struct {
	addr     string
	accepted atomic.Int64
}

func newConnCounter(t *testing.T) *connCounter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	c := &connCounter{addr: l.Addr().String()}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	return c
}

func (c *connCounter) count() int64 { return c.accepted.Load() }

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// BenchmarkPreflight measures what the start-up check adds to `firebreak dev` on the built-in
// example: compiling the policies, and the smoke test of every decision for its three services.
func BenchmarkPreflight(b *testing.B) {
	cfg := config.Example()
	b.Run("compile", func(b *testing.B) {
		for b.Loop() {
			if _, err := policies.Load(b.Context(), ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	evaluator, err := policies.Load(b.Context(), "")
	require.NoError(b, err)
	b.Run("smoke", func(b *testing.B) {
		for b.Loop() {
			if err := smokePolicies(b.Context(), cfg, evaluator); err != nil {
				b.Fatal(err)
			}
		}
	})
}
