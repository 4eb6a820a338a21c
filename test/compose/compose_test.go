// Package compose_test checks the repository's docker-compose.yml and Dockerfile by parsing them:
// no Docker engine runs where the tests run, so the parse is the check.
package compose_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
)

const (
	composeFile = "../../docker-compose.yml"
	dockerfile  = "../../Dockerfile"
)

// searchAttributes are the custom search attributes Firebreak's workflows set.
var searchAttributes = []string{
	"IncidentService",
	"IncidentType",
	"IncidentSeverity",
	"IncidentPhase",
	"IncidentStatus",
	"IncidentCommander",
	"IncidentEscalationLevel",
}

func loadProject(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile}, cli.WithName("firebreak"), cli.WithOsEnv)
	require.NoError(t, err)
	project, err := opts.LoadProject(t.Context())
	require.NoError(t, err)
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	require.NoError(t, err, "service %q", name)
	return s
}

func TestServicesExist(t *testing.T) {
	p := loadProject(t)
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-setup", "temporal-ui", "firebreak", "firebreak-alerts"} {
		t.Run(name, func(t *testing.T) {
			service(t, p, name)
		})
	}
}

func TestLongRunningServicesHaveHealthChecks(t *testing.T) {
	p := loadProject(t)
	for _, tc := range []struct {
		name    string
		service string
		probe   string
	}{
		{name: "postgres answers pg_isready", service: "postgresql", probe: "pg_isready"},
		{name: "temporal frontend port is open", service: "temporal", probe: "7233"},
		{name: "web ui answers healthz", service: "temporal-ui", probe: "/healthz"},
		{name: "firebreak answers healthz", service: "firebreak", probe: "http://127.0.0.1:8080/healthz"},
		{name: "firebreak-alerts answers healthz", service: "firebreak-alerts", probe: "http://127.0.0.1:8080/healthz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := service(t, p, tc.service).HealthCheck
			require.NotNil(t, hc)
			require.False(t, hc.Disable)
			require.NotEmpty(t, hc.Test)
			require.Contains(t, strings.Join(hc.Test, " "), tc.probe)
		})
	}
}

func TestImagesArePinned(t *testing.T) {
	p := loadProject(t)
	for _, tc := range []struct {
		name    string
		service string
		image   string
	}{
		{name: "postgres 16", service: "postgresql", image: "postgres:16.10"},
		{name: "schema tools match the server", service: "temporal-schema", image: "temporalio/admin-tools:1.32.1"},
		{name: "server matches the embedded dev server", service: "temporal", image: "temporalio/server:1.32.1"},
		{name: "setup tools match the server", service: "temporal-setup", image: "temporalio/admin-tools:1.32.1"},
		{name: "ui matches the embedded ui", service: "temporal-ui", image: "temporalio/ui:2.55.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.image, service(t, p, tc.service).Image)
		})
	}
}

func TestDependencies(t *testing.T) {
	p := loadProject(t)
	for _, tc := range []struct {
		name      string
		service   string
		dependsOn string
		condition string
	}{
		{name: "schema waits for postgres", service: "temporal-schema", dependsOn: "postgresql", condition: types.ServiceConditionHealthy},
		{name: "server waits for schema", service: "temporal", dependsOn: "temporal-schema", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "setup waits for server", service: "temporal-setup", dependsOn: "temporal", condition: types.ServiceConditionHealthy},
		{name: "ui waits for server", service: "temporal-ui", dependsOn: "temporal", condition: types.ServiceConditionHealthy},
		{name: "firebreak waits for server", service: "firebreak", dependsOn: "temporal", condition: types.ServiceConditionHealthy},
		{name: "firebreak waits for setup", service: "firebreak", dependsOn: "temporal-setup", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "the webhooks wait for the worker", service: "firebreak-alerts", dependsOn: "firebreak", condition: types.ServiceConditionHealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep, ok := service(t, p, tc.service).DependsOn[tc.dependsOn]
			require.True(t, ok, "%s does not depend on %s", tc.service, tc.dependsOn)
			require.Equal(t, tc.condition, dep.Condition)
		})
	}
}

func TestFirebreakService(t *testing.T) {
	p := loadProject(t)
	s := service(t, p, "firebreak")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)

	t.Run("builds from the repository Dockerfile", func(t *testing.T) {
		require.NotNil(t, s.Build)
		require.Equal(t, root, s.Build.Context)
		require.Equal(t, "Dockerfile", s.Build.Dockerfile)
	})
	t.Run("runs the worker against temporal", func(t *testing.T) {
		require.Equal(t, types.ShellCommand{
			"worker",
			"--address", "temporal:7233",
			"--namespace", "default",
			"--http", "0.0.0.0:8080",
			"--config", "/etc/firebreak/firebreak.yaml",
		}, s.Command)
	})
	t.Run("mounts an existing configuration file", func(t *testing.T) {
		require.Len(t, s.Configs, 1)
		require.Equal(t, "/etc/firebreak/firebreak.yaml", s.Configs[0].Target)
		cfg, ok := p.Configs[s.Configs[0].Source]
		require.True(t, ok)
		require.FileExists(t, cfg.File)
	})
}

func TestSetupRegistersSearchAttributes(t *testing.T) {
	s := service(t, loadProject(t), "temporal-setup")
	script := strings.Join(append(append([]string{}, s.Entrypoint...), s.Command...), "\n")
	require.Contains(t, script, "temporal operator search-attribute create")
	require.Contains(t, script, "temporal operator namespace create")
	for _, name := range searchAttributes {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, script, "--name "+name+" ")
		})
	}
	t.Run("IncidentEscalationLevel is an Int", func(t *testing.T) {
		require.Contains(t, script, "--name IncidentEscalationLevel --type Int")
	})
}

func TestPorts(t *testing.T) {
	p := loadProject(t)
	for _, tc := range []struct {
		name      string
		service   string
		target    uint32
		published string
	}{
		{name: "temporal grpc", service: "temporal", target: 7233, published: "7233"},
		{name: "web ui on the dev server's port", service: "temporal-ui", target: 8080, published: "8233"},
		{name: "firebreak health and metrics", service: "firebreak", target: 8080, published: "8080"},
		{name: "firebreak alert webhooks", service: "firebreak-alerts", target: 8080, published: "8081"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var found bool
			for _, port := range service(t, p, tc.service).Ports {
				if port.Target == tc.target && port.Published == tc.published {
					found = true
				}
			}
			require.True(t, found, "%s does not publish %s:%d", tc.service, tc.published, tc.target)
		})
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(dockerfile)
	require.NoError(t, err)
	text := string(b)
	for _, tc := range []struct {
		name string
		want string
	}{
		{name: "builds in the Go image", want: "FROM golang:"},
		{name: "builds the firebreak command", want: "./cmd/firebreak"},
		{name: "builds a static binary", want: "CGO_ENABLED=0"},
		{name: "trims paths", want: "-trimpath"},
		{name: "strips symbols", want: `-ldflags "-s -w"`},
		{name: "runs as a non-root user", want: "USER 10001"},
		{name: "has the binary as entrypoint", want: `ENTRYPOINT ["/usr/local/bin/firebreak"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, text, tc.want)
		})
	}
}

func TestFirebreakAlertsService(t *testing.T) {
	p := loadProject(t)
	s := service(t, p, "firebreak-alerts")
	require.Equal(t, service(t, p, "firebreak").Image, s.Image, "runs the image the firebreak service builds")
	require.Equal(t, types.ShellCommand{
		"serve",
		"--address", "temporal:7233",
		"--namespace", "default",
		"--http", "0.0.0.0:8080",
		"--config", "/etc/firebreak/firebreak.yaml",
	}, s.Command)
	for _, name := range []string{"FIREBREAK_ALERTMANAGER_TOKEN", "FIREBREAK_SNS_TOKEN", "FIREBREAK_GENERIC_TOKEN"} {
		require.Contains(t, s.Environment, name, "the example configuration reads the token from %s", name)
	}
}
