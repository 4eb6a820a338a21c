package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/workflows"
)

// runbookVoteOptions are the inputs of runbook approve and runbook reject.
type runbookVoteOptions struct {
	responderOptions
	Run     int
	Step    string
	Reason  string
	Approve bool
}

// newCmdRunbookVote returns runbook approve (approve true) or runbook reject; runF replaces
// runbookVoteRun in tests.
func newCmdRunbookVote(f *Factory, approve bool, runF func(context.Context, *runbookVoteOptions) error) *cobra.Command {
	opts := &runbookVoteOptions{Approve: approve}
	verb := "reject"
	if approve {
		verb = "approve"
	}
	cmd := &cobra.Command{
		Use:     verb + " KEY RUN --as PERSON [--step ID] [--reason TEXT]",
		Short:   fmt.Sprintf("%s the step of a runbook run that awaits approval", verb),
		Example: fmt.Sprintf("  firebreak runbook %s checkout-7k2m9q 1 --as carol --reason 'deploy 41 is bad'", verb),
	}
	cmd = responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runbookVoteRun(cmd.Context(), opts)
	})
	runE := cmd.RunE
	cmd.Args = usageArgs(cobra.ExactArgs(2))
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return usageErrorf("RUN %s: want a run number such as 1", printable(args[1]))
		}
		opts.Run = n
		return runE(cmd, args[:1])
	}
	cmd.Flags().StringVar(&opts.Step, "step", "", "the step (`ID`); default the one awaiting approval")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why (`text`)")
	return cmd
}

// runbookVoteRun sends the approval or rejection to the run.
func runbookVoteRun(ctx context.Context, opts *runbookVoteOptions) error {
	sc, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	ref, err := findRun(ctx, sc, opts.Key, opts.Run, opts.Wait)
	if err != nil {
		return err
	}
	step := opts.Step
	if step == "" {
		var status workflows.RunbookStatus
		if err := query(ctx, sc, ref.WorkflowID, workflows.QueryRunbookStatus, opts.Wait, &status); err != nil {
			return err
		}
		for _, st := range status.Steps {
			if st.State == workflows.StepAwaitingApproval {
				step = st.ID
				break
			}
		}
		if step == "" {
			return fmt.Errorf("run %d of incident %s has no step awaiting approval", opts.Run, opts.Key)
		}
	}
	name := workflows.UpdateRejectStep
	if opts.Approve {
		name = workflows.UpdateApproveStep
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	vote := workflows.StepVote{Step: step, By: opts.As, Reason: opts.Reason, Expiry: workflows.Expiry{Expires: now.Add(opts.Wait).UTC()}}
	uctx, cancel := context.WithTimeout(ctx, opts.Wait)
	defer cancel()
	h, err := sc.Temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		WorkflowID: ref.WorkflowID, UpdateName: name, Args: []any{vote}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return fmt.Errorf("%s step %s: %w", name, printable(step), err)
	}
	var text string
	if err := h.Get(uctx, &text); err != nil {
		return fmt.Errorf("%s step %s: %w", name, printable(step), err)
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s run %d: %s\n", printable(opts.Key), opts.Run, printable(text))
	return err
}
