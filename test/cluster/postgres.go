package cluster

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
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

// DatabaseStats are the counters PostgreSQL keeps for one database (pg_stat_database), which
// show what a workload costs the store: compare two readings with Sub.
type DatabaseStats struct {
	// Commits counts committed transactions, read-only ones included.
	Commits int64
	// Inserted, Updated and Deleted count rows written.
	Inserted, Updated, Deleted int64
}

// RowsWritten is the rows inserted, updated and deleted.
func (s DatabaseStats) RowsWritten() int64 { return s.Inserted + s.Updated + s.Deleted }

// Sub returns the counters' growth from an earlier reading to s.
func (s DatabaseStats) Sub(earlier DatabaseStats) DatabaseStats {
	return DatabaseStats{
		Commits: s.Commits - earlier.Commits, Inserted: s.Inserted - earlier.Inserted,
		Updated: s.Updated - earlier.Updated, Deleted: s.Deleted - earlier.Deleted,
	}
}

// DatabaseStats reads the counters of the cluster's main and visibility databases with psql.
// PostgreSQL publishes a session's counts about once a second while it is busy, so a reading
// lags the work by a second or so.
func (c *Cluster) DatabaseStats(ctx context.Context) (main, visibility DatabaseStats, err error) {
	host, port, err := net.SplitHostPort(c.opts.Postgres)
	if err != nil {
		return main, visibility, fmt.Errorf("postgres address %q: %w", c.opts.Postgres, err)
	}
	// The names are this run's own (fbcluster_ and hex digits), so they quote safely.
	query := fmt.Sprintf(`SELECT datname, xact_commit, tup_inserted, tup_updated, tup_deleted
		FROM pg_stat_database WHERE datname IN ('%s', '%s')`, c.db.main, c.db.visibility)
	out, err := exec.CommandContext(ctx, "psql", "-h", host, "-p", port, "-U", c.opts.PostgresUser, "-d", "postgres",
		"-X", "-A", "-t", "-F", " ", "-c", query).Output()
	if err != nil {
		return main, visibility, fmt.Errorf("psql: read pg_stat_database: %w", err)
	}
	read := 0
	for line := range strings.Lines(string(out)) {
		var name string
		var s DatabaseStats
		if _, err := fmt.Sscan(line, &name, &s.Commits, &s.Inserted, &s.Updated, &s.Deleted); err != nil {
			return main, visibility, fmt.Errorf("psql: read pg_stat_database line %q: %w", line, err)
		}
		switch name {
		case c.db.main:
			main = s
		case c.db.visibility:
			visibility = s
		}
		read++
	}
	if read != 2 {
		return main, visibility, fmt.Errorf("psql: pg_stat_database has %d of databases %s and %s", read, c.db.main, c.db.visibility)
	}
	return main, visibility, nil
}
