// Package compose_test checks the repository's docker-compose.yml and Dockerfile by parsing them:
// no Docker engine runs where the tests run, so the parse is the check.
package compose_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/test/cluster"
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
	for _, name := range []string{"postgresql", "temporal-schema", "temporal-history-1", "temporal-history-2",
		"temporal-matching", "temporal-frontend-1", "temporal-frontend-2", "temporal-worker", "temporal-setup",
		"temporal-ui", "firebreak-worker-1", "firebreak-worker-2", "firebreak-serve-1", "firebreak-serve-2"} {
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
		{name: "first frontend port is open", service: "temporal-frontend-1", probe: "7233"},
		{name: "second frontend port is open", service: "temporal-frontend-2", probe: "7233"},
		{name: "web ui answers healthz", service: "temporal-ui", probe: "/healthz"},
		{name: "first worker answers healthz", service: "firebreak-worker-1", probe: "http://127.0.0.1:8080/healthz"},
		{name: "second worker answers healthz", service: "firebreak-worker-2", probe: "http://127.0.0.1:8080/healthz"},
		{name: "first serve answers healthz", service: "firebreak-serve-1", probe: "http://127.0.0.1:8080/healthz"},
		{name: "second serve answers healthz", service: "firebreak-serve-2", probe: "http://127.0.0.1:8080/healthz"},
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
		{name: "history matches the embedded dev server", service: "temporal-history-1", image: "temporalio/server:1.32.1"},
		{name: "frontend matches the embedded dev server", service: "temporal-frontend-2", image: "temporalio/server:1.32.1"},
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
		{name: "history waits for schema", service: "temporal-history-2", dependsOn: "temporal-schema", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "matching waits for schema", service: "temporal-matching", dependsOn: "temporal-schema", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "frontend waits for schema", service: "temporal-frontend-1", dependsOn: "temporal-schema", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "setup waits for a frontend", service: "temporal-setup", dependsOn: "temporal-frontend-1", condition: types.ServiceConditionHealthy},
		{name: "ui waits for a frontend", service: "temporal-ui", dependsOn: "temporal-frontend-1", condition: types.ServiceConditionHealthy},
		{name: "worker waits for a frontend", service: "firebreak-worker-1", dependsOn: "temporal-frontend-1", condition: types.ServiceConditionHealthy},
		{name: "worker waits for setup", service: "firebreak-worker-2", dependsOn: "temporal-setup", condition: types.ServiceConditionCompletedSuccessfully},
		{name: "the webhooks wait for a worker", service: "firebreak-serve-2", dependsOn: "firebreak-worker-1", condition: types.ServiceConditionHealthy},
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
	s := service(t, p, "firebreak-worker-1")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)

	t.Run("builds from the repository Dockerfile", func(t *testing.T) {
		require.NotNil(t, s.Build)
		require.Equal(t, root, s.Build.Context)
		require.Equal(t, "Dockerfile", s.Build.Dockerfile)
	})
	t.Run("runs the worker against the frontends", func(t *testing.T) {
		require.Equal(t, service(t, p, "firebreak-worker-2").Command, s.Command)
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
		{name: "first frontend", service: "temporal-frontend-1", target: 7233, published: "7233"},
		{name: "second frontend", service: "temporal-frontend-2", target: 7233, published: "7234"},
		{name: "web ui on the dev server's port", service: "temporal-ui", target: 8080, published: "8233"},
		{name: "firebreak health and metrics", service: "firebreak-worker-1", target: 8080, published: "8080"},
		{name: "first alert webhooks", service: "firebreak-serve-1", target: 8080, published: "8081"},
		{name: "second alert webhooks", service: "firebreak-serve-2", target: 8080, published: "8082"},
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
	s := service(t, p, "firebreak-serve-1")
	require.Equal(t, service(t, p, "firebreak-worker-1").Image, s.Image, "runs the image the worker service builds")
	require.Equal(t, service(t, p, "firebreak-serve-2").Command, s.Command)
	require.Equal(t, types.ShellCommand{
		"serve",
		"--address", "temporal:7233",
		"--namespace", "default",
		"--http", "0.0.0.0:8080",
		"--config", "/etc/firebreak/firebreak.yaml",
	}, s.Command)
	for _, name := range []string{"FIREBREAK_ALERTMANAGER_TOKEN", "FIREBREAK_SNS_TOKEN", "FIREBREAK_GENERIC_TOKEN", "FIREBREAK_PAGERDUTY_ROUTING_KEY"} {
		require.Contains(t, s.Environment, name, "the example configuration reads the token from %s", name)
	}
}

// TestTopologyIsTheTestedOne shows that the compose file runs the topology test/cluster runs
// and kills part by part: the same services, counts and settings.
func TestTopologyIsTheTestedOne(t *testing.T) {
	p := loadProject(t)
	counts := map[string]int{}
	for _, s := range p.Services {
		if s.Image != "temporalio/server:1.32.1" {
			continue
		}
		env := s.Environment
		for name, want := range map[string]string{
			"DB": "postgres12", "NUM_HISTORY_SHARDS": strconv.Itoa(cluster.DefaultHistoryShards),
			"TEMPORAL_ALLOW_NO_AUTH": "true", "BIND_ON_IP": "0.0.0.0",
		} {
			require.NotNil(t, env[name], "%s: %s unset", s.Name, name)
			require.Equal(t, want, *env[name], "%s: %s", s.Name, name)
		}
		require.NotNil(t, env["TEMPORAL_SERVICES"], s.Name)
		counts[*env["TEMPORAL_SERVICES"]]++
	}
	require.Equal(t, map[string]int{
		"frontend": cluster.DefaultFrontends, "history": cluster.DefaultHistories,
		"matching": cluster.DefaultMatchings, "worker": cluster.DefaultTemporalWorkers,
	}, counts)

	var workers, serves int
	for _, s := range p.Services {
		switch {
		case strings.HasPrefix(s.Name, "firebreak-worker-"):
			workers++
		case strings.HasPrefix(s.Name, "firebreak-serve-"):
			serves++
		}
	}
	require.Equal(t, cluster.DefaultWorkers, workers)
	require.Equal(t, cluster.DefaultServes, serves)
	require.Equal(t, cluster.DynamicConfig, p.Configs["temporal-dynamic-config"].Content)
}
