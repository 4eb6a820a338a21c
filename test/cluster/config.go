package cluster

import (
	"net"
	"strconv"
	"strings"
)

// DynamicConfig is the servers' dynamic configuration: the settings docker-compose.yml gives
// its Temporal services.
const DynamicConfig = `limit.maxIDLength:
  - value: 255
    constraints: {}
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
`

// node is one Temporal service process. It runs `temporal-server start`, as the
// temporalio/server image's entrypoint does: the server's embedded configuration template
// (config/docker.yaml in the server module) filled from the environment, exactly as
// docker-compose.yml fills it.
type node struct {
	service                string
	grpc, membership, http int
	// frontendPort is the frontend's gRPC port: the process's own for a frontend, the
	// balancer's for the others (their cluster RPC address).
	frontendPort  int
	shards        int
	postgres      string
	user          string
	db            databases
	dynamicConfig string
}

// environ returns the environment the configuration template reads.
func (n node) environ() []string {
	host, port, _ := net.SplitHostPort(n.postgres)
	prefix := strings.ToUpper(n.service)
	env := map[string]string{
		"TEMPORAL_SERVICES": n.service, "TEMPORAL_ALLOW_NO_AUTH": "true",
		"DB": "postgres12", "POSTGRES_SEEDS": host, "DB_PORT": port, "POSTGRES_USER": n.user, "POSTGRES_PWD": "",
		"DBNAME": n.db.main, "VISIBILITY_DBNAME": n.db.visibility,
		"NUM_HISTORY_SHARDS": strconv.Itoa(n.shards),
		"BIND_ON_IP":         "127.0.0.1", "TEMPORAL_BROADCAST_ADDRESS": "127.0.0.1",
		"DYNAMIC_CONFIG_FILE_PATH":  n.dynamicConfig,
		"LOG_LEVEL":                 "warn",
		"FRONTEND_GRPC_PORT":        strconv.Itoa(n.frontendPort),
		prefix + "_GRPC_PORT":       strconv.Itoa(n.grpc),
		prefix + "_MEMBERSHIP_PORT": strconv.Itoa(n.membership),
	}
	if n.service == "frontend" {
		env["FRONTEND_HTTP_PORT"] = strconv.Itoa(n.http)
	}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
