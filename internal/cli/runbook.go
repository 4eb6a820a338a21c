package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/runbooks"
)

// DefaultRunbookDir is the directory runbook commands read when given no path.
const DefaultRunbookDir = "runbooks"

// newCmdRunbook returns the runbook command group.
func newCmdRunbook(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook <command>",
		Short: "Validate, list and run runbooks: the automated steps Firebreak runs inside incidents",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(newCmdRunbookValidate(f, nil), newCmdRunbookList(f, nil), newCmdRunbookRun(f, nil), newCmdRunbookPlan(f, nil),
		newCmdRunbookStatus(f, nil), newCmdRunbookVote(f, true, nil), newCmdRunbookVote(f, false, nil))
	return cmd
}

// runbookPaths returns the paths a runbook command reads: those given, else the default
// directory, which must exist.
func runbookPaths(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	if _, err := os.Stat(DefaultRunbookDir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageErrorf("no ./%s directory here: give the runbook files or directories to read", DefaultRunbookDir)
		}
		return nil, fmt.Errorf("read ./%s: %w", DefaultRunbookDir, err)
	}
	return []string{DefaultRunbookDir}, nil
}

// loadRunbooks loads the runbooks in paths, returning the valid ones and every problem.
func loadRunbooks(paths []string) ([]*runbooks.File, runbooks.Errors, error) {
	loader, err := runbooks.NewLoader()
	if err != nil {
		return nil, nil, err
	}
	files, err := loader.Load(paths...)
	if err == nil {
		return files, nil, nil
	}
	var problems runbooks.Errors
	if !errors.As(err, &problems) {
		return nil, nil, err
	}
	return files, problems, nil
}

// problemSummary words a count of problems and of the files that hold them.
func problemSummary(problems runbooks.Errors) error {
	files := map[string]bool{}
	for _, p := range problems {
		files[p.File] = true
	}
	return fmt.Errorf("%s in %s", nounCount(len(problems), "problem"), nounCount(len(files), "file"))
}

// nounCount writes n and a noun, with an s unless n is 1.
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
