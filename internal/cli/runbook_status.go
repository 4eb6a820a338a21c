package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/workflowquery"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// runbookStatusOptions are the inputs of runbook status.
type runbookStatusOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)
	Key     string
	Run     int
	Output  string
	Wait    time.Duration
}

// newCmdRunbookStatus returns runbook status; runF replaces runbookStatusRun in tests.
func newCmdRunbookStatus(f *Factory, runF func(context.Context, *runbookStatusOptions) error) *cobra.Command {
	opts := &runbookStatusOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "status KEY [RUN] [-o json]",
		Short:   "Show each step's state in a runbook run of an incident (the latest run by default)",
		Example: "  firebreak runbook status checkout-7k2m9q\n  firebreak runbook status checkout-7k2m9q 2 -o json",
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			key, err := incidentKey(args[:1])
			if err != nil {
				return err
			}
			opts.Key = key
			if len(args) == 2 {
				n, err := strconv.Atoi(args[1])
				if err != nil || n < 1 {
					return usageErrorf("RUN %s: want a run number such as 1", printable(args[1]))
				}
				opts.Run = n
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runbookStatusRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().DurationVar(&opts.Wait, "wait", defaultWait, "how long a worker has to answer (`duration`)")
	return cmd
}

// query asks a workflow's query and decodes its answer, waiting at most wait.
func query(ctx context.Context, sc *starter.Client, workflowID, name string, wait time.Duration, out any) error {
	qctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	v, err := workflowquery.Ask(qctx, sc.Temporal, sc.Namespace, workflowID, "", name)
	if err != nil {
		if qctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("query %s: no worker answered within %s; is a worker running?", workflowID, wait)
		}
		return fmt.Errorf("query %s: %w", workflowID, err)
	}
	return v.Get(out)
}

// findRun returns the reference of a run of the incident.
func findRun(ctx context.Context, sc *starter.Client, key string, n int, wait time.Duration) (workflows.RunbookRunRef, error) {
	var runs []workflows.RunbookRunRef
	if err := query(ctx, sc, workflows.WorkflowID(key), workflows.QueryRunbookRuns, wait, &runs); err != nil {
		return workflows.RunbookRunRef{}, err
	}
	return runbookRunID(runs, key, n)
}

// runbookStatusRun prints the run's steps.
func runbookStatusRun(ctx context.Context, opts *runbookStatusOptions) error {
	sc, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	ref, err := findRun(ctx, sc, opts.Key, opts.Run, opts.Wait)
	if err != nil {
		return err
	}
	var status workflows.RunbookStatus
	if err := query(ctx, sc, ref.WorkflowID, workflows.QueryRunbookStatus, opts.Wait, &status); err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(status)
	}
	return writeRunbookStatus(opts.IO.Out, ref, status)
}

// writeRunbookStatus prints a run as a table, every text made printable.
func writeRunbookStatus(w interface{ Write([]byte) (int, error) }, ref workflows.RunbookRunRef, s workflows.RunbookStatus) error {
	fmt.Fprintf(w, "runbook %s run %d: %s (asked by %s, %s)\n", printable(s.Runbook), s.Run, printable(s.State), printable(s.Requester), printable(s.Hash))
	fmt.Fprintf(w, "workflow %s\n", printable(ref.WorkflowID))
	if s.Error != "" {
		fmt.Fprintf(w, "error: %s\n", printable(s.Error))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATE\tDOES\tAPPROVAL")
	for _, st := range s.Steps {
		approval := ""
		if a := st.Approval; a != nil && a.Decision.Needed {
			approval = fmt.Sprintf("%d of %d from %s", len(a.ApprovedBy), a.Decision.Count, strings.Join(a.Eligible, ", "))
			if len(a.Eligible) == 0 {
				approval = fmt.Sprintf("needs %s (nobody holds the role yet)", strings.Join(a.Decision.Approvers, " or "))
			}
			if a.RejectedBy != "" {
				approval = "rejected by " + a.RejectedBy
			}
		}
		does := st.Summary
		if st.Error != "" {
			does += " — " + st.Error
		}
		if st.Undo != "" {
			does += " — undo failed: " + st.Undo
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(st.ID), printable(st.State), printable(does), printable(approval))
	}
	for _, u := range s.UndoFailed {
		fmt.Fprintf(tw, "undo failed: %s\n", printable(u))
	}
	return tw.Flush()
}
