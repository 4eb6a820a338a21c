package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/policies"
)

// policyEvalOptions are the inputs of policy eval.
type policyEvalOptions struct {
	IO IOStreams

	Name   policies.Name
	Input  string // file of JSON input, "-" for standard input
	Dir    string
	Config string
}

// newCmdPolicyEval returns policy eval; runF replaces policyEvalRun in tests.
func newCmdPolicyEval(f *Factory, runF func(context.Context, *policyEvalOptions) error) *cobra.Command {
	opts := &policyEvalOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "eval NAME --input FILE [--dir DIR]",
		Short: "Evaluate one policy decision for a JSON input",
		Long: "Evaluate one decision (" + nameList() + ") of the built-in policies, or those in " +
			"--dir, for the JSON input in FILE (\"-\" for standard input), and print the decision as JSON.",
		Example: "  firebreak policy eval severity --input impact.json\n" +
			`  echo '{"impact":{"customers_affected":"all"}}' | firebreak policy eval severity --input -`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = policies.Name(args[0])
			if !slices.Contains(policies.Names(), opts.Name) {
				return usageErrorf("unknown decision %q: use %s", args[0], nameList())
			}
			if err := requireFlags(cmd, "input"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return policyEvalRun(cmd.Context(), opts)
		},
	}
	addPolicySourceFlags(cmd, &opts.Dir, &opts.Config)
	cmd.Flags().StringVar(&opts.Input, "input", "", "JSON input `file`, \"-\" for standard input (required)")
	return cmd
}

// policyEvalRun evaluates the decision and prints it as indented JSON.
func policyEvalRun(ctx context.Context, opts *policyEvalOptions) error {
	input, err := readInput(opts.IO.In, opts.Input)
	if err != nil {
		return err
	}
	bundle, err := loadBundle(opts.Dir, opts.Config)
	if err != nil {
		return err
	}
	eval, err := policies.NewEvaluator(ctx, bundle)
	if err != nil {
		return err
	}
	var decision any
	if err := eval.Decide(ctx, opts.Name, input, &decision); err != nil {
		return err
	}
	return writeJSON(opts.IO.Out, decision)
}

// readInput reads and decodes the JSON input in path, or in stdin when path is "-".
func readInput(stdin io.Reader, path string) (any, error) {
	var data []byte
	var err error
	if path == "-" {
		path = "standard input"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read input %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var input any
	if err := dec.Decode(&input); err != nil {
		return nil, fmt.Errorf("read input %s: invalid JSON: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("read input %s: invalid JSON: more than one value", path)
	}
	return input, nil
}

// nameList lists the decision names for help and errors.
func nameList() string {
	names := make([]string, 0, len(policies.Names()))
	for _, name := range policies.Names() {
		names = append(names, string(name))
	}
	return strings.Join(names, ", ")
}
