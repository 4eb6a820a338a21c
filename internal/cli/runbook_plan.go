package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/runbook"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/worker"
	"github.com/firebreak-dev/firebreak/workflows"
)

// runbookPlanOptions are the inputs of runbook plan.
type runbookPlanOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)

	Key    string
	Name   string
	Params map[string]string
	// As is who would ask for the run; the approval policy never lets the requester approve.
	As string
	// Runbooks is the runbook directory; empty means the worker's (FIREBREAK_RUNBOOK_DIR or
	// ./runbooks).
	Runbooks string
	// Policies and Config choose the policy bundle as policy eval does.
	Policies string
	Config   string
	Output   string
	Wait     time.Duration
}

// newCmdRunbookPlan returns runbook plan; runF replaces runbookPlanRun in tests.
func newCmdRunbookPlan(f *Factory, runF func(context.Context, *runbookPlanOptions) error) *cobra.Command {
	opts := &runbookPlanOptions{IO: f.IO}
	var params []string
	cmd := &cobra.Command{
		Use:   "plan KEY NAME [--param k=v ...] [-o json]",
		Short: "Show what a run of a runbook would do in an incident, calling nothing (a dry run)",
		Long: "Work out, from the incident's current state, every step a run of the runbook would take: " +
			"its condition, its resolved parameters and idempotency key, the approval policy's decision " +
			"(who approves, how many, how long, what happens on timeout, whether the environment only " +
			"plans) and its undo. Nothing is started and no provider, notifier or URL is called; the " +
			"only request is the state query to the incident.",
		Example: "  firebreak runbook plan checkout-7k2m9q ecs-rollback --param service=checkout-api\n" +
			"  firebreak runbook plan checkout-7k2m9q ecs-rollback --as alice -o json",
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			key, err := incidentKey(args[:1])
			if err != nil {
				return err
			}
			opts.Key, opts.Name = key, args[1]
			parsed, err := parseParams(params)
			if err != nil {
				return err
			}
			opts.Params = parsed
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runbookPlanRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&params, "param", nil, "a param of the run as `name=value` (repeat for more)")
	cmd.Flags().StringVar(&opts.As, "as", "", "`person` who would ask for the run (default: nobody in particular)")
	cmd.Flags().StringVar(&opts.Runbooks, "runbooks", "", "runbook `directory` (default $"+worker.RunbookDirEnv+" or ./runbooks, as the worker)")
	cmd.Flags().StringVar(&opts.Policies, "policies", "", "`directory` of .rego files to use instead of the built-in policies")
	cmd.Flags().StringVar(&opts.Config, "config", "", "configuration `file` whose policies directory to use when --policies is not given")
	cmd.Flags().DurationVar(&opts.Wait, "wait", defaultWait, "how long a worker has to answer the state query (`duration`)")
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// runbookPlanRun loads the runbook and the policies, reads the incident's state and prints the
// plan. It makes no call but the state and runs queries.
func runbookPlanRun(ctx context.Context, opts *runbookPlanOptions) error {
	set, err := worker.LoadRunbookSet(opts.Runbooks)
	if err != nil {
		return err
	}
	compiled, ok := set.Runbook(opts.Name)
	if !ok {
		return fmt.Errorf("unknown runbook %q%s", printable(opts.Name), knownRunbookNames(set))
	}
	bundle, err := loadBundle(opts.Policies, opts.Config)
	if err != nil {
		return err
	}
	eval, err := policies.NewEvaluator(ctx, bundle)
	if err != nil {
		return err
	}
	sc, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	state, err := sc.State(ctx, opts.Key, opts.Wait)
	if err != nil {
		return err
	}
	var runs []workflows.RunbookRunRef
	if err := query(ctx, sc, workflows.WorkflowID(opts.Key), workflows.QueryRunbookRuns, opts.Wait, &runs); err != nil {
		return err
	}
	inc := runbook.Incident{Key: state.Key, Service: state.Service, Type: state.Type, Severity: state.Severity, Title: state.Title, Labels: state.Labels}
	params, err := compiled.BindParams(opts.Params, inc)
	if err != nil {
		return fmt.Errorf("runbook %s: %w", printable(opts.Name), err)
	}
	requester := opts.As
	if requester == "" {
		requester = "(you)"
	}
	next := 1
	if len(runs) > 0 {
		next = runs[len(runs)-1].Run + 1
	}
	plan, err := workflows.PlanRunbook(workflows.RunbookInput{
		Runbook: *compiled.Runbook(), Params: params, Incident: inc, Run: next, Requester: requester,
		Facts: workflows.RunbookFacts{Severity: state.Severity, Roles: maps.Clone(state.Roles), AlertsResolved: state.AlertBook.AllResolved()},
	}, func(req activities.ApprovalRequest) (activities.ApprovalOutcome, error) {
		return activities.DecideApproval(ctx, eval, nil, req)
	})
	if err != nil {
		return err
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, plan)
	}
	return writeRunbookPlan(opts.IO.Out, plan)
}

// knownRunbookNames ends a message with the runbooks there are.
func knownRunbookNames(set *worker.RunbookSet) string {
	var names []string
	for _, c := range set.All() {
		names = append(names, c.Runbook().Name)
	}
	if len(names) == 0 {
		return ": there are no runbooks"
	}
	return "; runbooks: " + strings.Join(names, ", ")
}

// writeRunbookPlan prints a plan as text, every text made printable.
func writeRunbookPlan(w io.Writer, p workflows.RunbookPlan) error {
	fmt.Fprintf(w, "Plan of runbook %s (%s) in incident %s, as run %d asked by %s.\n", printable(p.Runbook), printable(p.Hash),
		printable(p.Incident), p.Run, printable(p.Requester))
	fmt.Fprintf(w, "Severity %s, environment %s. Nothing was run and no call was made.\n", printable(string(p.Severity)),
		printable(orNone(p.Environment)))
	fmt.Fprintf(w, "Params: %s\n", printable(formatValues(p.Params)))
	number, block, sub := 0, 0, 0
	for _, s := range p.Steps {
		var label string
		if s.Block == 0 {
			number++
			label = fmt.Sprint(number)
		} else {
			if s.Block != block {
				number++
				block, sub = s.Block, 0
				fmt.Fprintf(w, "\n%d. in parallel:\n", number)
			}
			sub++
			label = fmt.Sprintf("%d.%d", number, sub)
		}
		fmt.Fprintf(w, "\n%s. %s (%s): %s\n", label, printable(s.ID), printable(s.Action), outcomeText(s))
		if s.When != "" {
			fmt.Fprintf(w, "   when %s: %s\n", printable(s.When), printable(s.WhenResult))
		}
		if s.Error != "" {
			fmt.Fprintf(w, "   error: %s\n", printable(s.Error))
			continue
		}
		if s.Outcome == workflows.PlanSkip {
			continue
		}
		if s.Summary != "" {
			fmt.Fprintf(w, "   does: %s\n", printable(s.Summary))
		}
		fmt.Fprintf(w, "   with: %s\n", printable(formatValues(s.With)))
		if s.Pending != "" {
			fmt.Fprintf(w, "   (%s)\n", printable(s.Pending))
		}
		if s.IdempotencyKey != "" {
			fmt.Fprintf(w, "   idempotency key: %s\n", printable(s.IdempotencyKey))
		}
		if a := s.Approval; a != nil {
			fmt.Fprintf(w, "   approval: %s\n", printable(approvalText(a)))
			fmt.Fprintf(w, "   policy: %s (revision %s)\n", printable(strings.Join(a.Decision.Reasons, "; ")), printable(a.PolicyRevision))
		}
		if u := s.Undo; u != nil {
			does := u.Summary
			if does == "" {
				does = u.Action + " with " + formatValues(u.With)
			}
			fmt.Fprintf(w, "   undo: %s\n", printable(does))
			if u.Pending != "" {
				fmt.Fprintf(w, "   (%s)\n", printable(u.Pending))
			}
		}
	}
	_, err := fmt.Fprintf(w, "\n%s would wait for an approval; %s would call outside Firebreak.\n",
		nounCount(p.Approvals, "step"), nounCount(p.Calls, "step"))
	return err
}

// outcomeText says what a planned step would do.
func outcomeText(s workflows.PlannedStep) string {
	switch s.Outcome {
	case workflows.PlanSkip:
		return "skipped"
	case workflows.PlanDryRun:
		return "dry run: the approval policy only plans in this environment"
	case workflows.PlanAtRunTime:
		return "decided when the run reaches it"
	case workflows.PlanFail:
		return "the run would fail here"
	}
	if s.Approval != nil && s.Approval.Decision.Needed {
		return "runs once approved"
	}
	return "runs"
}

// approvalText words an approval decision.
func approvalText(a *workflows.PlannedApproval) string {
	d := a.Decision
	if !d.Needed {
		return "none needed"
	}
	who := strings.Join(d.Approvers, " or ")
	if len(a.Eligible) > 0 {
		who += " (" + strings.Join(a.Eligible, ", ") + ")"
	} else {
		who += " (nobody holds the role yet)"
	}
	return fmt.Sprintf("%d of %s within %s, then %s on timeout", d.Count, who, time.Duration(d.WaitSeconds)*time.Second, d.OnTimeout)
}

// formatValues writes a map as "k=v, k=v" in key order.
func formatValues(m map[string]any) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// orNone returns s, or "(none)" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
