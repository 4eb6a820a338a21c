package cluster

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
)

// databases names the two databases of one cluster: Temporal's main store and its visibility
// store.
type databases struct {
	main, visibility string
}

// createDatabases creates this run's databases and sets up their schemas with the server
// module's temporal-sql-tool and schema files, as the admin-tools image does in
// docker-compose.yml.
func createDatabases(ctx context.Context, bins binaries, opts Options) (databases, error) {
	suffix := randomSuffix()
	db := databases{main: "fbcluster_" + suffix, visibility: "fbcluster_" + suffix + "_visibility"}
	for _, d := range []struct{ name, dir string }{
		{db.main, "temporal"},
		{db.visibility, "visibility"},
	} {
		versioned := filepath.Join(bins.schemaDir, "postgresql", "v12", d.dir, "versioned")
		for _, args := range [][]string{
			{"create"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", versioned},
		} {
			if err := sqlTool(ctx, bins, opts, d.name, args...); err != nil {
				return db, err
			}
		}
	}
	return db, nil
}

// drop drops the databases; a failure is only reported, since the run is over.
func (db databases) drop(ctx context.Context, bins binaries, opts Options) {
	for _, name := range []string{db.main, db.visibility} {
		if err := sqlTool(ctx, bins, opts, name, "drop", "-f"); err != nil {
			fmt.Fprintf(opts.Log, "cluster: %v\n", err)
		}
	}
}

func sqlTool(ctx context.Context, bins binaries, opts Options, db string, args ...string) error {
	host, port, err := net.SplitHostPort(opts.Postgres)
	if err != nil {
		return fmt.Errorf("postgres address %q: %w", opts.Postgres, err)
	}
	full := append([]string{"--plugin", "postgres12", "--ep", host, "-p", port, "-u", opts.PostgresUser, "--db", db}, args...)
	cmd := exec.CommandContext(ctx, bins.sqlTool, full...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("temporal-sql-tool %s on %s: %w\n%s", args[0], db, err, out)
	}
	return nil
}
