package cluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// binaries are the programs the cluster runs: Temporal's server and schema tool from the
// server module this repository pins (go.mod's tool directives), and Firebreak.
type binaries struct {
	dir, temporal, sqlTool, firebreak string
	// schemaDir is the server module's schema directory.
	schemaDir string
}

// build builds the binaries into dir. The go command relinks only what changed, so a second
// run takes seconds.
func build(ctx context.Context, dir string, log io.Writer) (binaries, error) {
	root, err := goEnv(ctx, "", "GOMOD")
	if err != nil {
		return binaries{}, err
	}
	root = filepath.Dir(root)
	b := binaries{
		dir:       dir,
		temporal:  filepath.Join(dir, "temporal-server"),
		sqlTool:   filepath.Join(dir, "temporal-sql-tool"),
		firebreak: filepath.Join(dir, "firebreak"),
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return b, err
	}
	for _, target := range []struct{ out, pkg string }{
		{b.temporal, "go.temporal.io/server/cmd/server"},
		{b.sqlTool, "go.temporal.io/server/cmd/tools/sql"},
		{b.firebreak, "./cmd/firebreak"},
	} {
		fmt.Fprintf(log, "cluster: go build -o %s %s\n", target.out, target.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", target.out, target.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %w\n%s", target.pkg, err, out)
		}
	}
	moduleDir, err := goList(ctx, root, "go.temporal.io/server")
	if err != nil {
		return b, err
	}
	b.schemaDir = filepath.Join(moduleDir, "schema")
	return b, nil
}

func goEnv(ctx context.Context, dir, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// goList returns the directory of a module in the build list.
func goList(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", module, err)
	}
	return strings.TrimSpace(string(out)), nil
}
