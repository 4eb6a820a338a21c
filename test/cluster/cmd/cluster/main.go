// Command cluster runs Firebreak's production topology on this machine until interrupted:
//
//	go run ./test/cluster/cmd/cluster up [--config firebreak.yaml]
//
// It prints the balancer's address (for `firebreak --address`), the serve processes' URLs and
// the directory holding each process's log, and stops everything it started on Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/firebreak-dev/firebreak/test/cluster"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "up" {
		return fmt.Errorf("usage: cluster up [--config FILE] [--workers N] [--serves N]")
	}
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	config := fs.String("config", "internal/config/example.yaml", "Firebreak configuration `file` for the workers and serve processes")
	workers := fs.Int("workers", 2, "number of Firebreak workers")
	serves := fs.Int("serves", 2, "number of Firebreak serve processes")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Up(ctx, cluster.Options{FirebreakConfig: *config, Workers: *workers, Serves: *serves, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Printf("Temporal frontends (balanced): %s\n", c.FrontendAddr())
	for _, u := range c.ServeURLs() {
		fmt.Printf("Firebreak serve: %s\n", u)
	}
	fmt.Printf("Logs and configuration: %s\nCtrl-C stops everything.\n", c.Dir())
	<-ctx.Done()
	return nil
}
